"""DDEX ERN messages as frozen records (what `accord.catalog.ddex` reads): free of XML and
storage. Shares are exact Decimals in percent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

PURGE_ROOTS = frozenset({"PurgedReleaseMessage", "PurgeReleaseMessage"})


@dataclass(frozen=True)
class ErnParty:
    ref: str  # PartyReference, local to the message
    name: str
    isni: str | None = None
    ipi: str | None = None
    dpid: str | None = None


@dataclass(frozen=True)
class ErnShare:
    party_ref: str
    share: Decimal  # percent, exact


@dataclass(frozen=True)
class ErnWriter:
    party_ref: str
    role: str
    share: Decimal | None  # RightSharePercentage when given


@dataclass(frozen=True)
class ErnWork:
    ref: str
    title: str
    iswc: str | None
    writers: tuple[ErnWriter, ...]
    publishers: tuple[ErnShare, ...]


@dataclass(frozen=True)
class ErnTitle:
    """A title as ERN gives it: the title proper and its subtitle kept apart, and the display
    title (what a shop shows, which may add a version or an artist) beside them."""

    proper: str
    subtitle: str | None = None
    display: str | None = None


@dataclass(frozen=True)
class ErnRecording:
    ref: str  # ResourceReference
    isrc: str  # "" when the track has only the sender's proprietary id
    title: str  # the title proper
    work_ref: str | None
    display_artists: tuple[tuple[str, str], ...]  # (party ref, DisplayArtistRole)
    contributors: tuple[tuple[str, tuple[str, ...]], ...]  # (party ref, roles)
    masters: tuple[ErnShare, ...]
    ai: dict = field(default_factory=dict, compare=False, hash=False)
    subtitle: str | None = None
    display_title: str | None = None
    proprietary: tuple[str, str] | None = None  # (Namespace, ProprietaryId) when no ISRC

    @property
    def registry_title(self) -> str:
        """The title proper with its subtitle (a version) in brackets, so two versions of a
        song stay apart in the registry; never the display title."""
        return f"{self.title} ({self.subtitle})" if self.subtitle else self.title

    @property
    def identity(self) -> str:
        """ISRC, else `prop:<namespace>:<id>` (only unique within its sender)."""
        if self.isrc:
            return self.isrc
        ns, value = self.proprietary or ("", "")
        return f"prop:{ns}:{value}"


@dataclass(frozen=True)
class ErnResource:
    """A resource that is not a sound recording (Video, Image, Text, SheetMusic, Software,
    MIDI, UserDefinedResource): recorded beside its release, never put in the registry."""

    ref: str  # ResourceReference
    kind: str  # the element: Video, Image, ...
    type: str | None  # its Type (ERN 4) or <Kind>Type (ERN 3) value
    ids: tuple[tuple[str, str], ...]  # (id element, value), e.g. ("ISRC", ...)
    title: str | None


@dataclass(frozen=True)
class ErnLabel:
    """A label that released a release: a party of the message (ERN 4 ReleaseLabelReference)
    or a name (ERN 3 LabelName, made a party of the message by the reader)."""

    party_ref: str
    name: str


@dataclass(frozen=True)
class ErnDeal:
    territories: tuple[str, ...]
    commercial_models: tuple[str, ...]
    use_types: tuple[str, ...]
    start: str | None
    end: str | None
    takedown: bool  # ERN 3's TakeDown flag (some senders keep it)
    ended: bool = False  # ERN 4: every validity period had ended when the message was created


@dataclass(frozen=True)
class ErnRelease:
    ref: str  # ReleaseReference
    icpn: str | None
    grid: str | None
    proprietary: str | None
    title: str
    recording_refs: tuple[str, ...]  # every ReleaseResourceReference, audio or not
    deals: tuple[ErnDeal, ...]
    subtitle: str | None = None
    display_title: str | None = None
    labels: tuple[ErnLabel, ...] = ()
    release_type: str | None = None

    @property
    def registry_title(self) -> str:
        return f"{self.title} ({self.subtitle})" if self.subtitle else self.title

    @property
    def key(self) -> str | None:
        """The release's identity across messages (ICPN, else GRid, else proprietary id)."""
        return (f"icpn-{self.icpn}" if self.icpn else f"grid-{self.grid}" if self.grid else
                f"prop-{self.proprietary}" if self.proprietary else None)

    @property
    def taken_down(self) -> bool:
        """A TakeDown deal, or deals that have all ended (ERN 4 ends a deal by its end date)."""
        return any(d.takedown for d in self.deals) or (
            bool(self.deals) and all(d.ended for d in self.deals))


@dataclass(frozen=True)
class ErnMessage:
    root: str  # NewReleaseMessage | PurgedReleaseMessage
    version: str  # namespace suffix, e.g. "43"
    message_id: str
    thread_id: str
    sender_dpid: str
    sender_name: str
    created_at: datetime
    update: bool  # UpdateIndicator = UpdateMessage (ERN 3 habit, still sent by some)
    parties: dict[str, ErnParty]
    works: dict[str, ErnWork]
    recordings: dict[str, ErnRecording]
    releases: tuple[ErnRelease, ...]
    resources: dict[str, ErnResource] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # what was read but skipped, and why (per resource/release)

    @property
    def purge(self) -> bool:
        return self.root in PURGE_ROOTS

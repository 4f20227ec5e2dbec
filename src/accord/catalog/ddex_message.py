"""What ERN 3.8.x and 4.x messages share once read: the MessageHeader, the identity of each
sound recording (ISRC, or a proprietary id where that is allowed), and the cross-reference checks
that turn the pieces into an `ErnMessage` or a list of problems. Used by `accord.catalog.ddex`
and `accord.catalog.ddex38`; `r` is their problem collector (`bad(where, text)`)."""

from __future__ import annotations

from datetime import UTC, datetime

from accord.catalog.ddex_elements import instant, kid, text
from accord.catalog.ddex_model import ErnMessage, ErnRecording, ErnRelease
from accord.catalog.ddex_names import NO_ISRC_RELEASE_TYPES
from accord.errors import Problem

NEW_RELEASE = "NewReleaseMessage"


def header(r, root) -> tuple[str, str, str, str, datetime | None]:
    """(MessageId, thread id, sender DPID, sender name, created) of a message's header, the
    same in ERN 3.8 and 4.x; an absent or empty MessageId is a problem naming the element."""
    head = kid(root, "MessageHeader")
    if head is None:
        r.bad("MessageHeader", "no MessageHeader element")
    id_el = kid(head, "MessageId") if head is not None else None
    message_id = text(head, "MessageId") if head is not None else None
    if head is not None and id_el is None:
        r.bad("MessageHeader/MessageId", "no MessageId element; a message needs one (it is "
              "the key that makes a re-delivery a no-op)")
    elif head is not None and not message_id:
        r.bad("MessageHeader/MessageId", "the MessageId element is empty; a message needs a "
              "MessageId (it is the key that makes a re-delivery a no-op)")
    sender = kid(head, "MessageSender") if head is not None else None
    sender_dpid = (text(sender, "PartyId") or text(sender, "PartyId", "DPID")) if sender is not \
        None else None
    if not sender_dpid:
        r.bad("MessageHeader/MessageSender/PartyId", "no sender DPID")
    created_raw = text(head, "MessageCreatedDateTime") if head is not None else None
    created = instant(created_raw)
    if created is None:
        r.bad("MessageHeader/MessageCreatedDateTime",
              f"missing or not an ISO 8601 date-time ({created_raw!r})")
    return (message_id or "", text(head, "MessageThreadId") or "" if head is not None else "",
            sender_dpid or "", text(sender, "PartyName", "FullName") or "" if sender is not None
            else "", created)


def check_identities(r, recordings: dict[str, ErnRecording],
                     releases: tuple[ErnRelease, ...], bonus: set[str], version: str) -> None:
    """A recording is identified by its ISRC; the sender's ProprietaryId stands in only for
    tracks that have none by nature: a DJ mix's tracks and bonus material."""
    no_isrc_ok = set(bonus)
    for rel in releases:
        if rel.release_type in NO_ISRC_RELEASE_TYPES:
            no_isrc_ok |= set(rel.recording_refs)
    id_path = "SoundRecordingId" if version.startswith("3") else "ResourceId"
    for rec in recordings.values():
        if rec.isrc:
            continue
        where = f"SoundRecording[{rec.ref}]/{id_path}/ISRC"
        if rec.proprietary is None:
            r.bad(where, "the sound recording has no ISRC (nor a ProprietaryId); Accord "
                  "identifies recordings by ISRC")
        elif rec.ref not in no_isrc_ok:
            r.bad(where, "the sound recording has no ISRC; a ProprietaryId stands in for one "
                  "only on a DJ mix (ReleaseType DjMix) or for bonus material "
                  "(IsBonusResource), and this track is neither")


def finish(r, root, name: str, version: str, head: tuple, parties, works, recordings,
            resources, releases, notes) -> tuple[ErnMessage | None, list[Problem]]:
    """The cross-reference checks both versions share, then the message (or the problems)."""
    message_id, thread_id, sender_dpid, sender_name, created = head
    if not releases:
        r.bad("ReleaseList", "the message describes no release")
    for rel in releases:
        if rel.key is None:
            r.bad(f"Release[{rel.ref}]/ReleaseId", "no ICPN, GRid or ProprietaryId; a release "
                  "needs an identity that later messages can refer to")
        for ref in rel.recording_refs:
            if ref not in recordings and ref not in resources and name == NEW_RELEASE:
                r.bad(f"Release[{rel.ref}]", f"refers to unknown resource {ref!r}")
    for rec in recordings.values():
        for pref, _role in rec.display_artists:
            if pref not in parties:
                r.bad(f"SoundRecording[{rec.ref}]/DisplayArtist", f"unknown party {pref!r}")
        for pref, _roles in rec.contributors:
            if pref not in parties:
                r.bad(f"SoundRecording[{rec.ref}]/Contributor", f"unknown party {pref!r}")
        for s in rec.masters:
            if s.party_ref not in parties:
                r.bad(f"SoundRecording[{rec.ref}]/ResourceRightsController",
                      f"unknown party {s.party_ref!r}")
        if rec.work_ref is not None and rec.work_ref not in works:
            r.bad(f"SoundRecording[{rec.ref}]", f"refers to unknown musical work {rec.work_ref!r}")
    for w in works.values():
        for pref in [x.party_ref for x in w.writers] + [s.party_ref for s in w.publishers]:
            if pref not in parties:
                r.bad(f"MusicalWork[{w.ref}]", f"unknown party {pref!r}")
    if r.problems:
        return None, r.problems
    wanted = {ref for rel in releases for ref in rel.recording_refs}
    notes = list(notes) + [f"SoundRecording[{ref}]: no release refers to it; skipped"
                           for ref in recordings if ref not in wanted and name == NEW_RELEASE]
    update = (text(root, "UpdateIndicator") or "") == "UpdateMessage"
    msg = ErnMessage(root=name, version=version, message_id=message_id,
                     thread_id=thread_id, sender_dpid=sender_dpid, sender_name=sender_name,
                     created_at=created or datetime.min.replace(tzinfo=UTC), update=update,
                     parties=parties, works=works, recordings=recordings, releases=releases,
                     resources=resources, notes=tuple(notes))
    return msg, []

"""The permission rule (DESIGN.md, "the heart of it"), as a pure function with its evidence.

A use U of a recording R at time T, for a purpose, in a territory, is permitted only when
  1. every master rights holder of R has an agreement in force at T covering U for R,
  2. every rights holder (publisher) of R's work has one covering U for the work,
  3. every credited performing artist of R and every writer of the work has opted in to U at T,
  4. nothing in force at T revokes or excludes it: a person's revocation, or a takedown of
     the recording (a withdrawal, e.g. a distributor's DDEX takedown) not yet reinstated.
For a work without a recording, conditions 2 and 3 (writers) apply.

Default deny: with no rights holders on record, nothing is permitted. Consent state at T is the
action of the latest consent event effective at or before T; at equal effective times a
revocation wins. A recording's withdrawal state is read the same way (a takedown wins a tie
with a reinstatement). Events effective after T never change the answer at T.

`accord.rights.setbased` answers the same question for a whole catalogue in SQL; the property
tests hold the two to exactly the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from accord.rights.model import (
    WORLDWIDE,
    Agreement,
    AgreementTermination,
    ConsentAction,
    ConsentEvent,
    Purpose,
    RecordingRights,
    Use,
    Withdrawal,
    WithdrawalAction,
    WorkRights,
)
from accord.timeutil import fmt


@dataclass(frozen=True)
class Evidence:
    """A fact that made a condition true: an agreement or a consent event."""

    condition: int  # 1..3, as numbered in the rule
    party_id: str
    kind: str  # "agreement" | "consent"
    ref: str  # agreement id or consent event id

    def describe(self, names: dict[str, str]) -> str:
        who = _who(self.party_id, names)
        if self.kind == "agreement":
            return f"condition {self.condition}: {who} licensed it under agreement {self.ref}"
        return f"condition {self.condition}: {who} opted in (consent event {self.ref})"


@dataclass(frozen=True)
class Missing:
    """A condition that is not met, for one party (or for the item itself)."""

    condition: int
    party_id: str | None
    text: str


@dataclass(frozen=True)
class Decision:
    allowed: bool
    use: Use
    purpose: Purpose
    at: datetime
    subject: str  # "recording:ID" or "work:ID"
    evidence: tuple[Evidence, ...] = ()
    missing: tuple[Missing, ...] = ()
    names: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def reasons(self) -> list[str]:
        """Human-readable reasons: the missing conditions if denied, else the evidence."""
        if not self.allowed:
            return [m.text for m in self.missing]
        return [e.describe(self.names) for e in self.evidence]

    def to_json(self) -> dict:
        return {
            "allowed": self.allowed,
            "subject": self.subject,
            "use": self.use.value,
            "purpose": self.purpose.value,
            "at": fmt(self.at),
            "reasons": self.reasons(),
            "evidence": [
                {"condition": e.condition, "party": e.party_id, "kind": e.kind, "ref": e.ref}
                for e in self.evidence
            ],
            "missing": [
                {"condition": m.condition, "party": m.party_id, "reason": m.text}
                for m in self.missing
            ],
        }


@dataclass(frozen=True)
class Facts:
    """Everything the rule may look at: agreements, their terminations, consent events,
    recordings' withdrawals, names."""

    agreements: tuple[Agreement, ...] = ()
    terminations: tuple[AgreementTermination, ...] = ()
    consents: tuple[ConsentEvent, ...] = ()
    names: dict[str, str] = field(default_factory=dict)
    withdrawals: tuple[Withdrawal, ...] = ()


# --- the pieces of the rule -------------------------------------------------------------------

def in_force(agreement: Agreement, at: datetime,
             terminations: Iterable[AgreementTermination]) -> bool:
    """An agreement is in force on [valid_from, valid_until) unless terminated at or before T."""
    if at < agreement.valid_from:
        return False
    if agreement.valid_until is not None and at >= agreement.valid_until:
        return False
    return not any(
        t.agreement_id == agreement.id and t.effective_at <= at for t in terminations
    )


def covers_purpose(agreement: Agreement, purpose: Purpose) -> bool:
    return agreement.purpose is Purpose.COMMERCIAL or purpose is Purpose.NON_COMMERCIAL


def covers_territory(agreement: Agreement, territory: str) -> bool:
    return WORLDWIDE in agreement.territories or (
        territory != WORLDWIDE and territory in agreement.territories
    )


def covers_item(agreement: Agreement, item_id: str) -> bool:
    if item_id in agreement.excluded:
        return False
    return agreement.catalogue_all or item_id in agreement.items


def covering_agreements(
    holder_id: str, item_id: str, use: Use, purpose: Purpose, territory: str, at: datetime,
    facts: Facts,
) -> list[str]:
    """Ids of the holder's agreements in force at T that cover this use of this item."""
    return sorted(
        a.id
        for a in facts.agreements
        if a.licensor_id == holder_id
        and use in a.uses
        and covers_purpose(a, purpose)
        and covers_territory(a, territory)
        and covers_item(a, item_id)
        and in_force(a, at, facts.terminations)
    )


def consent_state(party_id: str, use: Use, at: datetime, consents: Iterable[ConsentEvent]
                  ) -> ConsentEvent | None:
    """The consent event deciding the party's state for U at T (None: never acted).

    The latest event effective at or before T decides; at equal times a revocation wins.
    """
    latest: ConsentEvent | None = None
    for e in consents:
        if e.party_id != party_id or e.use != use or e.effective_at > at:
            continue
        if latest is None or (e.effective_at, e.action is ConsentAction.REVOKE) > (
            latest.effective_at, latest.action is ConsentAction.REVOKE
        ):
            latest = e
    return latest


def withdrawal_state(recording_id: str, at: datetime, withdrawals: Iterable[Withdrawal]
                     ) -> Withdrawal | None:
    """The takedown in force for the recording at T, or None (never withdrawn, or reinstated).

    The latest event effective at or before T decides; at equal times a takedown wins.
    """
    latest: Withdrawal | None = None
    for w in withdrawals:
        if w.recording_id != recording_id or w.effective_at > at:
            continue
        if latest is None or (w.effective_at, w.action is WithdrawalAction.WITHDRAW) > (
            latest.effective_at, latest.action is WithdrawalAction.WITHDRAW
        ):
            latest = w
    return latest if latest is not None and latest.action is WithdrawalAction.WITHDRAW else None


# --- the rule ---------------------------------------------------------------------------------

def decide_work(work: WorkRights, use: Use, at: datetime, facts: Facts,
                purpose: Purpose = Purpose.COMMERCIAL, territory: str = WORLDWIDE) -> Decision:
    """May `use` of the work (a score, no recording) happen at `at`? Conditions 2 and 3."""
    evidence: list[Evidence] = []
    missing: list[Missing] = []
    _check_work(work, use, at, facts, purpose, territory, evidence, missing)
    return _decision(f"work:{work.work_id}", use, purpose, at, evidence, missing, facts)


def decide_recording(rec: RecordingRights, use: Use, at: datetime, facts: Facts,
                     purpose: Purpose = Purpose.COMMERCIAL, territory: str = WORLDWIDE
                     ) -> Decision:
    """May `use` of the recording happen at `at`? All four conditions."""
    evidence: list[Evidence] = []
    missing: list[Missing] = []
    subject = f"recording {rec.recording_id}"
    takedown = withdrawal_state(rec.recording_id, at, facts.withdrawals)
    if takedown is not None:
        why = f": {takedown.reason}" if takedown.reason else ""
        missing.append(Missing(4, None, f"{subject} was withdrawn effective "
                               f"{_day(takedown.effective_at)} (withdrawal {takedown.id}{why})"))
    if not rec.masters:
        missing.append(Missing(1, None, f"{subject} has no master rights holder on record"))
    for holder in rec.masters:
        _check_holder(1, holder.party_id, rec.recording_id, subject, "master rights holder",
                      use, at, facts, purpose, territory, evidence, missing)
    _check_work(rec.work, use, at, facts, purpose, territory, evidence, missing)
    for artist in rec.artists:
        _check_person(artist, "performing artist", use, at, facts, evidence, missing)
    return _decision(f"recording:{rec.recording_id}", use, purpose, at, evidence, missing, facts)


def _check_work(work, use, at, facts, purpose, territory, evidence, missing) -> None:
    subject = f"work {work.work_id}"
    if not work.publishers:
        missing.append(Missing(2, None, f"{subject} has no publishing rights holder on record"))
    for holder in work.publishers:
        _check_holder(2, holder.party_id, work.work_id, subject, "publishing rights holder",
                      use, at, facts, purpose, territory, evidence, missing)
    for writer in work.writers:
        _check_person(writer.party_id, "writer", use, at, facts, evidence, missing)


def _check_holder(condition, holder_id, item_id, subject, what, use, at, facts, purpose,
                  territory, evidence, missing) -> None:
    found = covering_agreements(holder_id, item_id, use, purpose, territory, at, facts)
    if found:
        evidence.extend(Evidence(condition, holder_id, "agreement", a) for a in found)
        return
    why = _why_no_agreement(holder_id, item_id, use, purpose, territory, at, facts)
    missing.append(Missing(
        condition, holder_id,
        f"{what} {_who(holder_id, facts.names)} has no agreement in force on {_day(at)} "
        f"covering '{use}' of {subject}{why}",
    ))


def _why_no_agreement(holder_id, item_id, use, purpose, territory, at, facts) -> str:
    """The nearest miss among the holder's agreements for this use, to make the reason useful."""
    own = [a for a in facts.agreements if a.licensor_id == holder_id and use in a.uses]
    for a in own:
        if item_id in a.excluded:
            return f" (agreement {a.id} excludes it)"
    for a in own:
        if covers_item(a, item_id) and not in_force(a, at, facts.terminations):
            return f" (agreement {a.id} is not in force then)"
    for a in own:
        if covers_item(a, item_id) and not covers_purpose(a, purpose):
            return f" (agreement {a.id} is for non-commercial use only)"
    for a in own:
        if covers_item(a, item_id) and not covers_territory(a, territory):
            return f" (agreement {a.id} does not cover territory {territory})"
    return ""


def _check_person(party_id, what, use, at, facts, evidence, missing) -> None:
    state = consent_state(party_id, use, at, facts.consents)
    who = _who(party_id, facts.names)
    if state is None:
        missing.append(Missing(3, party_id, f"{what} {who} has not opted in to '{use}'"))
    elif state.action is ConsentAction.REVOKE:
        missing.append(Missing(
            4, party_id,
            f"{what} {who} revoked '{use}' effective {_day(state.effective_at)} "
            f"(consent event {state.id})",
        ))
    else:
        evidence.append(Evidence(3, party_id, "consent", state.id))


def _decision(subject, use, purpose, at, evidence, missing, facts) -> Decision:
    return Decision(
        allowed=not missing, use=use, purpose=purpose, at=at, subject=subject,
        evidence=tuple(evidence), missing=tuple(missing), names=facts.names,
    )


def _who(party_id: str, names: dict[str, str]) -> str:
    name = names.get(party_id)
    return f"{name!r} ({party_id})" if name else repr(party_id)


def _day(at: datetime) -> str:
    return fmt(at) or ""

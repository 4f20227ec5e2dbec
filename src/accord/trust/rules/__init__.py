"""The registry of screening rules (beets-plugin style).

A rule is a small pure function `check(signals, params) -> Finding`, registered under a name
with a family ("copies", "disclosure", "impersonation", "spam") and the thresholds it reads
(defaults here; the policy TOML overrides them under `[rules.<name>]`). Adding a rule is one
module with a `@rule(...)` function: the service runs every registered rule, the policy maps its
verdicts to outcomes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from accord.trust.model import Finding
from accord.trust.signals import Signals

Check = Callable[[Signals, Mapping[str, Any]], Finding]


@dataclass(frozen=True)
class Rule:
    name: str
    family: str
    check: Check
    defaults: Mapping[str, Any] = field(default_factory=dict)
    similarity: bool = False  # its evidence is a similarity, never sole proof
    doc: str = ""


RULES: dict[str, Rule] = {}


def rule(name: str, family: str, similarity: bool = False, **defaults: Any
         ) -> Callable[[Check], Check]:
    """Register `check` as the rule `name` with its default thresholds."""

    def register(check: Check) -> Check:
        if name in RULES and RULES[name].check is not check:
            raise ValueError(f"a screening rule named {name!r} is already registered")
        RULES[name] = Rule(name, family, check, dict(defaults), similarity,
                           (check.__doc__ or "").strip().splitlines()[0] if check.__doc__ else "")
        return check

    return register


def run_rules(signals: Signals, params: Mapping[str, Mapping[str, Any]] | None = None,
              only: set[str] | None = None) -> list[Finding]:
    """Every registered rule's finding, in name order. params: per rule, thresholds that
    override its defaults (the policy's `[rules.<name>]`)."""
    params = params or {}
    out = []
    for name in sorted(RULES):
        if only is not None and name not in only:
            continue
        r = RULES[name]
        out.append(r.check(signals, {**r.defaults, **params.get(name, {})}))
    return out


# the rule modules register themselves on import
from accord.trust.rules import copies, disclosure, impersonation, spam  # noqa: E402,F401

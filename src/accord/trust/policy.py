"""The decision policy: data (a TOML file), and the pure function that applies it.

    decide(findings, policy) -> Decision

Every finding that is not clear gets the outcome its rule's verdict maps to under
`[outcomes.<rule>]` (an unmapped verdict holds: default deny); the strictest outcome decides.
`[combine.<family>]` raises the outcome when `min_signals` rules of one family saw something
(weak spam signals together). Every non-clear finding is kept as a reason, so the decision
says why. The shipped default is `default_policy.toml` beside this module.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accord.errors import InvalidInput, Problem
from accord.trust.model import Decision, Finding, Outcome, Reason
from accord.trust.rules import RULES

DEFAULT_POLICY = Path(__file__).with_name("default_policy.toml")
AI_VERDICTS = frozenset({"disclosed_ai", "disclosed_partly_ai", "undisclosed_ai", "ai_signal",
                         "ai_signal_disclosed"})


@dataclass(frozen=True)
class Combine:
    family: str
    min_signals: int
    outcome: Outcome


@dataclass(frozen=True)
class Policy:
    outcomes: dict[str, dict[str, Outcome]]
    combine: tuple[Combine, ...] = ()
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    window_minutes: int = 60
    hash: str = ""
    source: str = ""

    def outcome(self, rule: str, verdict: str) -> Outcome:
        return self.outcomes.get(rule, {}).get(verdict, Outcome.HOLD)


def parse_policy(text: str, source: str) -> Policy:
    """A policy from TOML text; every problem named with its place, raised once."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{source}: not valid TOML ({exc})") from None
    problems: list[Problem] = []
    outcomes: dict[str, dict[str, Outcome]] = {}
    for rule_name, table in (data.get("outcomes") or {}).items():
        if rule_name not in RULES:
            problems.append(Problem(f"{source}: outcomes.{rule_name}", "no such rule"))
            continue
        if not isinstance(table, dict):
            problems.append(Problem(f"{source}: outcomes.{rule_name}", "must be a table"))
            continue
        for verdict, value in table.items():
            try:
                outcomes.setdefault(rule_name, {})[verdict] = Outcome(value)
            except ValueError:
                problems.append(Problem(f"{source}: outcomes.{rule_name}.{verdict}",
                                        f"{value!r} is not one of "
                                        f"{', '.join(o.value for o in Outcome)}"))
    combine = []
    for family, table in (data.get("combine") or {}).items():
        try:
            combine.append(Combine(family, int(table["min_signals"]), Outcome(table["outcome"])))
        except (KeyError, ValueError, TypeError) as exc:
            problems.append(Problem(f"{source}: combine.{family}",
                                    f"needs min_signals (integer) and outcome ({exc})"))
    params: dict[str, dict[str, Any]] = {}
    for rule_name, table in (data.get("rules") or {}).items():
        if rule_name not in RULES:
            problems.append(Problem(f"{source}: rules.{rule_name}", "no such rule"))
            continue
        unknown = set(table) - set(RULES[rule_name].defaults)
        for k in sorted(unknown):
            problems.append(Problem(f"{source}: rules.{rule_name}.{k}",
                                    f"unknown threshold (known: "
                                    f"{', '.join(sorted(RULES[rule_name].defaults))})"))
        for k, v in table.items():
            default = RULES[rule_name].defaults.get(k)
            if isinstance(default, (int, float)) and not isinstance(v, (int, float)):
                problems.append(Problem(f"{source}: rules.{rule_name}.{k}",
                                        f"must be a number, not {v!r}"))
        params[rule_name] = dict(table)
    window = data.get("window_minutes", 60)
    if not isinstance(window, int) or window <= 0:
        problems.append(Problem(f"{source}: window_minutes", "must be a positive integer"))
    if problems:
        raise InvalidInput(f"{source}: the screening policy has {len(problems)} problem(s)",
                           problems)
    return Policy(outcomes, tuple(combine), params, window,
                  hashlib.sha256(text.encode()).hexdigest()[:16], source)


def load_policy(path: Path | None = None) -> Policy:
    path = Path(path) if path is not None else DEFAULT_POLICY
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read the screening policy ({exc})") from None
    return parse_policy(text, str(path))


def decide(findings: list[Finding], policy: Policy) -> Decision:
    """The one decision for an upload, with every non-clear finding as a reason."""
    reasons = [Reason(f.rule, f.verdict, policy.outcome(f.rule, f.verdict),
                      f.summary or f.verdict) for f in findings if not f.clear]
    for c in policy.combine:
        fam = [r for r in reasons if RULES[r.rule].family == c.family]
        if len(fam) >= c.min_signals and all(r.outcome.severity < c.outcome.severity
                                             for r in fam):
            reasons.append(Reason(f"combine.{c.family}", f"{len(fam)}_signals", c.outcome,
                                  f"{len(fam)} {c.family} signals together "
                                  f"({', '.join(r.rule for r in fam)})"))
    outcome = max((r.outcome for r in reasons), key=lambda o: o.severity,
                  default=Outcome.ACCEPT)
    ai = any(r.verdict in AI_VERDICTS for r in reasons)
    if outcome is Outcome.ACCEPT and ai:
        outcome = Outcome.ACCEPT_LABELLED_AI
    deciding = [r for r in reasons if r.outcome is outcome]
    similarity_only = outcome is Outcome.HOLD and bool(deciding) and all(
        r.rule in RULES and RULES[r.rule].similarity for r in deciding)
    reasons.sort(key=lambda r: (-r.outcome.severity, r.rule))
    return Decision(outcome, tuple(reasons), ai, similarity_only)

"""A small fixture language for royalty tests: 'writer Ada owns work W; output O used W; ...'."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from accord.rights.model import Agreement, Purpose, RecordingRights, Share, Use, WorkRights
from accord.royalties.holders import holder_map
from accord.royalties.model import (
    Contribution,
    Credit,
    CreditRole,
    ItemKind,
    RevenueEvent,
    UsageEvent,
    UsageKind,
    ppm,
)
from accord.royalties.money import Money
from accord.royalties.policy import load_policy, parse_policy
from accord.timeutil import parse_instant

PERIOD = "2026-11"


def policy(**overrides):
    """The shipped default policy with some fields replaced (dotted names)."""
    p = load_policy().model_dump(mode="json")
    for dotted, value in overrides.items():
        section, key = dotted.split("__")
        p[section][key] = value
    import tomllib  # noqa: F401 - the text form is what production parses

    return parse_policy(_toml(p))


def _toml(d: dict) -> str:
    out = []
    for section, body in d.items():
        out.append(f"[{section}]")
        for k, v in body.items():
            if isinstance(v, dict):
                inner = ", ".join(f'{kk} = "{vv}"' for kk, vv in v.items())
                out.append(f"{k} = {{ {inner} }}")
            elif isinstance(v, bool):
                out.append(f"{k} = {'true' if v else 'false'}")
            elif isinstance(v, int):
                out.append(f"{k} = {v}")
            else:
                out.append(f'{k} = "{v}"')
    return "\n".join(out) + "\n"


def work(work_id, writers=(), publishers=()):
    return WorkRights(work_id, tuple(Share(p, Decimal(s)) for p, s in writers),
                      tuple(Share(p, Decimal(s)) for p, s in publishers))


def recording(rec_id, w, masters):
    return RecordingRights(rec_id, w, (), tuple(Share(p, Decimal(s)) for p, s in masters))


def agreement(licensor, **terms):
    return Agreement(id=f"agr-{licensor}", licensor_id=licensor, uses=frozenset({Use.TRAIN}),
                     purpose=Purpose.COMMERCIAL, valid_from=parse_instant("2026-01-01"),
                     revenue_terms=terms)


class Scenario:
    def __init__(self, pol=None):
        self.policy = pol or policy()
        self.events: list[UsageEvent] = []
        self.credits: list[Credit] = []
        self.contribs: list[Contribution] = []
        self.revenue: list[RevenueEvent] = []
        self.works: list[WorkRights] = []
        self.recordings: list[RecordingRights] = []
        self.agreements: list[Agreement] = []
        self._n = 0

    def use(self, output, kind="generated", model="m1", feature="create", period=PERIOD, n=1):
        for _ in range(n):
            self._n += 1
            self.events.append(UsageEvent(f"e{self._n}", UsageKind(kind), feature, period,
                                          output, model, ""))
        return self

    def play(self, rec, feature="dj", period=PERIOD, n=1, seconds_ms=0):
        for _ in range(n):
            self._n += 1
            self.events.append(UsageEvent(f"e{self._n}", UsageKind.PLAYED, feature, period,
                                          recording_id=rec, seconds_ms=seconds_ms))
        return self

    def credit(self, output, kind, item, share, role="training"):
        self.credits.append(Credit(output, ItemKind(kind), item, ppm(share), CreditRole(role)))
        return self

    def trained(self, model, work_id, tokens=0, seconds_ms=0):
        self.contribs.append(Contribution(model, work_id, tokens, seconds_ms))
        return self

    def earn(self, amount, currency="EUR", feature="create", period=PERIOD):
        self._n += 1
        self.revenue.append(RevenueEvent(f"r{self._n}", feature, period, "WW", currency,
                                         Money.parse(amount, currency).minor))
        return self

    def holders(self):
        hs, problems = holder_map(self.works, self.recordings, self.agreements, self.policy)
        assert not problems, problems
        return hs

    def with_policy(self, pol):
        s = Scenario(pol)
        s.__dict__.update({k: v for k, v in self.__dict__.items() if k != "policy"})
        return s


__all__ = ["PERIOD", "Scenario", "agreement", "policy", "recording", "replace", "work"]


def records(sc: Scenario) -> list[dict]:
    """The scenario as ingest records (JSON Lines objects)."""
    from accord.royalties.money import Money as _M

    out: list[dict] = []
    for e in sc.events:
        r = {"type": "usage", "id": e.event_id, "kind": e.kind.value, "feature": e.feature,
             "occurred_at": f"{e.period}-15T12:00:00Z"}
        if e.kind.value == "played":
            r["recording_id"] = e.recording_id
            if e.seconds_ms:
                r["seconds"] = str(Decimal(e.seconds_ms) / 1000)
        else:
            r |= {"output_id": e.output_id, "model_id": e.model_id}
        out.append(r)
    for c in sc.credits:
        out.append({"type": "credit", "output_id": c.output_id, "item_kind": c.item_kind.value,
                    "item_id": c.item_id, "share": str(Decimal(c.share_ppm) / 1_000_000),
                    "role": c.role.value})
    for t in sc.contribs:
        out.append({"type": "contribution", "model_id": t.model_id, "work_id": t.work_id,
                    "tokens": t.tokens, "seconds": str(Decimal(t.seconds_ms) / 1000)})
    for r in sc.revenue:
        out.append({"type": "revenue", "id": r.event_id, "feature": r.feature,
                    "period": r.period, "territory": r.territory, "currency": r.currency,
                    "amount": str(_M(r.amount_minor, r.currency).decimal)})
    return out


def write_jsonl(path, recs) -> None:
    import json

    path.write_text("".join(json.dumps(r) + "\n" for r in recs))


def hand_scenario() -> Scenario:
    # writer ada + publisher quill own work W; writer zed alone owns W2; label northwind owns
    # the master of recording R (of W) and its agreement gives the master side 0.5.
    w = work("W", writers=[("ada", "100")], publishers=[("quill", "100")])
    sc = Scenario()
    sc.works = [w, work("W2", writers=[("zed", "100")])]
    sc.recordings = [recording("R", w, masters=[("northwind", "100")])]
    sc.agreements = [agreement("northwind", master_share_of_pool="0.5")]
    sc.trained("m1", "W").trained("m1", "W2")
    sc.use("O1", "generated").use("O1", "streamed").use("O1", "downloaded")  # 1 + 1 + 5 units
    sc.credit("O1", "work", "W", "0.6").credit("O1", "work", "W2", "0.4")
    sc.use("O2", "generated")  # 1 unit
    sc.credit("O2", "work", "W2", "0.5").credit("O2", "recording", "R", "0.5", "conditioning")
    sc.earn("100.00")
    return sc

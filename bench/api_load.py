"""Load test on loopback: permission checks, a statement page and a public credits page
against `accord serve` on the demo data, beside an in-process baseline of the same service
calls, in the same run.

    accord --home /tmp/accord-demo demo          # once: the demo home (and its web sign-ins)
    PYTHONPATH=src .venv/bin/python bench/api_load.py --home /tmp/accord-demo \
        [--requests 2000] [--concurrency 16] [--max-seconds 60] [--json bench/results/x.json]

Without a demo home (`accord demo` trains a model: too heavy for a shared 2-core machine):

    PYTHONPATH=src .venv/bin/python bench/api_load.py --rights-only /tmp/x --workers 2

builds a home from docs/examples/rights.yaml with one fan account and measures the permission
check only, over `accord serve --workers N`, beside the same in-process call.

Bounded: each target stops at --requests or --max-seconds, whichever comes first (the same
bounds for the in-process baseline). The server is `accord serve` (uvicorn, one worker) in a
subprocess on a free 127.0.0.1 port; the client is asyncio + httpx with a fixed number of
workers. Targets:
  check:     GET /v1/permissions/check (bearer token of the demo fan) vs rights.service.check
  statement: GET /statements/<payee>/<period> (the web page, session cookie of the payee)
             vs royalties.service.statement
  credits:   GET /outputs/<first demo output> (public, no sign-in; the page verifies every
             signed file of the output on each view) vs the same reads in process
             (creation.service.get_output, the page's web.studio.verification,
             web.credits.credits_for_output)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]

from accord.config import Settings  # noqa: E402
from accord.creation import service as creation  # noqa: E402
from accord.db.engine import make_engine, session_scope  # noqa: E402
from accord.demo import scenario  # noqa: E402
from accord.demo.accounts import DEMO_ACCOUNTS, ensure_demo_accounts  # noqa: E402
from accord.demo.royalties_stage import PERIOD  # noqa: E402
from accord.rights import service as rights  # noqa: E402
from accord.rights.model import Use  # noqa: E402
from accord.royalties import service as royalties  # noqa: E402
from accord.web.credits import credits_for_output  # noqa: E402
from accord.web.studio import verification  # noqa: E402 - the page's own checks

FAN, PAYEE_LOGIN = "fan@demo.example.org", "ada@demo.example.org"
CHECK = f"/v1/permissions/check?use=train&recording={scenario.ISRC}"
STATEMENT = f"/statements/{scenario.WRITER}/{PERIOD}"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def stats(latencies: list[float], wall: float) -> dict:
    return {"requests": len(latencies), "seconds": round(wall, 3),
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p99_ms": round(pct(latencies, 0.99) * 1000, 2),
            "per_second": round(len(latencies) / wall, 1)}


def in_process(call, n: int, max_s: float) -> dict:
    lat: list[float] = []
    t0 = time.perf_counter()
    while len(lat) < n and time.perf_counter() - t0 < max_s:
        t = time.perf_counter()
        call()
        lat.append(time.perf_counter() - t)
    return stats(lat, time.perf_counter() - t0)


async def over_http(client: httpx.AsyncClient, path: str, n: int, concurrency: int,
                    max_s: float, check) -> dict:
    lat: list[float] = []
    issued = 0
    t0 = time.perf_counter()

    async def worker() -> None:
        nonlocal issued
        while issued < n and time.perf_counter() - t0 < max_s:
            issued += 1
            t = time.perf_counter()
            r = await client.get(path)
            lat.append(time.perf_counter() - t)
            check(r)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return stats(lat, time.perf_counter() - t0)


def ok_json(r: httpx.Response) -> None:
    assert r.status_code == 200, r.text


def ok_page(r: httpx.Response) -> None:
    assert r.status_code == 200 and "Royalty statement" in r.text, r.text[:300]


def ok_credits(r: httpx.Response) -> None:
    assert r.status_code == 200 and '<table class="credits">' in r.text, r.text[:300]


def credits_page_reads(session, s: Settings, output_id: str) -> list:
    """What the credits page reads and checks, without HTTP and templates."""
    out = creation.get_output(session, output_id)
    return [out, verification(s, out), credits_for_output(session, output_id)]


async def sign_in(url: str) -> tuple[str, dict[str, str]]:
    """(the fan's bearer token, the payee's web cookies) through the real sign-in routes."""
    async with httpx.AsyncClient(base_url=url) as c:
        r = await c.post("/v1/auth/token", data={"username": FAN,
                                                 "password": DEMO_ACCOUNTS[FAN][2]})
        r.raise_for_status()
        token = r.json()["access_token"]
    async with httpx.AsyncClient(base_url=url) as c:
        await c.get("/login")
        r = await c.post("/login", data={"email": PAYEE_LOGIN,
                                         "password": DEMO_ACCOUNTS[PAYEE_LOGIN][2],
                                         "csrf_token": c.cookies["accord_csrf"]})
        assert r.status_code == 303, r.text
        cookies = dict(c.cookies)
    return token, cookies


async def load(url: str, args, output_id: str) -> dict:
    token, cookies = await sign_in(url)
    out = {}
    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits,
                                 headers={"Authorization": f"Bearer {token}"}) as c:
        await over_http(c, CHECK, 20, 4, 30, ok_json)  # warm-up
        out["check"] = await over_http(c, CHECK, args.requests, args.concurrency,
                                       args.max_seconds, ok_json)
    async with httpx.AsyncClient(base_url=url, limits=limits, cookies=cookies) as c:
        await over_http(c, STATEMENT, 20, 4, 30, ok_page)
        out["statement"] = await over_http(c, STATEMENT, args.requests, args.concurrency,
                                           args.max_seconds, ok_page)
    async with httpx.AsyncClient(base_url=url, limits=limits) as c:  # nobody signed in
        page = f"/outputs/{output_id}"
        await over_http(c, page, 20, 4, 30, ok_credits)
        out["credits"] = await over_http(c, page, args.requests, args.concurrency,
                                         args.max_seconds, ok_credits)
    return out


def free_socket_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rights_only_home(home: Path) -> Settings:
    """A home with the example rights document and a fan who signs in with a password."""
    import yaml

    from accord.accounts import service as accounts
    from accord.accounts.model import AccountRole
    from accord.db.engine import create_schema
    from accord.rights.audit import AuditLog
    from accord.rights.document import parse_document

    s = Settings(home=home)
    s.ensure_home()
    create_schema(s.db_url)
    with session_scope(make_engine(s.db_url)) as session:
        try:
            accounts.account_by_email(session, FAN)
            return s
        except Exception:  # noqa: BLE001 - a new home
            pass
        doc = parse_document(yaml.safe_load((ROOT / "docs/examples/rights.yaml").read_text()),
                             "rights.yaml")
        rights.import_document(session, doc, "bench", AuditLog(session))
        accounts.add_account(session, FAN, AccountRole.FAN, None, DEMO_ACCOUNTS[FAN][2])
    return s


async def load_check(url: str, args) -> dict:
    async with httpx.AsyncClient(base_url=url) as c:
        r = await c.post("/v1/auth/token", data={"username": FAN,
                                                 "password": DEMO_ACCOUNTS[FAN][2]})
        r.raise_for_status()
        token = r.json()["access_token"]
    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits,
                                 headers={"Authorization": f"Bearer {token}"}) as c:
        await over_http(c, CHECK, 40, 4, 30, ok_json)  # warm-up
        return {"check": await over_http(c, CHECK, args.requests, args.concurrency,
                                         args.max_seconds, ok_json)}


def start_server(home: Path, workers: int, jobs: bool = False
                 ) -> tuple[subprocess.Popen, str]:
    """`accord serve` on a free loopback port, once it answers; jobs: the in-process worker."""
    port = free_socket_port()
    server = subprocess.Popen([sys.executable, "-m", "accord.cli.main", "--home", str(home),
                               "serve", "--port", str(port), "--workers", str(workers),
                               *([] if jobs else ["--no-jobs"])],
                              env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            if httpx.get(url + "/openapi.json").status_code == 200:
                return server, url
        except httpx.TransportError:
            pass
        assert server.poll() is None and time.monotonic() < deadline, "serve did not start"
        time.sleep(0.2)


def rights_only(args) -> None:
    s = rights_only_home(args.rights_only)
    load_before = os.getloadavg()
    with session_scope(make_engine(s.db_url)) as session:
        base = in_process(lambda: rights.check(session, Use.TRAIN, recording=scenario.ISRC),
                          args.requests, args.max_seconds)
    http = {}
    for workers in sorted({1, args.workers}):
        server, url = start_server(s.home, workers)
        try:
            http[workers] = asyncio.run(load_check(url, args))["check"]
        finally:
            server.terminate()
            server.wait(timeout=20)
    result = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "nproc": os.cpu_count(),
              "load_before": [round(x, 2) for x in load_before],
              "load_after": [round(x, 2) for x in os.getloadavg()],
              "requests": args.requests, "concurrency": args.concurrency,
              "in_process": base, "http_by_workers": http}
    print(f"date={result['date']} nproc={result['nproc']} load before={result['load_before']} "
          f"after={result['load_after']}")
    print("| how | requests | p50 (ms) | p99 (ms) | per second |")
    print("|---|---:|---:|---:|---:|")
    print(f"| in process (rights.service.check) | {base['requests']} | {base['p50_ms']} | "
          f"{base['p99_ms']} | {base['per_second']} |")
    for w, d in http.items():
        print(f"| GET /v1/permissions/check, {w} worker(s), loopback | {d['requests']} | "
              f"{d['p50_ms']} | {d['p99_ms']} | {d['per_second']} |")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", type=Path, help="a home made by `accord demo`")
    ap.add_argument("--rights-only", type=Path, metavar="DIR",
                    help="no demo home: the permission check over a home made here")
    ap.add_argument("--workers", type=int, default=1, help="accord serve --workers")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--max-seconds", type=float, default=60.0)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    if args.rights_only:
        rights_only(args)
        return
    if args.home is None:
        ap.error("--home or --rights-only")
    s = Settings(home=args.home)
    ensure_demo_accounts(s)  # refuses a home that is not a demo home
    load_before = os.getloadavg()

    engine = make_engine(s.db_url)
    with session_scope(engine) as session:
        outputs = creation.list_outputs(session)
        if not outputs:
            sys.exit(f"{s.home}: no creation outputs; run `accord demo` into it first")
        output_id = outputs[0].id
        base = {"check": in_process(lambda: rights.check(session, Use.TRAIN,
                                                         recording=scenario.ISRC),
                                    args.requests, args.max_seconds),
                "statement": in_process(lambda: royalties.statement(session, s, scenario.WRITER,
                                                                    PERIOD),
                                        args.requests, args.max_seconds),
                "credits": in_process(lambda: credits_page_reads(session, s, output_id),
                                      args.requests, args.max_seconds)}

    server, url = start_server(s.home, args.workers, jobs=True)
    try:
        http = asyncio.run(load(url, args, output_id))
    finally:
        server.terminate()
        server.wait(timeout=20)

    result = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "nproc": os.cpu_count(),
              "load_before": [round(x, 2) for x in load_before],
              "load_after": [round(x, 2) for x in os.getloadavg()],
              "requests": args.requests, "concurrency": args.concurrency,
              "max_seconds": args.max_seconds, "in_process": base, "http": http,
              "ratio_throughput_in_process_over_http": {
                  k: round(base[k]["per_second"] / http[k]["per_second"], 1) for k in http}}
    print(f"date={result['date']} nproc={result['nproc']} load before={result['load_before']} "
          f"after={result['load_after']}")
    print("| target | how | requests | p50 (ms) | p99 (ms) | per second |")
    print("|---|---|---:|---:|---:|---:|")
    for k, path in (("check", "GET " + CHECK.split("?")[0]), ("statement", "GET " + STATEMENT),
                    ("credits", f"GET /outputs/{output_id}")):
        for how, d in (("in process (service)", base[k]), (f"{path}, loopback", http[k])):
            print(f"| {k} | {how} | {d['requests']} | {d['p50_ms']} | {d['p99_ms']} | "
                  f"{d['per_second']} |")
    print("throughput ratio, in process / HTTP:", result["ratio_throughput_in_process_over_http"])
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

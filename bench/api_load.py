"""Load on loopback with wrk: the permission check and the public credits page against
`accord serve --workers 2`, beside the in-process rate of the same service call, in one run.

The measurement (the lead's; a home made by `accord demo`, both cores free):

    PYTHONPATH=src .venv/bin/python bench/api_load.py --home /tmp/accord-demo --workers 2 \
        --connections 16 --seconds 30 --json bench/results/api_load_wrk.json

The smoke (proves the script works; a synthetic home, pinned to core 1, under a minute):

    taskset -c 1 nice -n 5 env PYTHONPATH=src .venv/bin/python bench/api_load.py \
        --synthetic /tmp/accord-bench-synthetic --seconds 3 --json bench/results/api_load_smoke.json

Homes:
  --home DIR       made by `accord demo`: the demo fan's bearer token for the check
                   (GET /v1/permissions/check?use=train&recording=<demo ISRC>) and the first
                   demo output's credits page (GET /outputs/<id>, public, no sign-in: the page
                   verifies every signed file of the output, cached by file and mtime).
  --synthetic DIR  no model training: the API tests' small world (tests/api_support.py) with a
                   stub output (tests/web_support.py) whose file is not a signed one, so the
                   page answers 200 and says the credentials do not verify. For smoke runs:
                   its credits figures are not those of a real output.

Per target: wrk (Debian package `wrk`, scripts/apt-packages.txt) with --connections
connections on --wrk-threads threads for --seconds, `--latency` for the p99; any non-2xx answer
fails the run. Before it, one request checks the answer's body. In process: the same service
call (rights.service.check; the credits page's reads: creation.service.get_output, the page's
web.studio.verification, web.credits.credits_for_output) in a loop for the same --seconds.
The JSON holds nproc, the load average before and after, and every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from accord.config import Settings  # noqa: E402
from accord.creation import service as creation  # noqa: E402
from accord.db.engine import make_engine, session_scope  # noqa: E402
from accord.rights import service as rights  # noqa: E402
from accord.rights.model import Use  # noqa: E402
from accord.web.credits import credits_for_output  # noqa: E402
from accord.web.studio import verification  # noqa: E402 - the page's own checks

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def in_process(call, seconds: float) -> dict:
    lat: list[float] = []
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        t = time.perf_counter()
        call()
        lat.append(time.perf_counter() - t)
    wall = time.perf_counter() - t0
    return {"requests": len(lat), "seconds": round(wall, 3),
            "p50_ms": round(statistics.median(lat) * 1000, 3),
            "p99_ms": round(pct(lat, 0.99) * 1000, 3),
            "per_second": round(len(lat) / wall, 1)}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise ValueError(f"wrk latency {text!r}")
    return round(float(m.group(1)) * UNITS[m.group(2)], 3)


def parse_wrk(out: str) -> dict:
    """Requests/s, the latency percentiles and the error counts of `wrk --latency`'s report."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in ([\d.]+\w+)", out)
    if not rps or not total:
        raise RuntimeError(f"wrk's report is not understood:\n{out}")
    pcts = {f"p{p}_ms": _ms(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", out,
                                                       re.M)}
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       out)
    return {"requests": int(total.group(1)), "per_second": float(rps.group(1)), **pcts,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": sum(map(int, errors.groups())) if errors else 0}


def run_wrk(url: str, headers: dict[str, str], args) -> dict:
    """One warm-up second (every worker's connections and caches), then the measured run."""
    def cmd(seconds: int) -> list[str]:
        c = ["wrk", "-t", str(args.wrk_threads), "-c", str(args.connections),
             "-d", f"{seconds}s", "--latency", "--timeout", "10s"]
        for k, v in headers.items():
            c += ["-H", f"{k}: {v}"]
        return [*c, url]

    subprocess.run(cmd(1), capture_output=True, text=True, check=True)
    out = subprocess.run(cmd(args.seconds), capture_output=True, text=True, check=True).stdout
    result = {**parse_wrk(out), "wrk_report": out}
    if result["non_2xx"] or result["socket_errors"]:
        raise RuntimeError(f"{url}: {result['non_2xx']} non-2xx answers, "
                           f"{result['socket_errors']} socket errors\n{out}")
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path, workers: int) -> tuple[subprocess.Popen, str]:
    """`accord serve --workers N --no-jobs` on a free loopback port, once it answers."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "accord.cli.main", "--home", str(home),
                               "serve", "--port", str(port), "--workers", str(workers),
                               "--no-jobs"],
                              env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # a loaded machine: three processes import torch
    while True:
        try:
            if httpx.get(url + "/openapi.json").status_code == 200:
                return server, url
        except httpx.TransportError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError(f"accord serve did not start: {server.stderr.read()[-2000:]}")
        time.sleep(0.2)


# --- the homes --------------------------------------------------------------------------------

def demo_home(home: Path) -> dict:
    from accord.demo import scenario
    from accord.demo.accounts import DEMO_ACCOUNTS, ensure_demo_accounts

    s = Settings(home=home)
    ensure_demo_accounts(s)  # refuses a home that is not a demo home
    with session_scope(make_engine(s.db_url)) as session:
        outputs = creation.list_outputs(session)
    if not outputs:
        sys.exit(f"{home}: no creation outputs; run `accord demo` into it first")
    fan = "fan@demo.example.org"
    return {"settings": s, "recording": scenario.ISRC, "output": outputs[0].id,
            "sign_in": (fan, DEMO_ACCOUNTS[fan][2]), "kind": "demo"}


def synthetic_home(home: Path) -> dict:
    """The API tests' world in `home` (made once): a stub output and a password account."""
    from tests.api_support import PASSWORD, make_world
    from tests.web_support import OUTPUT, add_output_and_job, enrich

    if not (home / "accord.db").exists():
        w = enrich(make_world(home))
        add_output_and_job(w)
    return {"settings": Settings(home=home), "recording": "XDTST2600002", "output": OUTPUT,
            "sign_in": ("artist@example.org", PASSWORD), "kind": "synthetic (stub output)"}


# --- the run ----------------------------------------------------------------------------------

def measure(h: dict, args) -> dict:
    s: Settings = h["settings"]
    check_path = f"/v1/permissions/check?use=train&recording={h['recording']}"
    credits_path = f"/outputs/{h['output']}"
    with session_scope(make_engine(s.db_url)) as session:
        base = {"check": in_process(lambda: rights.check(session, Use.TRAIN,
                                                         recording=h["recording"]),
                                    args.seconds),
                "credits": in_process(lambda: [creation.get_output(session, h["output"]),
                                               verification(s, creation.get_output(
                                                   session, h["output"])),
                                               credits_for_output(session, h["output"])],
                                      args.seconds)}
    t0 = time.perf_counter()
    server, url = start_server(s.home, args.workers)
    started_s = round(time.perf_counter() - t0, 1)
    try:
        r = httpx.post(url + "/v1/auth/token", data=dict(zip(("username", "password"),
                                                             h["sign_in"], strict=True)))
        r.raise_for_status()
        auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
        first = httpx.get(url + check_path, headers=auth)
        assert first.status_code == 200 and "allowed" in first.json(), first.text
        page = httpx.get(url + credits_path)
        assert page.status_code == 200 and "credits" in page.text, page.text[:300]
        http = {"check": run_wrk(url + check_path, auth, args),
                "credits": run_wrk(url + credits_path, {}, args)}
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"server_start_s": started_s, "paths": {"check": check_path, "credits": credits_path},
            "in_process": base, "http": http,
            "ratio_in_process_over_http": {k: round(base[k]["per_second"]
                                                    / http[k]["per_second"], 2) for k in http}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--home", type=Path, help="a home made by `accord demo`")
    where.add_argument("--synthetic", type=Path, metavar="DIR",
                       help="a small synthetic home made here (smoke runs)")
    ap.add_argument("--workers", type=int, default=2, help="accord serve --workers (2)")
    ap.add_argument("--connections", type=int, default=16, help="wrk -c (16)")
    ap.add_argument("--wrk-threads", type=int, default=2, help="wrk -t (2)")
    ap.add_argument("--seconds", type=int, default=30,
                    help="wrk -d per target, and the in-process loop's length (30)")
    ap.add_argument("--json", type=Path, help="write the figures here (bench/results/...)")
    args = ap.parse_args()
    # a SIGTERM (timeout, Ctrl-C's cousin) still stops the server: `finally` runs
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk (scripts/apt-packages.txt)")
    h = demo_home(args.home) if args.home else synthetic_home(args.synthetic)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    figures = measure(h, args)
    result = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
              "command": " ".join(sys.argv), "home": h["kind"], "nproc": os.cpu_count(),
              "affinity": len(os.sched_getaffinity(0)),
              "load_before": [round(x, 2) for x in load_before],
              "load_after": [round(x, 2) for x in os.getloadavg()],
              "workers": args.workers, "connections": args.connections,
              "wrk_threads": args.wrk_threads, "seconds": args.seconds,
              "wall_s": round(time.perf_counter() - t0, 1), **figures}
    print(f"date={result['date']} home={result['home']} nproc={result['nproc']} "
          f"affinity={result['affinity']} load before={result['load_before']} "
          f"after={result['load_after']} server start {figures['server_start_s']} s, "
          f"wall {result['wall_s']} s")
    print("| target | how | requests/s | p50 (ms) | p99 (ms) |")
    print("|---|---|---:|---:|---:|")
    for k in ("check", "credits"):
        b, w = figures["in_process"][k], figures["http"][k]
        print(f"| {k} | in process | {b['per_second']} | {b['p50_ms']} | {b['p99_ms']} |")
        print(f"| {k} | GET {figures['paths'][k]}, wrk -c {args.connections}, "
              f"{args.workers} workers | {w['per_second']} | {w.get('p50_ms')} | "
              f"{w.get('p99_ms')} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

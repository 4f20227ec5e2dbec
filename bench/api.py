"""Benchmark: the permission check over HTTP on loopback vs the service call it wraps.

    PYTHONPATH=src .venv/bin/python bench/api.py [--requests 500] [--concurrency 4]

A fresh home with the demo-sized test scenario (tests/api_support.py) and one API key; then
(1) `service.check` called directly in a loop (the baseline, same process, same SQLite file) and
(2) `accord serve`'s app under uvicorn on 127.0.0.1 (one worker, a subprocess) hit by an async
httpx client with N requests at a fixed concurrency. Prints p50/p99 latency, throughput and the
ratio; bounded in count (nothing runs longer than the requests asked for).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from accord.accounts import service as accounts  # noqa: E402
from accord.db.engine import make_engine, session_scope  # noqa: E402
from accord.rights import service  # noqa: E402
from accord.rights.model import Use  # noqa: E402
from accord.timeutil import parse_instant  # noqa: E402
from tests.api_support import make_world  # noqa: E402

PATH = "/v1/permissions/check?use=train&recording=r1&at=2026-02-01"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def load(url: str, key: str, n: int, concurrency: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": key}) as client:
        async def one() -> None:
            async with sem:
                t = time.perf_counter()
                r = await client.get(PATH)
                latencies.append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
        t0 = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        return latencies, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=4)
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="accord-bench-api-"))
    world = make_world(home)
    with session_scope(make_engine(world.settings.db_url)) as session:
        key, _ = accounts.issue_api_key(session, world.ids["fan"])
    at = parse_instant("2026-02-01")
    direct = []
    with session_scope(make_engine(world.settings.db_url)) as session:
        for _ in range(args.requests):
            t = time.perf_counter()
            service.check(session, Use.TRAIN, recording="r1", at=at)
            direct.append(time.perf_counter() - t)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}"}
    server = subprocess.Popen([sys.executable, "-m", "accord.cli.main", "--home", str(home),
                               "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(url + "/openapi.json").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        asyncio.run(load(url, key, 20, args.concurrency))  # warm-up
        latencies, wall = asyncio.run(load(url, key, args.requests, args.concurrency))
    finally:
        server.terminate()
        server.wait(timeout=10)
    ms = 1000
    print(f"nproc={os.cpu_count()} requests={args.requests} concurrency={args.concurrency} "
          f"load1={os.getloadavg()[0]:.1f}")
    print("| what | p50 (ms) | p99 (ms) | per second |")
    print("|---|---:|---:|---:|")
    print(f"| service.check, in process | {statistics.median(direct) * ms:.2f} | "
          f"{pct(direct, 0.99) * ms:.2f} | {len(direct) / sum(direct):.0f} |")
    print(f"| GET /v1/permissions/check, loopback | {statistics.median(latencies) * ms:.2f} | "
          f"{pct(latencies, 0.99) * ms:.2f} | {len(latencies) / wall:.0f} |")
    print(f"ratio of throughput, service / HTTP: "
          f"{(len(direct) / sum(direct)) / (len(latencies) / wall):.1f}")


if __name__ == "__main__":
    main()

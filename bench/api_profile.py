"""Where one request's time goes: the permission check and the public credits page driven
through the ASGI app itself (no socket, no HTTP parser, no uvicorn), beside the bare service
call, in milliseconds per request; optionally a cProfile of the app's share.

    taskset -c 1 nice -n 5 env PYTHONPATH=src .venv/bin/python bench/api_profile.py \
        --synthetic /tmp/accord-bench-synthetic --requests 2000 [--concurrency 16] [--profile]

`--home DIR` / `--synthetic DIR` as bench/api_load.py. Sequential by default (one request at a
time: the per-request cost); `--concurrency 16` keeps 16 requests in flight on one event loop
(what one server worker sees under wrk -c 16, minus the network).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "bench")]
os.environ["ACCORD_API_INPROCESS_WORKER"] = "0"  # as `accord serve --no-jobs`

from api_load import demo_home, synthetic_home  # noqa: E402

from accord.accounts import service as accounts  # noqa: E402
from accord.api import create_app, tokens  # noqa: E402
from accord.api.settings import ApiSettings  # noqa: E402
from accord.creation import service as creation  # noqa: E402
from accord.db.engine import make_engine, session_scope  # noqa: E402
from accord.rights import service as rights  # noqa: E402
from accord.rights.model import Use  # noqa: E402
from accord.web.credits import credits_for_output  # noqa: E402
from accord.web.studio import verification  # noqa: E402


async def asgi_get(app, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """One GET through the app as uvicorn would hand it over; (status, body)."""
    raw_path, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"},
             "http_version": "1.1", "method": "GET", "scheme": "http", "path": raw_path,
             "raw_path": raw_path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", b"127.0.0.1:8000"),
                         *((k.lower().encode(), v.encode()) for k, v in headers.items())],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {}}
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # never: a GET has nothing more to send

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def drive(app, path: str, headers: dict, n: int, concurrency: int) -> float:
    """Seconds for `n` requests, `concurrency` at a time."""
    status, body = await asgi_get(app, path, headers)
    assert status == 200, (status, body[:300])
    left = n

    async def client():
        nonlocal left
        while left > 0:
            left -= 1
            s, b = await asgi_get(app, path, headers)
            assert s == 200, (s, b[:300])

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return time.perf_counter() - t0


def loop_time(call, n: int) -> float:
    call()
    t0 = time.perf_counter()
    for _ in range(n):
        call()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--home", type=Path)
    where.add_argument("--synthetic", type=Path, metavar="DIR")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--profile", action="store_true", help="cProfile the ASGI loops")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--inline", action="store_true",
                    help="run thread-pool work inline on the event loop (what the hops cost; "
                         "cProfile then sees the routes' own work too)")
    args = ap.parse_args()
    if args.inline:
        import anyio.to_thread

        async def run_sync(func, *a, **_kw):
            return func(*a)

        anyio.to_thread.run_sync = run_sync
    h = demo_home(args.home) if args.home else synthetic_home(args.synthetic)
    s = h["settings"]
    app = create_app(s, ApiSettings())
    engine = make_engine(s.db_url)
    with session_scope(engine) as session:
        account = accounts.account_by_email(session, h["sign_in"][0])
    token = tokens.issue(account, app.state.accord.secret, 60)
    targets = {
        "check": (f"/v1/permissions/check?use=train&recording={h['recording']}",
                  {"Authorization": f"Bearer {token}"}),
        "credits": (f"/outputs/{h['output']}", {}),
    }
    n = args.requests
    with session_scope(engine) as session:
        service = {
            "check": loop_time(lambda: rights.check(session, Use.TRAIN,
                                                    recording=h["recording"]), n),
            "credits": loop_time(lambda: [creation.get_output(session, h["output"]),
                                          verification(s, creation.get_output(
                                              session, h["output"])),
                                          credits_for_output(session, h["output"])], n)}
    try:
        import uvloop
        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    print(f"nproc={os.cpu_count()} affinity={len(os.sched_getaffinity(0))} "
          f"load={os.getloadavg()[0]:.2f} home={h['kind']} requests={n} "
          f"concurrency={args.concurrency} inline={args.inline}")
    print("| target | service call (ms) | through the ASGI app (ms) | app's share (ms) | "
          "requests/s through the app |")
    print("|---|---:|---:|---:|---:|")
    profiles = {}
    for name, (path, headers) in targets.items():
        prof = cProfile.Profile() if args.profile else None
        if prof:
            prof.enable()
        wall = runner(drive(app, path, headers, n, args.concurrency))
        if prof:
            prof.disable()
            profiles[name] = prof
        per = wall / n * 1000
        base = service[name] / n * 1000
        print(f"| {name} | {base:.3f} | {per:.3f} | {per - base:.3f} | {n / wall:.0f} |")
    for name, prof in profiles.items():
        print(f"\n## cProfile: {name} (sorted by own time)")
        pstats.Stats(prof).sort_stats("tottime").print_stats(args.top)
        print(f"\n## cProfile: {name} (cumulative)")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()

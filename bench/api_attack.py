"""The attacks of issue 17, measured on loopback against a real server (uvicorn in a thread):
how fast a 200 MB body is refused and how much memory it costs, and whether a wrong password
answers in the same time for an unknown address as for a known one.

    PYTHONPATH=src .venv/bin/python bench/api_attack.py [--tries 20]

Figures go to bench/RESULTS.md with nproc and the load average (a shared, loaded machine)."""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.api_support import PASSWORD, make_world  # noqa: E402, F401


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def refuse_200mb(port: int) -> tuple[float, int]:
    """(seconds from the request head to the 413, bytes of body sent before it)."""
    s = socket.create_connection(("127.0.0.1", port))
    head = (b"POST /v1/parties/bea/consents HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 200000000\r\n\r\n")
    t = time.perf_counter()
    s.sendall(head)
    s.settimeout(30)
    answer = s.recv(65536)
    took = time.perf_counter() - t
    s.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
    return took, 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tries", type=int, default=20)
    args = ap.parse_args()
    w = make_world(Path(tempfile.mkdtemp(prefix="accord-attack-")),
                   api_signin_free_failures=10_000, api_client_free_failures=10_000)
    srv = uvicorn.Server(uvicorn.Config(w.client.app, host="127.0.0.1", port=0,
                                        log_level="warning"))
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    port = srv.servers[0].sockets[0].getsockname()[1]
    load = os.getloadavg()
    before = rss_kb()
    times = [refuse_200mb(port)[0] for _ in range(args.tries)]
    grew = rss_kb() - before
    print(f"nproc={os.cpu_count()} load={tuple(round(x, 2) for x in load)}")
    print(f"200 MB declared body -> 413: median {statistics.median(times) * 1000:.1f} ms, "
          f"max {max(times) * 1000:.1f} ms over {args.tries}; RSS change {grew} kB")
    url = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=url, timeout=60) as c:
        def wrong(user: str) -> float:
            t = time.perf_counter()
            r = c.post("/v1/auth/token", data={"username": user, "password": "wrong guess"})
            assert r.status_code == 401, r.text
            return time.perf_counter() - t

        wrong("artist@example.org")
        known = [wrong("artist@example.org") for _ in range(args.tries)]
        unknown = [wrong(f"nobody{i}@example.org") for i in range(args.tries)]
    print(f"wrong password, known address: median {statistics.median(known) * 1000:.0f} ms "
          f"(min {min(known) * 1000:.0f}, max {max(known) * 1000:.0f})")
    print(f"wrong password, unknown address: median {statistics.median(unknown) * 1000:.0f} ms "
          f"(min {min(unknown) * 1000:.0f}, max {max(unknown) * 1000:.0f})")
    print(f"load after={tuple(round(x, 2) for x in os.getloadavg())}")
    srv.should_exit = True


if __name__ == "__main__":
    main()

"""The whole creation (create, credit, record) of a 16-bar piece and of a batch of 8 with
whatever `accord` is first on PYTHONPATH: run it once with the integrator's main and once with
this branch, on two copies of one home, for a baseline in the same run. Prints JSON: wall time,
and CPU time of this process and its children (the baseline renders in subprocesses).

    PYTHONPATH=src python bench/creation_e2e_compare.py HOME MODEL BASE_SEED
"""

import json
import os
import resource
import sys
import time
from pathlib import Path

from accord.attribution import service as attribution
from accord.config import Settings
from accord.creation import service
from accord.creation.request import CreationRequest, Params
from accord.db.engine import make_engine, session_scope
from accord.royalties import released
from accord.workflows.release import released_outputs


def cpu() -> float:
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + c.ru_utime + c.ru_stime


def run(s: Settings, eng, mid: str, count: int, seed: int) -> dict:
    c0, t0 = cpu(), time.perf_counter()
    req = CreationRequest(mid, "new", Params(bars=16, seed=seed), count=count)
    with session_scope(eng) as session:
        res = service.create(session, s, req)
    t1 = time.perf_counter()
    with session_scope(eng) as session:
        attribution.credit_new_outputs(session, s, [o.id for o in res.outputs])
    with session_scope(eng) as session:
        released.record_released(session, s, released_outputs(res.outputs))
    t2, used = time.perf_counter(), cpu() - c0
    music = sum(o.parameters["shaped"]["duration_s"] for o in res.outputs)
    return {"count": count, "music_s": round(music, 1), "create_s": round(t1 - t0, 2),
            "credit_s": round(t2 - t1, 2), "realtime_x": round(music / (t2 - t0), 1),
            "cpu_s": round(used, 2), "music_per_cpu_s": round(music / used, 1)}


def main() -> None:
    home, mid, base = sys.argv[1], sys.argv[2], int(sys.argv[3])
    s = Settings(home=Path(home))
    eng = make_engine(s.db_url)
    t = time.perf_counter()
    cold = run(s, eng, mid, 1, base)
    cold["with_load_s"] = round(time.perf_counter() - t, 2)
    out = {"code": __import__("accord").__file__, "load": os.getloadavg(), "cold": cold,
           "single": [run(s, eng, mid, 1, base + 1 + i) for i in range(2)],
           "batch8": [run(s, eng, mid, 8, base + 10 + 8 * i) for i in range(2)],
           "load_after": os.getloadavg()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()

"""How much the app's HTTP API adds to an analysis, and whether concurrent uploads are all answered.

Starts ``posture app`` (uvicorn, real HTTP on 127.0.0.1, ``--workers 2``) on a free port, then:

1. one photo through ``POST /api/analyze``, the median of ``--runs`` requests after one warm-up
   (the model loads once), against the same analysis in this process (``Analyzer.analyze`` after
   ``Analyzer.load``, so both include decoding the photo), the two interleaved so that both see the
   same load on the machine. Target: the API adds at most 20%.
2. ``--concurrent`` uploads at once (default 4): every one must be answered 200 with the same
   result as the single request.

    python benchmarks/app_speed.py [PHOTO] [--runs 5] [--concurrent 4] [--fast]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "photos" / "images" / "front_full__tfex_businessman.jpeg"
TARGET = 1.20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(client: httpx.Client, url: str, photo: Path, fast: bool) -> httpx.Response:
    return client.post(
        url + "api/analyze",
        files={"file": (photo.name, photo.read_bytes(), "image/jpeg")},
        data={"fast": str(fast).lower()},
        timeout=300,
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("photo", nargs="?", type=Path, default=DEFAULT)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--concurrent", type=int, default=4)
    ap.add_argument("--fast", action="store_true", help="one pass instead of the default 20")
    args = ap.parse_args()

    sys.path.insert(0, str(ROOT))
    from posture.analyze import Analyzer
    from posture.settings import Settings

    local = Analyzer(Settings(fast=args.fast)).__enter__()
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "posture",
                "app",
                "--no-browser",
                "--port",
                str(port),
                "--db",
                f"{tmp}/h.sqlite3",
                "--workers",
                "2",
                "--queue",
                str(max(0, args.concurrent - 2)),
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
        )
        try:
            with httpx.Client() as client:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        client.get(url + "api/metrics")
                        break
                    except httpx.TransportError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.1)
                first = _post(client, url, args.photo, args.fast)  # loads the model
                first.raise_for_status()
                local.analyze(local.load(args.photo))  # the same warm-up in process
                api_times, local_times = [], []
                for _ in range(args.runs):  # interleaved, so both see the same load on the machine
                    t = time.perf_counter()
                    r = _post(client, url, args.photo, args.fast)
                    api_times.append(time.perf_counter() - t)
                    r.raise_for_status()
                    t = time.perf_counter()
                    mine = local.analyze(local.load(args.photo)).to_dict()
                    local_times.append(time.perf_counter() - t)
                api_s, local_s = statistics.median(api_times), statistics.median(local_times)
                reference = r.json()

                answers: list[httpx.Response | BaseException] = []

                def upload() -> None:
                    try:
                        with httpx.Client() as c:
                            answers.append(_post(c, url, args.photo, args.fast))
                    except BaseException as e:  # noqa: BLE001 - reported below
                        answers.append(e)

                t = time.perf_counter()
                threads = [threading.Thread(target=upload) for _ in range(args.concurrent)]
                for th in threads:
                    th.start()
                for th in threads:
                    th.join()
                burst_s = time.perf_counter() - t
        finally:
            server.terminate()
            server.wait(10)
            local.close()

    mine["source"]["path"] = args.photo.name
    same = json.loads(json.dumps(mine)) == reference
    ok = [a for a in answers if isinstance(a, httpx.Response) and a.status_code == 200 and a.json() == reference]
    ratio = api_s / local_s
    print(f"photo: {args.photo.name} ({'fast' if args.fast else 'default, 20 passes'}), median of {args.runs}")
    print(f"  in process:  {local_s:.3f} s")
    print(f"  through API: {api_s:.3f} s  (x{ratio:.3f}; target at most x{TARGET:.2f})  same result: {same}")
    print(
        f"  {args.concurrent} concurrent uploads: {len(ok)} answered 200 with the same result in {burst_s:.2f} s"
        f" (2 workers, {max(0, args.concurrent - 2)} waiting)"
    )
    return 0 if ratio <= TARGET and same and len(ok) == args.concurrent else 1


if __name__ == "__main__":
    sys.exit(main())

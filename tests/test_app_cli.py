"""`posture app` as a user starts it: the address it prints, the token beyond loopback, a port in use."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow
pytest.importorskip("fastapi", reason="the app extra is not installed")


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "posture", "app", "--no-browser", "--db", str(tmp_path / "h.sqlite3"), *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _status(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        return int(urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5).status)
    except urllib.error.HTTPError as e:
        return int(e.code)


def test_a_port_in_use_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _start(tmp_path, "--port", str(port))
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert err.strip().count("\n") == 0 and f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err


def test_beyond_loopback_it_prints_an_address_with_a_token_that_every_request_needs(tmp_path: Path) -> None:
    host = "127.0.0.2"  # a loopback address outside the names the app treats as local: token mode
    try:
        port = _free_port(host)
    except OSError:
        pytest.skip("127.0.0.2 cannot be bound here")
    proc = _start(tmp_path, "--host", host, "--port", str(port))
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(rf"http://{re.escape(host)}:{port}/\?token=([\w-]+)", line)
        assert match, line
        token = match.group(1)
        base = f"http://{host}:{port}/"
        assert _status(base + "api/metrics") == 401
        assert _status(base + "api/metrics", {"X-Posture-Token": token[:-1]}) == 401
        assert _status(base + "api/metrics", {"X-Posture-Token": token}) == 200
        assert _status(base + f"?token={token}") == 200
    finally:
        proc.terminate()
        proc.wait(10)


def test_on_loopback_it_prints_its_address_and_answers(tmp_path: Path) -> None:
    port = _free_port()
    proc = _start(tmp_path, "--port", str(port))
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(f"posture app: http://127.0.0.1:{port}/ ") and "token" not in line
        deadline = time.monotonic() + 10
        while _status(f"http://127.0.0.1:{port}/api/metrics") != 200:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(10)

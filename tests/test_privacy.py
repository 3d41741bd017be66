"""Analysis stays on the machine: no network connection is attempted.

Photos of bodies are sensitive. MediaPipe 0.10.34 and later contact a
usage-data server during analysis (see pyproject.toml), so this is checked on
the system-call level, with strace, and by running without any network.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES

ANALYZE = ["-m", "posture", "analyze", str(SAMPLES / "astronaut.png"), "--json"]
INET = re.compile(r"\bAF_INET6?\b")
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def strace(tmp_path: Path, name: str, argv: list[str]) -> tuple[subprocess.CompletedProcess, list[str]]:
    log = tmp_path / f"{name}.strace"
    proc = subprocess.run(
        ["strace", "-f", "-e", "trace=network", "-o", str(log), *argv],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=180,
    )
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return proc, lines


@pytest.fixture(scope="module")
def strace_works(tmp_path_factory):
    """Skip unless strace is installed and can see a connection attempt."""
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed (apt-get install strace); the no-network check needs it")
    tmp = tmp_path_factory.mktemp("strace_control")
    # Positive control: a connect() to a closed local port must appear in the trace,
    # otherwise an empty trace would prove nothing.
    control = (
        "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.settimeout(0.5); "
        "s.connect_ex(('127.0.0.1', 9)); s.close()"
    )
    proc, lines = strace(tmp, "control", [sys.executable, "-c", control])
    if proc.returncode != 0 or not any("connect(" in ln and INET.search(ln) for ln in lines):
        pytest.skip(f"strace cannot trace processes here (exit {proc.returncode}: {proc.stderr.strip()[:200]})")


def test_analysis_makes_no_internet_connection(strace_works, tmp_path):
    proc, lines = strace(tmp_path, "analyze", [sys.executable, *ANALYZE])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '"schema": "posture.measurement"' in proc.stdout  # it really analysed
    inet = [ln for ln in lines if INET.search(ln)]
    assert inet == [], "network activity during analysis:\n" + "\n".join(inet[:20])
    for call in ("connect(", "sendto(", "sendmsg("):
        offending = [ln for ln in lines if call in ln and "AF_UNIX" not in ln and "AF_NETLINK" not in ln]
        assert offending == [], offending[:10]


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    try:
        return subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@pytest.mark.skipif(not _unshare_works(), reason="'unshare -n' is not available (needs root or user namespaces)")
def test_analysis_works_without_any_network():
    proc = subprocess.run(
        ["unshare", "-n", sys.executable, *ANALYZE],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '"status": "measured"' in proc.stdout
    assert proc.stderr.strip() == ""

"""Helpers of the batch tests: task functions for the worker pool (imported by spawned worker
processes) and a file maker."""

from __future__ import annotations

import os
from pathlib import Path


def init_marker(marker: str) -> None:
    """Initializer: remember a value, as the real one opens an analyser."""
    global _marker
    _marker = marker


_marker = ""


def double_or_crash(task: int) -> tuple[int, str, int]:
    """``(task * 2, marker, pid)``; a negative task kills the worker process, as a crash in native code would."""
    if task < 0:
        os._exit(70)
    return task * 2, _marker, os.getpid()


def double_raise_or_crash(task: int) -> int:
    """``task * 2``; 1000 or more raises ``ValueError`` (a photo that fails), a negative task kills the worker."""
    if task < 0:
        os._exit(70)
    if task >= 1000:
        raise ValueError(f"task {task} failed")
    return task * 2


def crashing_actor() -> type:
    """A Ray photo actor whose process dies on any photo named ``crash*``, as a fault in native code would."""
    from posture.engines.ray import PhotoActor

    class CrashingActor(PhotoActor):
        def __call__(self, batch):  # type: ignore[no-untyped-def]
            if any(os.path.basename(p).startswith("crash") for p in batch.column("path").to_pylist()):
                os._exit(70)
            return super().__call__(batch)

    return CrashingActor


def touch(path: Path, data: bytes = b"x") -> Path:
    """Write ``data`` at ``path``, making its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path

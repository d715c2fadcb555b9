"""Crash safety for real: a run is SIGKILLed mid-write, then rerun, and must match a clean run.

The kill is placed deterministically: a wrapper patches `os.fsync` in the child, counts the
calls (every atomic write fsyncs its temporary file before renaming it), and at call N cuts
the temporary file short and SIGKILLs its own process group: exactly "killed during a write",
leaving a partial temporary file behind. N is chosen from a counted run so that kills land in
the shard stages, in the clustering and in the corpus write (the very last write is
manifest.json). A second test kills a `--workers 2` run from outside, as a user would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from pipeline.runlock import is_temp_name
from tests.batch_support import ROOT, clean_env, contract_files, make_corpus, run, run_args, small_config

HOOK = """
import atexit, os, signal, sys
kill_at = int(os.environ.get("NEWSCLEAN_TEST_KILL_AT", "0"))
calls = [0]
real_fsync = os.fsync

def fsync(fd):
    calls[0] += 1
    if calls[0] == kill_at:
        os.ftruncate(fd, os.fstat(fd).st_size // 2)  # the write was cut short
        os.killpg(os.getpgrp(), signal.SIGKILL)
    return real_fsync(fd)

os.fsync = fsync
count_file = os.environ.get("NEWSCLEAN_TEST_COUNT")
if count_file:
    atexit.register(lambda: open(count_file, "w").write(str(calls[0])))
from pipeline.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _hooked(inp: Path, out: Path, cfg: Path, **env: str) -> subprocess.CompletedProcess[str]:
    args = run_args(inp, out, cfg)
    cmd = [sys.executable, "-c", HOOK, *args[3:]]  # drop "python -m pipeline"
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env={**clean_env(), **env},
                          start_new_session=True, timeout=600)


def _assert_no_partial_outputs(out: Path) -> list[Path]:
    """Every file with a final name is whole; returns the temporary files left behind."""
    temps = []
    for p in out.rglob("*"):
        if not p.is_file():
            continue
        if is_temp_name(p.name):
            temps.append(p)
        elif p.suffix == ".jsonl":
            for line in p.read_text(encoding="utf-8").splitlines():
                json.loads(line)
        elif p.suffix in (".json", ".time"):
            json.loads(p.read_text(encoding="utf-8"))
        elif p.suffix == ".npz":
            with np.load(p) as z:
                _ = [z[k] for k in z.files]
    return temps


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, int]:
    """Input, config, an uninterrupted reference output, and how many fsyncs a full run makes."""
    root = tmp_path_factory.mktemp("crash")
    inp = make_corpus(root / "in")
    cfg = small_config(root / "cfg", shards=4)
    counted = _hooked(inp, root / "reference", cfg, NEWSCLEAN_TEST_COUNT=str(root / "count"))
    assert counted.returncode == 0, counted.stderr[-3000:]
    return inp, cfg, root / "reference", int((root / "count").read_text())


@pytest.mark.parametrize("where", ["first-shard-write", "middle", "corpus-write", "manifest-write"])
def test_sigkill_mid_write_then_rerun_is_byte_identical(batch: tuple[Path, Path, Path, int], tmp_path: Path,
                                                        where: str) -> None:
    inp, cfg, reference, total = batch
    kill_at = {"first-shard-write": 1, "middle": total // 2, "corpus-write": total - 2,
               "manifest-write": total}[where]
    out = tmp_path / "out"
    killed = _hooked(inp, out, cfg, NEWSCLEAN_TEST_KILL_AT=str(kill_at))
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]

    temps = _assert_no_partial_outputs(out)
    assert temps, "the kill should have left the cut-short temporary file"
    # manifest.json is written last and removed before a corpus is rewritten: its absence says
    # "incomplete", so no reader mistakes a half-written corpus for a finished one.
    assert not (out / "manifest.json").exists()

    run(inp, out, cfg)
    assert not [p for p in out.rglob("*") if is_temp_name(p.name)]
    assert contract_files(out) == contract_files(reference)


def test_external_sigkill_of_parallel_run_then_rerun(batch: tuple[Path, Path, Path, int], tmp_path: Path) -> None:
    """Killed from outside (as `kill -9` or an OOM killer would) once shard outputs exist."""
    inp, cfg, reference, _total = batch
    out = tmp_path / "out"
    proc = subprocess.Popen(run_args(inp, out, cfg, "--workers", "2"), cwd=ROOT, env=clean_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            done = list((out / ".work" / "encoding").rglob("0*.jsonl")) if (out / ".work").exists() else []
            if done:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the run finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert not (out / "manifest.json").exists()
    _assert_no_partial_outputs(out)
    run(inp, out, cfg)
    assert not [p for p in out.rglob("*") if is_temp_name(p.name)]
    assert contract_files(out) == contract_files(reference)

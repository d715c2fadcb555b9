"""What `newsclean run` prints while it works and when it ends, in each of its modes."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from pipeline import __version__
from pipeline.progress import INTERVAL, Progress
from tests.conftest import ROOT, SEEDS, run_cli


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _progress(mode: str) -> tuple[Progress, io.StringIO, Clock]:
    out, clock = io.StringIO(), Clock()
    return Progress(mode, 10, {0: 4, 1: 6}, stream=out, clock=clock), out, clock


def test_plain_lines_count_documents_and_give_rate_and_time_left() -> None:
    p, out, clock = _progress("lines")
    p.task_event("d0", "Decode", {"shard": "0"}, "PENDING")
    p.task_event("d1", "Decode", {"shard": "1"}, "PENDING")
    p.task_started("d0")
    clock.now += 2
    p.task_event("d0", "Decode", {"shard": "0"}, "DONE")
    p.tick()
    assert out.getvalue() == ""  # not yet INTERVAL seconds: a cron log is not flooded
    p.report({"t": "d1", "p": 50})  # half of shard 1 (3 of its 6 documents)
    clock.now += INTERVAL
    p.tick()
    line = out.getvalue().strip()
    assert line.startswith("newsclean: decode: 7/10 documents [00:32<00:13,")
    assert "documents/s" in line
    clock.now += 1
    p.task_event("d1", "Decode", {"shard": "1"}, "DONE")
    assert out.getvalue().splitlines()[-1].startswith("newsclean: decode: 10/10 documents [00:33<00:00,")


def test_outputs_of_an_earlier_run_count_as_reused_not_as_speed() -> None:
    p, out, clock = _progress("lines")
    p.task_event("d0", "Decode", {"shard": "0"}, "DONE")  # complete when first seen
    p.task_event("d1", "Decode", {"shard": "1"}, "PENDING")
    p.task_started("d1")
    clock.now += 3
    p.task_event("d1", "Decode", {"shard": "1"}, "DONE")
    line = out.getvalue().strip()
    assert line.startswith("newsclean: decode: 10/10 documents [00:03<00:00,  2.00 documents/s]")
    assert line.endswith("(4 reused)")


def test_a_stage_whose_every_output_is_reused_prints_nothing() -> None:
    p, out, _clock = _progress("lines")
    for i in range(2):
        p.task_event(f"d{i}", "Decode", {"shard": str(i)}, "DONE")
    p.tick()
    assert out.getvalue() == ""


def test_off_prints_nothing() -> None:
    p, out, clock = _progress("off")
    with p:
        p.task_event("d0", "Decode", {"shard": "0"}, "PENDING")
        p.task_started("d0")
        clock.now += 100
        p.task_event("d0", "Decode", {"shard": "0"}, "DONE")
    assert out.getvalue() == ""


class FakeScheduler:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def add_task(self, **kw: object) -> None:
        self.calls.append("add_task")

    def get_work(self, **kw: object) -> dict[str, str]:
        return {"task_id": "r0"}

    def set_task_progress_percentage(self, task_id: str, percentage: int) -> None:
        self.calls.append("pct")

    def set_task_status_message(self, task_id: str, message: str) -> None:
        self.calls.append("msg")


def test_reports_from_a_task_in_another_process_reach_the_display() -> None:
    """Luigi runs a task in a forked process with --workers above one: its report goes
    through the pipe the wrapped scheduler writes to, and the CLI process reads it."""
    p, _out, _clock = _progress("lines")
    sched = p.wrap(FakeScheduler())
    sched.add_task(task_id="r0", family="Repeats", params={"shard": "1"}, status="PENDING")
    sched.get_work(worker="w")
    assert p.stages["repeats"].started is not None
    pid = os.fork()
    if pid == 0:  # the task process
        sched.set_task_progress_percentage("r0", 50)
        os._exit(0)
    os.waitpid(pid, 0)
    p._drain(5.0)
    assert p.stages["repeats"].count == 3
    assert sched.calls == ["add_task"]  # the child's calls went to its own copy, as in Luigi
    sched.add_task(task_id="r0", family="Repeats", params={"shard": "1"}, status="DONE")
    assert p.stages["repeats"].count == 6


def test_run_piped_prints_stage_lines_and_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = run_cli("run", "--input", str(SEEDS), "--output", str(out), "--workers", "2")
    for stage in ("decode", "encoding", "structure", "boilerplate", "repeats", "duplicates", "writing corpus"):
        assert f"newsclean: {stage}: 5/5 documents [" in res.stderr, stage
    assert "\r" not in res.stderr  # no terminal: plain lines only
    assert res.stdout.startswith("newsclean: 5 documents in ")
    assert "5 kept, 0 duplicate, 0 rejected" in res.stdout
    removals = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["removals"]
    per_stage = {stage: sum(rules.values()) for stage, rules in removals.items()}
    assert f"removed: {sum(per_stage.values())} lines (" in res.stdout  # the manifest's counts, summed
    assert all(f"{stage} {n}" in res.stdout for stage, n in per_stage.items())
    assert f"review: {out}/report.html" in res.stdout and f"corpus: {out}/articles.jsonl" in res.stdout
    again = run_cli("run", "--input", str(SEEDS), "--output", str(out), "--quiet")
    assert again.stdout == "" and again.stderr == ""


def test_quiet_prints_nothing_and_v_adds_a_line_per_task(tmp_path: Path) -> None:
    quiet = run_cli("run", "--input", str(SEEDS), "--output", str(tmp_path / "q"), "--quiet")
    assert quiet.stdout == "" and quiet.stderr == ""
    assert (tmp_path / "q" / "manifest.json").exists()
    loud = run_cli("run", "--input", str(SEEDS), "--output", str(tmp_path / "v"), "-v")
    assert "newsclean: boilerplate shard " in loud.stderr and "DEBUG" not in loud.stderr
    assert len(loud.stderr.splitlines()) < 100
    debug = run_cli("run", "--input", str(SEEDS), "--output", str(tmp_path / "vv"), "-vv")
    assert "DEBUG" in debug.stderr and len(debug.stderr.splitlines()) > len(loud.stderr.splitlines())


def test_a_terminal_gets_live_bars(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", "--input", str(SEEDS), "--output",
                             str(tmp_path / "out")], stdout=follower, stderr=follower, cwd=ROOT,
                            env={**os.environ, "TERM": "xterm"})  # TERM=dumb (some CI) means no live lines
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=300) == 0
    os.close(leader)
    text = b"".join(chunks).decode("utf-8")
    assert "\r" in text and "100%|" in text and "docs/s" in text  # tqdm lines, redrawn in place
    assert "newsclean: decode: 5/5 documents [" in text  # and each stage's final line
    assert "newsclean: 5 documents in " in text


def test_version() -> None:
    res = run_cli("--version")
    assert res.stdout.startswith(f"newsclean {__version__} (Python ")

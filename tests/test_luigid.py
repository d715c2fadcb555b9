"""Runs through a real central scheduler (`luigid`), and runs that overlap.

luigid is started from the installed luigi package on a free loopback port with its state and
logs in a temporary folder; the pipeline runs through it with `--workers 2`; task states,
progress and status messages are read back through luigid's HTTP API.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.runlock import is_temp_name
from tests.batch_support import ROOT, clean_env, contract_files, make_corpus, run, run_args, small_config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(url: str, method: str, **data: object) -> dict:
    query = urllib.parse.urlencode({"data": json.dumps(data)})
    with urllib.request.urlopen(f"{url}/api/{method}?{query}", timeout=10) as resp:
        return json.load(resp)["response"]


@pytest.fixture()
def luigid(tmp_path: Path) -> Iterator[str]:
    yield from _luigid(tmp_path, clean_env())


@pytest.fixture()
def luigid_as_documented(tmp_path: Path) -> Iterator[str]:
    """luigid with the scheduler settings the project ships (config/luigid.cfg)."""
    yield from _luigid(tmp_path, {**clean_env(), "LUIGI_CONFIG_PATH": str(ROOT / "config" / "luigid.cfg")})


def _luigid(tmp_path: Path, env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    state = tmp_path / "luigid"
    (state / "log").mkdir(parents=True)
    proc = subprocess.Popen([str(Path(sys.executable).parent / "luigid"), "--address", "127.0.0.1",
                             "--port", str(port), "--state-path", str(state / "state.pickle"),
                             "--logdir", str(state / "log"), "--pidfile", str(state / "pid")],
                            stdout=subprocess.DEVNULL, stderr=(state / "stderr").open("wb"), env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _api(url, "task_list", status="DONE", upstream_status="", search="")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"luigid did not start: {(state / 'stderr').read_text()}") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("luigid-batch")
    inp = make_corpus(root / "in")
    cfg = small_config(root / "cfg", shards=4)
    run(inp, root / "local", cfg)
    return inp, cfg, root / "local"


def test_run_through_luigid_with_two_workers(luigid: str, batch: tuple[Path, Path, Path], tmp_path: Path) -> None:
    inp, cfg, local = batch
    out = tmp_path / "out"
    run(inp, out, cfg, "--workers", "2", "--scheduler-url", luigid)

    done = _api(luigid, "task_list", status="DONE", upstream_status="", search="")
    families = {t["name"] for t in done.values()}
    assert {"Decode", "Encoding", "Boilerplate", "Repeats", "Signatures", "Dedup", "WriteCorpus",
            "RunPipeline"} <= families
    for status in ("FAILED", "PENDING", "RUNNING"):
        assert not _api(luigid, "task_list", status=status, upstream_status="", search="")
    # Each shard task reported its progress and a status message to luigid (from the worker
    # processes, over HTTP), so the visualiser shows them.
    shard_tasks = [t for t in done.values() if t["name"] in ("Decode", "Encoding", "Repeats")]
    assert shard_tasks and all(t["progress_percentage"] == 100 for t in shard_tasks)
    assert all(t["status_message"] and "documents" in t["status_message"] for t in shard_tasks)
    # The graph luigid shows has the whole run in it.
    graph = _api(luigid, "dep_graph", task_id=next(i for i, t in done.items() if t["name"] == "RunPipeline"))
    assert len(graph) == len(done)

    assert contract_files(out) == contract_files(local)


def test_overlapping_runs_through_luigid_share_the_work(luigid: str, batch: tuple[Path, Path, Path],
                                                        tmp_path: Path) -> None:
    inp, cfg, local = batch
    out = tmp_path / "out"
    args = run_args(inp, out, cfg, "--workers", "2", "--scheduler-url", luigid)
    procs = [subprocess.Popen(args, cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    results = [p.communicate(timeout=600) + (p.returncode,) for p in procs]
    assert [r[2] for r in results] == [0, 0], results
    assert not _api(luigid, "task_list", status="FAILED", upstream_status="", search="")
    assert not [p for p in out.rglob("*") if is_temp_name(p.name)]
    assert contract_files(out) == contract_files(local)


def test_overlapping_local_runs_take_turns(batch: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """Local scheduler: the second run waits for the first (saying so), then has nothing to do."""
    inp, cfg, local = batch
    out = tmp_path / "out"
    args = run_args(inp, out, cfg)
    first = subprocess.Popen(args, cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    deadline = time.monotonic() + 120
    while not (out / ".work" / "plan").exists() and time.monotonic() < deadline:
        time.sleep(0.02)  # the first run holds the lock once it writes its plan
    second = subprocess.Popen(args, cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    out1, err1 = first.communicate(timeout=600)
    out2, err2 = second.communicate(timeout=600)
    assert (first.returncode, second.returncode) == (0, 0), (err1, err2)
    assert "another run is writing" in err2 and "waiting" in err2
    assert "nothing to do" in out2 and "nothing to do" not in out1
    assert contract_files(out) == contract_files(local)


def test_a_killed_worker_does_not_stall_the_survivor(luigid_as_documented: str, batch: tuple[Path, Path, Path],
                                                      tmp_path: Path) -> None:
    """One of two runs of the same batch through luigid is killed (SIGKILL) while it runs a
    task; with config/luigid.cfg the survivor takes that task over and finishes the batch within
    a minute or two (Luigi's defaults: a quarter of an hour), saying meanwhile what it waits for."""
    import signal

    inp, cfg, local = batch
    out = tmp_path / "out"
    args = run_args(inp, out, cfg, "--workers", "1", "--scheduler-url", luigid_as_documented)
    victim = subprocess.Popen(args, cwd=ROOT, env=clean_env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120  # a guard: the kill waits until the victim holds a task
        held = []
        while not held and victim.poll() is None and time.monotonic() < deadline:
            running = _api(luigid_as_documented, "task_list", status="RUNNING", upstream_status="", search="")
            held = [t for t, v in running.items() if f"pid={victim.pid}" in str(v.get("worker_running"))]
            time.sleep(0.05)
        assert held, "the victim never ran a task"
        survivor = subprocess.Popen(args, cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
        victim.send_signal(signal.SIGKILL)
        started = time.monotonic()
        _stdout, stderr = survivor.communicate(timeout=300)
        took = time.monotonic() - started
    finally:
        for p in (victim, locals().get("survivor")):
            if p is not None and p.poll() is None:
                p.kill()
    assert survivor.returncode == 0, stderr[-3000:]
    assert took < 120, f"the survivor took {took:.0f} s"
    assert "waiting for" in stderr
    assert contract_files(out) == contract_files(local)


# Runs the CLI with os.replace patched: after the first output of the encoding stage is renamed
# into place, the process waits for a file to appear and then SIGKILLs itself, so it dies with
# the output written and its task still RUNNING in luigid.
DIES_AFTER_WRITE = """
import os, signal, sys, time
real_replace = os.replace
go = os.environ["NEWSCLEAN_TEST_GO"]

def replace(src, dst, *a, **kw):
    real_replace(src, dst, *a, **kw)
    if "/encoding/" in str(dst) and str(dst).endswith(".jsonl"):
        open(go + ".written", "w").close()
        while not os.path.exists(go):
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGKILL)

os.replace = replace
from pipeline.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_task_finished_by_a_worker_killed_before_it_reported_is_not_waited_for(
        luigid_as_documented: str, batch: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """luigid keeps such a task pending with no worker able to run it (the survivor saw it
    complete); the survivor must look at the graph again instead of waiting for ever."""
    inp, cfg, local = batch
    out, go = tmp_path / "out", tmp_path / "go"
    args = run_args(inp, out, cfg, "--workers", "1", "--scheduler-url", luigid_as_documented)
    victim = subprocess.Popen([sys.executable, "-c", DIES_AFTER_WRITE, *args[3:]], cwd=ROOT,
                              env={**clean_env(), "NEWSCLEAN_TEST_GO": str(go)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    survivor = None
    try:
        deadline = time.monotonic() + 120  # guards, not measurements
        while not Path(f"{go}.written").exists() and victim.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert Path(f"{go}.written").exists(), "the victim never wrote an encoding output"
        survivor = subprocess.Popen(args, cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
        # Let the survivor see the graph (the written output complete, its task RUNNING), then
        # the victim dies.
        while time.monotonic() < deadline and not any(
                len(t.get("stakeholders", ())) > 1 or "Structure" in k
                for k, t in _api(luigid_as_documented, "task_list", status="PENDING", upstream_status="",
                                 search="").items()):
            time.sleep(0.05)
        go.touch()
        victim.wait(timeout=60)
        _stdout, stderr = survivor.communicate(timeout=400)
    finally:
        for p in (victim, survivor):
            if p is not None and p.poll() is None:
                p.kill()
    assert survivor.returncode == 0, stderr[-3000:]
    assert "asking the scheduler again" in stderr
    assert contract_files(out) == contract_files(local)

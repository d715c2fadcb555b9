"""`newsclean gc` and `run --gc`: `.work` keeps what the corpus's run reads, loses the rest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.corpus import CLEAN_LIST
from tests.batch_support import contract_files
from tests.conftest import SEEDS, run_cli


def _work(out: Path) -> dict[str, int]:
    return {p.relative_to(out / ".work").as_posix(): p.stat().st_mtime_ns
            for p in (out / ".work").rglob("*") if p.is_file()}


@pytest.fixture()
def changed(tmp_path: Path) -> tuple[Path, Path]:
    """A corpus written twice: with the default configuration, then with a [title] change,
    which leaves the first run's boilerplate-and-later outputs behind in .work."""
    cfg = tmp_path / "cfg"
    shutil.copytree(Path(__file__).resolve().parent.parent / "config", cfg)
    out = tmp_path / "out"
    run_cli("run", "--input", str(SEEDS), "--output", str(out), "-q")
    text = (cfg / "pipeline.toml").read_text(encoding="utf-8")
    assert "max_words = 30" in text
    (cfg / "pipeline.toml").write_text(text.replace("max_words = 30", "max_words = 5"), encoding="utf-8")
    run_cli("run", "--input", str(SEEDS), "--output", str(out), "--config", str(cfg / "pipeline.toml"), "-q")
    return out, cfg / "pipeline.toml"


def test_gc_keeps_exactly_what_the_current_run_reads(changed: tuple[Path, Path]) -> None:
    out, cfg = changed
    before, corpus = _work(out), contract_files(out)
    dry = run_cli("gc", "--corpus", str(out), "--dry-run")
    assert "would remove" in dry.stdout and _work(out) == before
    res = run_cli("gc", "--corpus", str(out))
    assert res.stdout.startswith("newsclean: removed ")
    after = _work(out)
    clean_list = (out / ".work" / CLEAN_LIST).read_bytes()
    record = json.loads(next((out / ".work" / "runs").glob("run-*.json")).read_text(encoding="utf-8"))
    assert set(after) == set(record["keep"]) | {"run.lock"}
    assert len(after) < len(before)
    assert all(after[p] == before[p] for p in after)  # nothing kept was rewritten
    assert len(list((out / ".work" / "boilerplate").iterdir())) == 1  # one fingerprint left per stage
    assert contract_files(out) == corpus
    # What stays is enough: rewriting the corpus from it runs no shard task (no work file added
    # or rewritten but the run record and the list of clean/ files, both rewritten with the same
    # bytes along with the corpus) and gives the same corpus.
    (out / "manifest.json").unlink()
    run_cli("run", "--input", str(SEEDS), "--output", str(out), "--config", str(cfg), "-q")
    again = _work(out)
    assert set(again) == set(after)
    assert {p for p in after if again[p] != after[p]} <= {p for p in after if p.startswith("runs/")} | {CLEAN_LIST}
    assert (out / ".work" / CLEAN_LIST).read_bytes() == clean_list
    assert contract_files(out) == corpus
    assert "nothing to do" in run_cli("run", "--input", str(SEEDS), "--output", str(out), "--config",
                                      str(cfg)).stdout


def test_run_gc_cleans_after_a_successful_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    inp = tmp_path / "in"
    shutil.copytree(SEEDS, inp)
    run_cli("run", "--input", str(inp), "--output", str(out), "-q")
    (inp / "001_8daedd7ade3504a8.txt").unlink()  # its shard's outputs of the first run go stale
    res = run_cli("run", "--input", str(inp), "--output", str(out), "--gc")
    assert "newsclean: removed " in res.stdout
    record = json.loads(next((out / ".work" / "runs").glob("run-*.json")).read_text(encoding="utf-8"))
    assert set(_work(out)) == set(record["keep"]) | {"run.lock"}
    quiet = run_cli("run", "--input", str(inp), "--output", str(out), "--gc", "-q")
    assert quiet.stdout == "" and quiet.stderr == ""


def test_gc_refuses_what_it_cannot_know(tmp_path: Path) -> None:
    res = run_cli("gc", "--corpus", str(tmp_path), check=False)
    assert res.returncode == 3 and "manifest.json" in res.stderr
    out = tmp_path / "out"
    run_cli("run", "--input", str(SEEDS), "--output", str(out), "-q")
    shutil.rmtree(out / ".work" / "runs")  # as a corpus written before runs were recorded
    res = run_cli("gc", "--corpus", str(out), check=False)
    assert res.returncode == 3 and "no record" in res.stderr and "Traceback" not in res.stderr
    assert (out / ".work" / "decode").exists()


def test_gc_help_has_examples() -> None:
    out = run_cli("gc", "--help").stdout
    assert "newsclean gc --corpus" in out and "--dry-run" in out

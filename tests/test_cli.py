"""The command line end to end: help, exit codes, reruns and determinism."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import cli
from tests.conftest import SEEDS, load_jsonl, run_cli


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".work" not in p.parts}


def test_help_shows_examples_and_exit_codes() -> None:
    out = run_cli("--help").stdout
    assert "python -m pipeline run --input" in out and "exit codes" in out
    run_help = run_cli("run", "--help").stdout
    for flag in ("--input", "--output", "--config", "--workers", "--scheduler-url"):
        assert flag in run_help


def test_console_script_is_installed() -> None:
    exe = shutil.which("newsclean") or str(Path(__import__("sys").executable).parent / "newsclean")
    assert Path(exe).exists()


def test_two_runs_byte_identical_and_rerun_does_no_work(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    run_cli("run", "--input", str(SEEDS), "--output", str(a), "--workers", "2")
    run_cli("run", "--input", str(SEEDS), "--output", str(b))
    # run.json holds the timings, the only thing allowed to differ between runs.
    fa, fb = _files(a), _files(b)
    fa.pop("run.json"), fb.pop("run.json")
    assert fa == fb
    assert fa.keys() >= {"articles.jsonl", "documents.jsonl", "manifest.json",
                                "clean/000_2cb9e80f71fff0a9.txt"}
    before = {p: p.stat().st_mtime_ns for p in a.rglob("*") if p.is_file()}
    again = run_cli("run", "--input", str(SEEDS), "--output", str(a))
    assert "nothing to do" in again.stdout
    assert {p: p.stat().st_mtime_ns for p in a.rglob("*") if p.is_file()} == before


def test_changed_config_reruns(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_cli("run", "--input", str(SEEDS), "--output", str(out))
    cfg_dir = tmp_path / "cfg"
    shutil.copytree(Path(cli.__file__).parent.parent / "config", cfg_dir)
    cfg = cfg_dir / "pipeline.toml"
    cfg.write_text(cfg.read_text().replace("max_words = 30", "max_words = 5"))
    res = run_cli("run", "--input", str(SEEDS), "--output", str(out), "--config", str(cfg))
    assert "nothing to do" not in res.stdout
    titles = {a["id"]: a["title"] for a in load_jsonl(out / "articles.jsonl")}
    assert titles["002_ee95ae7b2f334040"] is None


def test_missing_input_folder_exit_3(tmp_path: Path) -> None:
    res = run_cli("run", "--input", str(tmp_path / "nope"), "--output", str(tmp_path / "o"), check=False)
    assert res.returncode == cli.EXIT_INPUT
    assert "does not exist" in res.stderr and "Traceback" not in res.stderr


def test_bad_config_exit_2_names_file_key_and_line(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    shutil.copy(Path(cli.__file__).parent.parent / "config" / "boilerplate_rules.toml", tmp_path)
    cfg.write_text("[dedup]\nbands = 32\njacard = 0.5\n")
    res = run_cli("run", "--input", str(SEEDS), "--output", str(tmp_path / "o"), "--config", str(cfg),
                  check=False)
    assert res.returncode == cli.EXIT_CONFIG
    assert f"{cfg}:3" in res.stderr and "jacard" in res.stderr and "allowed" in res.stderr
    assert "Traceback" not in res.stderr


def test_output_inside_input_refused(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    shutil.copytree(SEEDS, inp)
    res = run_cli("run", "--input", str(inp), "--output", str(inp / "out"), check=False)
    assert res.returncode == cli.EXIT_OUTPUT


def test_failed_task_gives_nonzero_exit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.dedup.clusters as clusters

    def boom(*_a, **_k):
        raise RuntimeError("injected failure")

    monkeypatch.setattr(clusters, "cluster", boom)
    code = cli.main(["run", "--input", str(SEEDS), "--output", str(tmp_path / "o")])
    assert code == cli.EXIT_TASK_FAILED
    assert not (tmp_path / "o" / "manifest.json").exists()


def test_explain_lists_removals_with_rules() -> None:
    out = run_cli("explain", str(SEEDS / "000_2cb9e80f71fff0a9.txt")).stdout
    assert "trailer.you-may-also-like@1" in out and "repeated-block" in out and "promo.also-read@1" in out

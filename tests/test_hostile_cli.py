"""Run-level errors end with one readable message and a documented exit code, never a
traceback (issue 9): missing or unusable input folder (3), unwritable or unsafe output folder
(4), malformed or misspelled configuration naming file, key, line and what is allowed (2)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from pipeline import cli
from tests.conftest import ROOT, SEEDS, run_cli

CONFIG = ROOT / "config"


def _one_message(proc: subprocess.CompletedProcess[str], code: int) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and "Error:" not in proc.stderr.split("newsclean:", 1)[0]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsclean: "), proc.stderr
    return lines[0]


def _run(*args: str, **kw) -> subprocess.CompletedProcess[str]:
    return run_cli("run", *args, check=False, **kw)


# ---- input folder: exit 3 ------------------------------------------------------------------

def test_input_missing_not_a_folder_or_a_link_loop(tmp_path: Path) -> None:
    out = str(tmp_path / "o")
    assert "does not exist" in _one_message(_run("--input", str(tmp_path / "nope"), "--output", out), 3)
    (tmp_path / "file").write_text("x")
    assert "not a folder" in _one_message(_run("--input", str(tmp_path / "file"), "--output", out), 3)
    (tmp_path / "l1").symlink_to(tmp_path / "l2")
    (tmp_path / "l2").symlink_to(tmp_path / "l1")
    assert "l1" in _one_message(_run("--input", str(tmp_path / "l1"), "--output", out), 3)


# ---- output folder: exit 4 -------------------------------------------------------------------

def test_output_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("x")
    msg = _one_message(_run("--input", str(SEEDS), "--output", str(tmp_path / "out")), 4)
    assert "not a folder" in msg


def test_output_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    msg = _one_message(_run("--input", str(SEEDS), "--output", str(tmp_path / "f" / "out")), 4)
    assert "not writable" in msg


def test_output_inside_input_and_input_inside_outputs_rewritten_folders(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    shutil.copytree(SEEDS, inp)
    assert "inside the input" in _one_message(_run("--input", str(inp), "--output", str(inp / "o")), 4)
    out = tmp_path / "out"
    (out / "clean" / "raw").mkdir(parents=True)
    shutil.copy(SEEDS / "000_2cb9e80f71fff0a9.txt", out / "clean" / "raw")
    msg = _one_message(_run("--input", str(out / "clean" / "raw"), "--output", str(out)), 4)
    assert "clean/ or .work/" in msg
    assert (out / "clean" / "raw" / "000_2cb9e80f71fff0a9.txt").exists()


def test_output_clean_folder_that_is_a_link_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("must survive")
    out = tmp_path / "out"
    out.mkdir()
    (out / "clean").symlink_to(victim)
    msg = _one_message(_run("--input", str(SEEDS), "--output", str(out)), 4)
    assert "link" in msg
    assert (victim / "keep.txt").read_text() == "must survive"


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="root cannot be denied writes; needs setpriv to run as `nobody`")
def test_unwritable_output_and_unreadable_input_as_unprivileged_user() -> None:
    base = Path(tempfile.mkdtemp(prefix="newsclean-nobody-", dir="/tmp"))
    try:
        os.chmod(base, 0o755)
        shutil.copytree(SEEDS, base / "in")
        (base / "ro").mkdir(mode=0o755)
        (base / "locked").mkdir(mode=0o700)
        nobody = [shutil.which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups",
                  sys.executable, "-m", "pipeline", "run"]

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([*nobody, *args], capture_output=True, text=True, cwd=ROOT,
                                  env={**os.environ, "HOME": str(base)})

        msg = _one_message(run("--input", str(base / "in"), "--output", str(base / "ro" / "out")), 4)
        assert "not writable" in msg and "Permission denied" in msg
        msg = _one_message(run("--input", str(base / "locked"), "--output", str(base / "x")), 3)
        assert "permission denied" in msg.lower()
        msg = _one_message(run("--input", str(base / "locked" / "deeper"), "--output", str(base / "x")), 3)
        assert "Permission denied" in msg
    finally:
        shutil.rmtree(base)


# ---- configuration: exit 2 ---------------------------------------------------------------------

def _config(tmp_path: Path, pipeline_toml: str, rules_toml: str | None = None) -> Path:
    d = tmp_path / "cfg"
    d.mkdir(exist_ok=True)
    (d / "boilerplate_rules.toml").write_text(rules_toml if rules_toml is not None
                                              else (CONFIG / "boilerplate_rules.toml").read_text())
    (d / "pipeline.toml").write_text(pipeline_toml)
    return d / "pipeline.toml"


@pytest.mark.parametrize("toml, expect", [
    ("[dedup]\nbands = 32\njacard = 0.5\n", [":3:", "'dedup.jacard'", "did you mean 'jaccard'", "allowed here"]),
    ("[dedupe]\njaccard = 0.5\n", [":1:", "[dedupe]", "did you mean 'dedup'", "allowed:"]),
    ("[run]\nshards = \"many\"\n", [":2:", "'run.shards'", "whole number"]),
    ("[run]\n\nmax_document_seconds = -1\n", [":3:", "max_document_seconds", "allowed: 0 to 86400"]),
    ("[run\nshards = 2\n", [":1:", "not valid TOML"]),
    ("dedup = 5\n", [":1:", "must be a [section]"]),
])
def test_bad_pipeline_config(tmp_path: Path, toml: str, expect: list[str]) -> None:
    cfg = _config(tmp_path, toml)
    msg = _one_message(_run("--input", str(SEEDS), "--output", str(tmp_path / "o"), "--config", str(cfg)), 2)
    assert str(cfg) in msg
    for part in expect:
        assert part in msg, (part, msg)


RULE = '[[rule]]\nid = "x"\nversion = 1\npattern = "^share$"\nscope = "line"\n'


@pytest.mark.parametrize("rules, expect", [
    (RULE.replace("version = 1", 'version = "1"'), [":3:", "rule #1 (x)", "'version'", "whole number"]),
    (RULE.replace('"^share$"', "5"), [":4:", "'pattern'", "must be a string"]),
    (RULE.replace('"^share$"', '"(share"'), [":4:", "does not compile"]),
    (RULE.replace('"line"', '"lines"'), [":5:", "'scope'", "allowed: line, cut, lead"]),
    (RULE + RULE.replace("pattern", "patern").replace('"x"', '"y"'),
     [":9:", "rule #2 (y)", "'patern'", "did you mean 'pattern'"]),
    (RULE + RULE, [":6:", "duplicate rule id x@1"]),
    ('rule = "x"\n', [":1:", "[[rule]] tables"]),
    ("rule = [1, 2]\n", [":1:", "rule #1 must be a [[rule]] table"]),
    (RULE.replace('id = "x"\n', ""), [":1:", "missing key 'id'"]),
    (RULE.replace('"^share$"', '""'), [":4:", "'pattern'", "is empty"]),
    (RULE.replace('"^share$"', '"(share)?"'), [":4:", "'pattern'", "matches the empty string"]),
    (RULE.replace('"^share$"', '"\\\\w"'), [":4:", "'pattern'", "matches ordinary prose"]),
    (RULE.replace('"^share$"', '"^(\\\\w+\\\\s?)*$"'), [":4:", "'pattern'", "matches the empty string"]),
    (RULE.replace('"^share$"', '"^(\\\\w+\\\\s?)+$"'), [":4:", "'pattern'", "nests an unbounded quantifier"]),
    (RULE.replace('"^share$"', '"^(a|aa)+$"'), [":4:", "'pattern'", "backtracks catastrophically"]),
    (RULE + 'flags = "iq"\n', [":6:", "'flags'", "unknown flag(s) 'q'"]),
    (RULE.replace("version = 1", "version = -1"), [":3:", "'version'", "from 1"]),
])
def test_bad_rules_file(tmp_path: Path, rules: str, expect: list[str]) -> None:
    cfg = _config(tmp_path, "[run]\nshards = 4\n", rules)
    msg = _one_message(_run("--input", str(SEEDS), "--output", str(tmp_path / "o"), "--config", str(cfg)), 2)
    assert str(cfg.parent / "boilerplate_rules.toml") in msg
    for part in expect:
        assert part in msg, (part, msg)


def test_config_missing_a_folder_or_not_utf8(tmp_path: Path) -> None:
    out = str(tmp_path / "o")
    assert "not found" in _one_message(_run("--input", str(SEEDS), "--output", out, "--config",
                                            str(tmp_path / "none.toml")), 2)
    assert "cannot read" in _one_message(_run("--input", str(SEEDS), "--output", out, "--config",
                                              str(tmp_path)), 2)
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe[run]\n")
    assert "not UTF-8" in _one_message(_run("--input", str(SEEDS), "--output", out, "--config",
                                            str(tmp_path / "bin.toml")), 2)
    cfg = _config(tmp_path, '[boilerplate]\nrules_file = "gone.toml"\n')
    assert "boilerplate.rules_file" in _one_message(_run("--input", str(SEEDS), "--output", out,
                                                         "--config", str(cfg)), 2)


def test_bad_workers_is_a_usage_error(tmp_path: Path) -> None:
    msg = _one_message(_run("--input", str(SEEDS), "--output", str(tmp_path / "o"), "--workers", "0"), 2)
    assert "--workers" in msg


def test_exit_codes_are_documented() -> None:
    readme = (ROOT / "README.md").read_text()
    for code in (cli.EXIT_OK, cli.EXIT_TASK_FAILED, cli.EXIT_CONFIG, cli.EXIT_INPUT, cli.EXIT_OUTPUT,
                 cli.EXIT_TOO_MANY_FAILED, cli.EXIT_INTERRUPTED, cli.EXIT_TERMINATED):
        assert f"| {code} |" in readme

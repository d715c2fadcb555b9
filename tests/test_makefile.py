"""`make run` installs what running needs, `make test` what testing needs (dry runs of make
against a virtual environment that does not exist, so every install step is listed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _plan(target: str, venv: Path) -> list[str]:
    res = subprocess.run(["make", "-n", target, f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return [line for line in res.stdout.splitlines() if "pip install" in line and "--upgrade pip" not in line]


def test_make_run_installs_the_project_without_extras(tmp_path: Path) -> None:
    installs = _plan("run", tmp_path / "venv")
    assert len(installs) == 1 and installs[0].endswith("install --quiet -e .")


def test_make_test_installs_the_test_and_spark_extras(tmp_path: Path) -> None:
    installs = _plan("test", tmp_path / "venv")
    assert len(installs) == 1 and "-e '.[test,spark]'" in installs[0]
    # After `make test`, `make run` installs nothing more (the test install covers it).
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    (venv / ".installed-test").touch()
    (venv / ".installed-run").touch()
    assert _plan("run", venv) == []

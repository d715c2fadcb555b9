from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


def run_cli(*args: str, check: bool = True, **kw) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True,
                          cwd=ROOT, **kw)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def seed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pipeline run over seeds/, shared by the tests that only read its output."""
    out = tmp_path_factory.mktemp("seed-run")
    run_cli("run", "--input", str(SEEDS), "--output", str(out))
    return out


@pytest.fixture(scope="session")
def seed_articles(seed_run: Path) -> dict[str, dict]:
    return {a["id"]: a for a in load_jsonl(seed_run / "articles.jsonl")}

"""Shared helpers for the batch-operation tests (incremental runs, crashes, luigid, Spark).

The test corpus is built from the seeds plus deterministic synthetic near-copies, so it has
documents in several shards, duplicates to cluster, and no dependency on shared/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SEEDS

CONFIG_DIR = ROOT / "config"


def make_corpus(folder: Path, copies: int = 3) -> Path:
    """Seeds plus, per seed, `copies` near-copies (a dateline added, the last paragraph
    dropped, another site's trailer appended), under a nested folder for some ids."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed in sorted(SEEDS.glob("*.txt")):
        raw = seed.read_bytes()
        (folder / seed.name).write_bytes(raw)
        text = raw.decode("utf-8", errors="replace")
        paras = [p for p in text.split("\n") if p.strip()]
        variants = [
            "LONDON (Wire) -\n\n" + text,
            "\n\n".join(paras[:-1]) + "\n",
            text + "\n\nRead more stories like this on our partner site.\n",
        ]
        for n, body in enumerate(variants[:copies]):
            sub = folder / ("syndicated" if n % 2 else "") / f"{seed.stem}-copy{n}.txt"
            sub.parent.mkdir(parents=True, exist_ok=True)
            sub.write_text(body, encoding="utf-8")
    return folder


def small_config(folder: Path, shards: int = 8, **dedup: object) -> Path:
    """A copy of config/ with fewer shards (fewer tasks, faster tests) and optional [dedup] overrides."""
    shutil.copytree(CONFIG_DIR, folder, dirs_exist_ok=True)
    path = folder / "pipeline.toml"
    text = path.read_text(encoding="utf-8")
    text = set_key(text, "run", "shards", str(shards))
    for key, value in dedup.items():
        text = set_key(text, "dedup", key, str(value))
    path.write_text(text, encoding="utf-8")
    return path


def set_key(text: str, section: str, key: str, value: str) -> str:
    out, current, done = [], None, False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            current = stripped.strip("[] ")
        elif current == section and stripped.split("=")[0].strip() == key and not done:
            line, done = f"{key} = {value}", True
        out.append(line)
    assert done, f"no {key} in [{section}]"
    return "\n".join(out) + "\n"


def run_args(inp: Path, out: Path, cfg: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "run", "--input", str(inp), "--output", str(out),
            "--config", str(cfg), *extra]


def run(inp: Path, out: Path, cfg: Path, *extra: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(run_args(inp, out, cfg, *extra), capture_output=True, text=True, cwd=ROOT,
                          env=clean_env())
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-4000:]}")
    return proc


def clean_env() -> dict[str, str]:
    """The environment without a user's luigi.cfg pointing somewhere else."""
    env = dict(os.environ)
    env.pop("LUIGI_CONFIG_PATH", None)
    return env


def contract_files(out: Path) -> dict[str, bytes]:
    """Every file of the corpus except `.work/` and run.json (timings differ on every run)."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".work" not in p.relative_to(out).parts and p.name != "run.json"}


def snapshot(out: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of every file below `out`, `.work/` included."""
    return {p.relative_to(out).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size)
            for p in sorted(out.rglob("*")) if p.is_file()}


# A shard output is `.work/<stage>/<fingerprint>/<shard:05d>-<members digest>...` (tasks.StageTask.output).
# Matching the whole layout, not a name prefix: a corpus-level file such as
# `.work/linefreq/<fingerprint>.json` can start with five digits too.
_SHARD_OUTPUT = re.compile(r"[^/]+/[0-9a-f]+/\d{5}-[0-9a-f]+[^/]*")


def shard_outputs(out: Path) -> dict[str, set[str]]:
    """Per-shard stage outputs in `.work/` (not plan, dedup or timing files), by stage."""
    found: dict[str, set[str]] = {}
    for p in (out / ".work").rglob("*"):
        rel = p.relative_to(out / ".work")
        stage = rel.parts[0]
        if p.is_file() and stage not in ("plan", "dedup") and not p.name.endswith(".time") \
                and _SHARD_OUTPUT.fullmatch(rel.as_posix()):
            found.setdefault(stage, set()).add(p.relative_to(out).as_posix())
    return found

"""Benchmark of incremental runs: full run, no-op rerun, rerun after adding files.

    .venv/bin/python tools/bench_batch.py --input ../shared/eval/dev/neardup/input

Prints the seconds of each and the no-op/full ratio; exits 1 when the no-op rerun is not
well under a third of the full run (the target of issue 6). Times are wall-clock on a shared
machine, so compare ratios measured back to back rather than absolute numbers.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _timed(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", *args], check=True, capture_output=True,
                          text=True)
    return time.perf_counter() - start, proc.stdout.strip()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--input", type=Path, required=True)
    p.add_argument("--workers", default="2")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in", Path(tmp) / "out"
        shutil.copytree(a.input, inp)
        files = sorted(f for f in inp.rglob("*") if f.is_file())
        held = files[: max(1, len(files) // 50)]  # ~2% arrive later
        for f in held:
            f.rename(f.with_name(f.name + ".later"))
            f.with_name(f.name + ".later").rename(Path(tmp) / f.name)
        common = ["--input", str(inp), "--output", str(out), "--workers", a.workers]
        full, _ = _timed(common)
        noop, said = _timed(common)
        for f in held:
            shutil.move(str(Path(tmp) / f.name), f)
        added, _ = _timed(common)
    print(f"documents: {len(files)} (then {len(held)} added)")
    print(f"full run:        {full:7.2f} s")
    print(f"no-op rerun:     {noop:7.2f} s  ({noop / full:.1%} of the full run)")
    print(f"after adding:    {added:7.2f} s  ({added / full:.1%} of the full run)")
    print(f"no-op rerun said: {said}")
    return 0 if noop < full / 3 and "nothing to do" in said else 1


if __name__ == "__main__":
    sys.exit(main())

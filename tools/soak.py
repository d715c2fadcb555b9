"""Kill a run at random moments, rerun it, and compare with an uninterrupted run, byte for byte.

    python -m tools.soak [--documents 2000] [--trials 20] [--workers 2] [--seed 1] [--out data/soak]

Builds the generated bench corpus (bench/corpus.py), runs the pipeline on it once without
interruption (the reference), then for each trial: starts the same run into a fresh output
folder in its own process group, SIGKILLs the whole group (main process and task processes)
after a random share of the reference's wall time, reruns to the end, and compares every
corpus file (`.work/` and the timings in run.json aside) with the reference; leftover
temporary files count as a failure too. Prints one line per trial and "trials passed: k/N";
exits 1 when any failed. Slow and opt-in (`make soak`), not part of `make test`.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def corpus_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".work" not in p.relative_to(out).parts and p.name != "run.json"}


def temp_files(out: Path) -> list[Path]:
    from pipeline.runlock import is_temp_name

    return [p for p in out.rglob("*") if is_temp_name(p.name)]


def run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--documents", type=int, default=2000)
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "soak")
    args = ap.parse_args(argv)
    from bench.corpus import build

    corpus = args.out / f"corpus-{args.documents}"
    build(corpus, args.documents, ROOT)

    def command(out: Path) -> list[str]:
        return [sys.executable, "-m", "pipeline", "run", "--input", str(corpus), "--output", str(out),
                "--workers", str(args.workers), "--quiet"]

    ref = args.out / "reference"
    shutil.rmtree(ref, ignore_errors=True)
    start = time.monotonic()
    done = run(command(ref))
    wall = time.monotonic() - start
    if done.returncode != 0:
        print(f"reference run failed (exit {done.returncode}):\n{done.stderr[-3000:]}", file=sys.stderr)
        return 2
    want = corpus_files(ref)
    print(f"reference: {args.documents} documents, {wall:.1f} s, {len(want)} corpus files", flush=True)
    rng = random.Random(args.seed)
    passed = 0
    for trial in range(1, args.trials + 1):
        out = args.out / "trial"
        shutil.rmtree(out, ignore_errors=True)
        at = rng.uniform(0.05, 1.0) * wall
        proc = subprocess.Popen(command(out), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            proc.wait(timeout=at)
            killed = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            killed = True
        again = run(command(out))
        problems = []
        if again.returncode != 0:
            problems.append(f"rerun exit {again.returncode}: {again.stderr.strip().splitlines()[-1:]}")
        else:
            got = corpus_files(out)
            differ = sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))
            if differ:
                problems.append(f"{len(differ)} files differ, e.g. {differ[:3]}")
            if temp_files(out):
                problems.append(f"{len(temp_files(out))} temporary files left")
        passed += not problems
        what = f"killed at {at:.1f} s" if killed else f"finished before the kill at {at:.1f} s"
        print(f"trial {trial}: {what}; {'identical' if not problems else '; '.join(problems)}", flush=True)
    print(f"trials passed: {passed}/{args.trials}")
    return 0 if passed == args.trials else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Run the pipeline on every development suite and print the scorer's metrics as one table.

    python tools/eval.py ../shared/eval [--out data/eval] [--suite leak ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

SUITES = ("encoding", "leak", "repeats", "neardup", "web")
METRICS = {
    "encoding": ("docs_exact", "paragraphs_lost", "paragraphs_extra"),
    "leak": ("content_kept", "junk_after_removed", "junk_body_removed", "junk_before_removed", "junk_removed"),
    "repeats": ("docs_exact", "paragraphs_lost", "paragraphs_extra"),
    "neardup": ("pair_precision", "pair_recall", "pair_f1", "unaccounted_docs"),
    "web": ("content_kept", "prose_kept", "short_kept", "junk_after_removed", "junk_body_removed",
            "junk_before_removed", "junk_removed", "title_exact", "title_wrong", "title_kept", "author_found",
            "date_found"),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("eval_dir", type=Path)
    ap.add_argument("--out", type=Path, default=Path("data/eval"))
    ap.add_argument("--suite", action="append", choices=SUITES)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    rows = []
    for suite in args.suite or SUITES:
        sdir = args.eval_dir / "dev" / suite
        out = args.out / suite
        run = subprocess.run([sys.executable, "-m", "pipeline", "run", "--input", str(sdir / "input"),
                              "--output", str(out), "--workers", str(args.workers)],
                             capture_output=True, text=True)
        if run.returncode != 0:
            print(f"{suite}: pipeline failed ({run.returncode})\n{run.stderr}", file=sys.stderr)
            return 1
        score = subprocess.run([sys.executable, str(args.eval_dir / "score.py"), str(sdir), str(out)],
                               capture_output=True, text=True, check=True)
        res = json.loads(score.stdout)
        (out / "score.json").write_text(score.stdout)
        for m in METRICS[suite]:
            rows.append((suite, m, res.get(m)))
        for k, v in res.items():
            if k.startswith("by_"):
                for g, val in v.items():
                    rows.append((suite, f"{k[3:]}={g}", val))
    width = max(len(r[1]) for r in rows)
    print(f"| suite    | {'metric'.ljust(width)} | value  |")
    print(f"|----------|{'-' * (width + 2)}|--------|")
    for suite, metric, value in rows:
        print(f"| {suite.ljust(8)} | {metric.ljust(width)} | {value} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

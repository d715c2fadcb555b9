"""`python -m bench`: build corpora, time the pipeline and the reference on each, report.

For each size: build (or reuse) the deterministic corpus, run the whole pipeline from a clean
output folder as `python -m pipeline run --input C --output O --workers W`, then the
single-process reference on the same corpus, in the same invocation. Prints a table and
writes it as JSON (default data/bench/results.json). Absolute times drift on a shared
machine; the ratio of the two, measured back to back, is what the targets are stated in.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from bench.corpus import DEFAULT_SEED, build
from bench.measure import run_measured

ROOT = Path(__file__).resolve().parent.parent
MB = 1_000_000


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    info: dict[str, Any] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                            "platform": platform.platform()}
    try:
        affinity = len(os.sched_getaffinity(0))
        info["cpus_usable"] = affinity
    except (AttributeError, OSError):
        pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "Model")):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return info


def warm_cache(corpus: Path) -> None:
    """Read every corpus file once, so neither timed side pays for cold disk reads."""
    for path in sorted(corpus.rglob("*")):
        if path.is_file():
            path.read_bytes()


def bench_size(n: int, out_root: Path, workers: int | None, reference: bool, seed: int,
               kind: str = "generated") -> dict[str, Any]:
    prefix = "" if kind == "generated" else f"{kind}-"
    corpus = out_root / f"{prefix}corpus-{n}"
    t0 = time.perf_counter()
    meta = build(corpus, n, ROOT, seed, kind)
    build_seconds = time.perf_counter() - t0
    output = out_root / f"{prefix}out-{n}"
    shutil.rmtree(output, ignore_errors=True)  # a warm rerun would do no work at all
    # Deleting the previous output (at 100k: 100k files, ~5 GB) leaves its journal commits and
    # block discards to the file system; flushed here, they are not charged to the timed run.
    os.sync()
    # Both sides should read the corpus from the page cache: the pipeline runs first, so after
    # a reboot it alone would pay for the disk reads and the reference would get them free.
    warm_cache(corpus)
    cmd = [sys.executable, "-m", "pipeline", "run", "--input", str(corpus), "--output", str(output),
           *(["--workers", str(workers)] if workers else [])]  # none: the pipeline's default
    print(f"[bench] {n} documents: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
    run = run_measured(cmd, cwd=ROOT)
    if run.returncode != 0:
        raise SystemExit(f"pipeline failed on {n} documents (exit {run.returncode}):\n{run.stderr[-4000:]}")
    timings = json.loads((output / "run.json").read_text(encoding="utf-8"))["seconds_per_stage"]
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    nbytes = int(meta["bytes"])
    row: dict[str, Any] = {
        "corpus_kind": kind,
        "documents": n,
        "input_mb": round(nbytes / MB, 2),
        "corpus_build_seconds": round(build_seconds, 2),
        "command": " ".join(["python", *cmd[1:]]),
        "pipeline": {
            "seconds": round(run.seconds, 3),
            "documents_per_second": round(n / run.seconds, 1),
            "mb_per_second": round(nbytes / MB / run.seconds, 3),
            "peak_tree_rss_mb": round(run.peak_tree_rss / MB, 1),
            "peak_single_rss_mb": round(run.peak_single_rss / MB, 1),
            "cpu_seconds": round(run.cpu_seconds, 2),
            "stage_seconds": timings,
            "counts": manifest.get("counts", {}),
        },
        "corpus": meta,
    }
    # A rerun over unchanged input must find that out quickly: from stat data and the digest
    # cache alone, and (--verify) by reading every file again.
    for key, extra in (("rerun_seconds", []), ("rerun_verify_seconds", ["--verify"])):
        again = run_measured([*cmd, *extra, "--quiet"], cwd=ROOT)
        if again.returncode != 0:
            raise SystemExit(f"rerun {extra} failed on {n} documents (exit {again.returncode}):\n"
                             f"{again.stderr[-4000:]}")
        row["pipeline"][key] = round(again.seconds, 3)
    if reference:
        print(f"[bench] {n} documents: reference", file=sys.stderr, flush=True)
        ref = run_measured([sys.executable, "-m", "bench.reference", str(corpus)], cwd=ROOT)
        if ref.returncode != 0:
            raise SystemExit(f"reference failed on {n} documents:\n{ref.stderr[-4000:]}")
        inner = json.loads(ref.stdout.strip().splitlines()[-1])
        row["reference"] = {
            "seconds": round(ref.seconds, 3),  # whole process, imports included, like the pipeline's
            "loop_seconds": round(inner["seconds"], 3),
            "documents_per_second": round(n / ref.seconds, 1),
            "mb_per_second": round(nbytes / MB / ref.seconds, 3),
            "peak_tree_rss_mb": round(ref.peak_tree_rss / MB, 1),
            "cpu_seconds": round(ref.cpu_seconds, 2),
        }
        row["ratio"] = round(run.seconds / ref.seconds, 3)
        # CPU per CPU: what the pipeline would cost on one core; less sensitive to other load.
        row["cpu_ratio"] = round(run.cpu_seconds / ref.cpu_seconds, 3) if ref.cpu_seconds else None
    return row


STAGE_ORDER = ("decode", "encoding", "linecounts", "linefreq", "boilerplate", "repeats", "signatures", "dedup")


def table(rows: list[dict[str, Any]]) -> str:
    """The results as a Markdown table (stage columns: seconds summed over shards)."""
    seen = {s for r in rows for s in r["pipeline"]["stage_seconds"]}
    stages = [s for s in STAGE_ORDER if s in seen] + sorted(seen - set(STAGE_ORDER))
    head = ["corpus", "docs", "MB", "wall s", "docs/s", "MB/s", "peak MB", "cpu s", "ref s", "ref cpu s", "ratio",
            "cpu ratio", "rerun s", "rerun --verify s"] + [f"{s} s" for s in stages]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in rows:
        p = r["pipeline"]
        ref = r.get("reference", {})
        cells = [r.get("corpus_kind", "generated"), str(r["documents"]), f"{r['input_mb']:.1f}", f"{p['seconds']:.1f}",
                 f"{p['documents_per_second']:.0f}", f"{p['mb_per_second']:.2f}", f"{p['peak_tree_rss_mb']:.0f}",
                 f"{p['cpu_seconds']:.1f}", f"{ref['seconds']:.1f}" if ref else "-",
                 f"{ref['cpu_seconds']:.1f}" if ref else "-", f"{r['ratio']:.2f}" if "ratio" in r else "-",
                 f"{r['cpu_ratio']:.2f}" if r.get("cpu_ratio") else "-",
                 f"{p['rerun_seconds']:.1f}" if "rerun_seconds" in p else "-",
                 f"{p['rerun_verify_seconds']:.1f}" if "rerun_verify_seconds" in p else "-"]
        cells += [f"{p['stage_seconds'].get(s, 0.0):.1f}" for s in stages]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000", help="comma-separated corpus sizes")
    ap.add_argument("--workers", type=int, default=None,
                    help="pipeline --workers (default: none given, so the pipeline's own default)")
    ap.add_argument("--corpus", default="generated,real",
                    help="corpus kinds: generated (bigram-model prose), real (paragraphs of the dev articles)")
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "bench", help="corpora, outputs and results")
    ap.add_argument("--results", type=Path, default=None, help="JSON results file (default OUT/results.json)")
    ap.add_argument("--no-reference", action="store_true", help="skip the single-process reference")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    out = args.out.resolve()
    kinds = [k.strip() for k in args.corpus.split(",") if k.strip()]
    rows = [bench_size(n, out, args.workers, not args.no_reference, args.seed, kind) for kind in kinds for n in sizes]
    result: dict[str, Any] = {"machine": machine(), "workers": args.workers, "seed": args.seed, "sizes": rows,
                              "command": " ".join(["python -m bench", *(sys.argv[1:] if argv is None else argv)])}
    by_n = {r["documents"]: r for r in rows if r["corpus_kind"] == kinds[0]}
    if 10_000 in by_n and 100_000 in by_n:
        big, small = by_n[100_000]["pipeline"]["seconds"], by_n[10_000]["pipeline"]["seconds"]
        result["growth_100k_over_10k"] = round(big / small, 2)
    results = args.results or out / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(table(rows))
    if "growth_100k_over_10k" in result:
        print(f"100k / 10k wall time: {result['growth_100k_over_10k']:.2f}")
    print(f"machine: {json.dumps(result['machine'], sort_keys=True)}")
    print(f"results: {results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

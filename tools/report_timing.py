"""Measure the review page: how long report.html takes to open in headless Chromium, and how
long the report's character diff takes on a mojibake line.

    .venv/bin/python tools/report_timing.py open OUT [OUT ...]   # corpus folders with report.html
    .venv/bin/python tools/report_timing.py diff 100000 300000 8000000
    .venv/bin/python tools/report_timing.py write OUT 20000      # a synthetic report, no pipeline

`open` loads each page three times (list view) and twice on `#doc=` of its first document,
printing the seconds until the page says it is ready and the JavaScript heap it used.
Wall-clock on a shared machine: compare numbers measured back to back.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def open_times(outs: list[Path]) -> None:
    from tests.report.cdp import Page

    for out in outs:
        url = (out / "report.html").resolve().as_uri()
        size = (out / "report.html").stat().st_size
        with Page() as page:
            opens = [round(page.open(url), 2) for _ in range(3)]
            heap = page.eval("performance.memory ? Math.round(performance.memory.usedJSHeapSize / 1e6) : null")
            first = page.eval("document.querySelector('tr.row').dataset.id")
            docs = [round(page.open(f"{url}#doc={first}"), 2) for _ in range(2)]
            print(f"{out}: report.html {size:,} bytes; list open {opens} s; JS heap {heap} MB; "
                  f"#doc= open {docs} s; page errors {page.errors or 'none'}")


def diff_times(sizes: list[int]) -> None:
    from pipeline.report.segments import bounded_char_diff

    for n in sizes:
        before = ("CafÃ© " * (n // 7 + 1))[:n]
        after = before.replace("Ã©", "é")
        t = time.perf_counter()
        diff, info = bounded_char_diff(before, after)
        print(f"{n:,} characters: {time.perf_counter() - t:.3f} s, {len(diff)} pieces, "
              f"{'coarse (diff too large)' if info else 'exact'}")


def write(out: Path, n: int) -> None:
    from tests.report.big import write_report

    t = time.perf_counter()
    write_report(out, n)
    print(f"{n:,} documents written to {out} in {time.perf_counter() - t:.1f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("open").add_argument("outs", nargs="+", type=Path)
    sub.add_parser("diff").add_argument("sizes", nargs="+", type=int)
    w = sub.add_parser("write")
    w.add_argument("out", type=Path)
    w.add_argument("n", type=int)
    args = ap.parse_args()
    if args.cmd == "open":
        open_times(args.outs)
    elif args.cmd == "diff":
        diff_times(args.sizes)
    else:
        write(args.out, args.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())

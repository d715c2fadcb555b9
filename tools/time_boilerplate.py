"""Time the boilerplate stage in-process on the same documents, with and without the line model.

    python -m tools.time_boilerplate [FOLDER ...]   (default: ../shared/eval/dev/leak/input and web/input)

Every document is decoded and repaired once; then the boilerplate stage (stages.boilerplate,
the fixpoint rounds and the safety valve included, the batch's recurring lines counted as a
run would) runs over all of them, alternately without the model (`[boilerplate] model = ""`,
the rules alone) and with the configured one, best of three rounds each. Prints ms/document.
"""

from __future__ import annotations

import copy
import dataclasses
import sys
import time
from pathlib import Path

from pipeline.clean.boilerplate import freq_settings
from pipeline.clean.linefreq import merge_counts, recurring_keys, shard_counts
from pipeline.config import load_config
from pipeline.models import KEPT, Doc
from pipeline.stages import boilerplate, decode, encoding


def main(argv: list[str]) -> int:
    folders = [Path(a) for a in argv] or [Path("../shared/eval/dev/leak/input"), Path("../shared/eval/dev/web/input")]
    cfg = load_config()
    docs = []
    for folder in folders:
        for path in sorted(folder.rglob("*.txt")):
            raw = path.read_bytes()
            doc = decode(Doc(id=path.stem, source=str(path), sha256="", size=len(raw)), raw, cfg)
            if doc.status == KEPT:
                docs.append(encoding(doc, cfg))
    counts = shard_counts(((d.id, d.lines) for d in docs), freq_settings(cfg.boilerplate))
    recurring = {s: frozenset(k) for s, k in
                 recurring_keys(merge_counts([counts]), cfg.boilerplate.recurring_min_stories).items()}
    variants = {"rules only": dataclasses.replace(cfg, boilerplate=dataclasses.replace(cfg.boilerplate, model="")),
                f"rules + {cfg.boilerplate.model}": cfg}
    best = {name: float("inf") for name in variants}
    for _ in range(3):
        for name, c in variants.items():
            work = [copy.deepcopy(d) for d in docs]
            t0 = time.process_time()
            for d in work:
                boilerplate(d, c, recurring)
            best[name] = min(best[name], time.process_time() - t0)
    for name, secs in best.items():
        print(f"{name:<24} {1000 * secs / len(docs):7.2f} ms/document (CPU, best of 3, {len(docs)} documents)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

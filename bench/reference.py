"""The single-process reference: what a datatrove-style formatter plus signature stage costs.

Per document: read, decode UTF-8, `ftfy.fix_text` with default settings, and a datasketch
`MinHash` with default settings (128 permutations, SHA-1) fed by `update_batch` over word
5-shingles. No sharding, no parallelism, no output beyond the timing. Run as
`python -m bench.reference DIR`; prints one JSON line.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import ftfy
from datasketch import MinHash

_WORD = re.compile(r"\w+")


def files_below(root: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        out.extend(Path(dirpath) / f for f in sorted(filenames))
    return out


def reference(root: Path) -> dict[str, float]:
    start = time.perf_counter()
    docs = 0
    nbytes = 0
    checksum = 0
    for path in files_below(root):
        raw = path.read_bytes()
        text = ftfy.fix_text(raw.decode("utf-8", errors="replace"))
        words = _WORD.findall(text.lower())
        shingles = {" ".join(words[i : i + 5]) for i in range(max(1, len(words) - 4))}
        m = MinHash()
        m.update_batch([s.encode("utf-8") for s in shingles])
        checksum ^= int(m.hashvalues[0])  # keeps the work observable
        docs += 1
        nbytes += len(raw)
    seconds = time.perf_counter() - start
    return {"documents": docs, "bytes": nbytes, "seconds": seconds, "checksum": checksum}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m bench.reference DIR", file=sys.stderr)
        return 2
    print(json.dumps(reference(Path(argv[0]))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

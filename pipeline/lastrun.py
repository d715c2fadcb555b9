"""What the run that wrote a corpus left in its `.work` folder, found from the corpus alone.

`.work/runs/run-KEY.json` (KEY: the manifest's run key) names the files that run read:
each shard's last-stage output (every document as cleaned, duplicates included), the
batch's recurring lines, and everything `gc` keeps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.io import read_jsonl, shard_of
from pipeline.models import Doc


def load(corpus: Path) -> dict[str, Any] | None:
    """The run record of the corpus's current run, or None (no manifest, or a corpus written
    before runs were recorded, or a `.work` folder removed since)."""
    try:
        key = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))["run_key"]
        return json.loads((corpus / ".work" / "runs" / f"run-{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def cleaned(corpus: Path, doc_id: str) -> Doc | None:
    """The document as the run cleaned it (before duplicate decisions), or None."""
    rec = load(corpus)
    if rec is None:
        return None
    shard_file = rec["last_stage"].get(str(shard_of(doc_id, rec["shards"])))
    if not shard_file:
        return None
    try:
        for row in read_jsonl(corpus / ".work" / shard_file):
            doc = Doc.from_record(row)
            if doc.id == doc_id:
                return doc
    except OSError:
        return None
    return None


def recurring_lines(corpus: Path) -> dict[str, frozenset[str]] | None:
    """The batch's recurring-line keys per source as the run found them, or None."""
    rec = load(corpus)
    if rec is None:
        return None
    if not rec.get("linefreq"):
        return {}
    try:
        data = json.loads((corpus / ".work" / rec["linefreq"]).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {src: frozenset(keys) for src, keys in data["recurring"].items()}

"""`newsclean stats`: the manifest of a corpus as aligned plain-text tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Columns padded to their widest cell; numbers right-aligned.

    >>> print(table(["status", "documents"], [["kept", 5], ["rejected", 10]]))
    status    documents
    --------  ---------
    kept              5
    rejected         10
    """
    cells = [[str(c) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    numeric = [bool(rows) and all(_numeric(r[i]) for r in rows) for i in range(len(headers))]

    def line(vals: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(vals, widths, numeric, strict=True))

    out = [line(list(headers)), "  ".join("-" * w for w in widths)] + [line(r) for r in cells]
    return "\n".join(s.rstrip() for s in out)


def _numeric(v: Any) -> bool:
    return isinstance(v, int | float) or (isinstance(v, str) and (v == "-" or v.endswith("%")))


def render_stats(manifest: dict[str, Any]) -> str:
    counts = manifest.get("counts", {})
    cfg = manifest.get("config", {})
    parts = [table(["field", "value"], [
        ["schema_version", str(manifest.get("schema_version"))],
        ["run_key", str(manifest.get("run_key"))],
        ["config", f"{cfg.get('path')} (fingerprint {cfg.get('fingerprint')})"],
        ["timings", f"{manifest.get('timings')} (beside the manifest)"],
    ])]
    total = counts.get("documents", 0)
    parts.append(table(["status", "documents", "share"],
                       [[s, counts.get(s, 0), f"{100 * counts.get(s, 0) / total:.1f}%" if total else "-"]
                        for s in ("kept", "duplicate", "rejected")] + [["total", total, "100.0%" if total else "-"]]))
    text = manifest.get("removed_text", {})  # absent in corpora written before it was recorded

    def size(stage: str, rule: str, key: str) -> int | str:
        n = text.get(stage, {}).get(rule, {}).get(key)
        return "-" if n is None else n

    removals = [[stage, rule, n, size(stage, rule, "chars"), size(stage, rule, "words")]
                for stage, rules in manifest.get("removals", {}).items() for rule, n in rules.items()]
    by_stage = []
    for stage, rules in manifest.get("removals", {}).items():
        chars = [size(stage, r, "chars") for r in rules]
        words = [size(stage, r, "words") for r in rules]
        by_stage.append([stage, sum(rules.values()), "-" if "-" in chars else sum(chars),
                         "-" if "-" in words else sum(words)])
    if by_stage:
        parts.append(table(["stage", "removals", "chars", "words"], by_stage))
    parts.append(table(["stage", "rule", "removals", "chars", "words"],
                       removals or [["-", "(nothing removed)", 0, 0, 0]]))
    fields = manifest.get("fields")
    if fields:
        n = fields.get("articles", 0)
        parts.append(table(["field", "articles", "share"],
                           [[f, c, f"{100 * c / n:.1f}%" if n else "-"] for f, c in fields.items() if f != "articles"]))
    if manifest.get("rejections"):
        parts.append(table(["rejection reason", "documents"], list(manifest["rejections"].items())))
    if manifest.get("flags"):
        parts.append(table(["flag", "documents"], list(manifest["flags"].items())))
    parts.append(table(["package", "version"], list(manifest.get("versions", {}).items())))
    # Anything a later schema adds still shows, so the table never silently hides part of the manifest.
    known = {"schema_version", "run_key", "config", "counts", "removals", "removed_text", "rejections", "flags",
             "versions", "timings", "fields"}
    extra = [[k, str(v)] for k, v in manifest.items() if k not in known]
    if extra:
        parts.append(table(["other", "value"], extra))
    return "\n\n".join(parts) + "\n"

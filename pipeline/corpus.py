"""The output contract: articles.jsonl, documents.jsonl, clean/<id>.txt, manifest.json.

Documents stream through in id order (each shard file is sorted, shards are merged), so
memory stays bounded by one document per shard. Every file is written atomically and
manifest.json last: a manifest that names the current run key means the whole corpus is in
place. Timings, which differ on every run, go to run.json so that the contract files are
byte-identical for the same input and configuration.
"""

from __future__ import annotations

import heapq
import json
import os
import pickle
import platform
import signal
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.config import Config
from pipeline.io import AtomicWriter, FileSet, atomic_write, dumpb, read_jsonl, safe_relpath, walk
from pipeline.models import DUPLICATE, KEPT, REJECTED, Doc
from pipeline.report.html import ReportWriter
from pipeline.report.parquet import ArticleParquetWriter
from pipeline.report.spans import span_record

SCHEMA_VERSION = 1
# The fields the structure stage extracts; the manifest counts the articles that have each.
ARTICLE_FIELDS = ("title", "authors", "credit", "published", "updated")


def _stream(shard_files: list[Path]) -> Iterator[Doc]:
    iters = [(Doc.from_record(d) for d in read_jsonl(p)) for p in shard_files]
    yield from heapq.merge(*iters, key=lambda d: d.id)


def article_record(doc: Doc) -> dict[str, Any]:
    text = doc.text()
    return {
        "id": doc.id,
        "title": doc.title,
        "authors": list(doc.authors),
        "credit": doc.credit,
        "published": doc.published,
        "updated": doc.updated,
        "text": text,
        "source": doc.source,
        "sha256": doc.sha256,
        "encoding": doc.encoding,
        "removed": [
            {"stage": r.stage, "rule": r.rule, "text": r.text, "start": r.start, "end": r.end,
             **({"detail": r.detail} if r.detail else {})}
            for r in sorted(doc.removed, key=lambda r: (r.start, r.end, r.stage, r.rule))
        ],
        "edits": [
            {"stage": e.stage, "rule": e.rule, "start": e.start, "end": e.end, "before": e.before,
             "after": e.after}
            for e in doc.edits
        ],
        "flags": sorted(doc.flags),
        "paragraphs": text.count("\n\n") + 1 if text else 0,
        "chars": len(text),
        # The id stays the true id; the file name is derived from it safely (see safe_relpath).
        "clean_file": f"clean/{safe_relpath(doc.id)}",
    }


def clean_path(out: Path, doc_id: str) -> Path:
    """Where an article's plain text goes: derived by `safe_relpath`, never by pasting the id
    into a path, so no id can escape `clean/` or share a file with another id."""
    return out / "clean" / safe_relpath(doc_id)


def write_corpus(out: Path, shard_files: list[Path], dup: dict[str, list[Any]], cfg: Config,
                 config_path: str, run_key: str, timings: dict[str, float],
                 status: Callable[[str], None] = lambda _m: None) -> dict[str, Any]:
    # manifest.json is the commit marker: remove the old one first, so a run killed while the
    # other files are being replaced leaves "no manifest" (incomplete), never an old manifest
    # beside new files.
    (out / "manifest.json").unlink(missing_ok=True)
    counts: Counter[str] = Counter()
    removals: dict[str, Counter[str]] = {}
    removed_text: dict[str, dict[str, list[int]]] = {}  # stage -> rule -> [characters, words]
    rejections: Counter[str] = Counter()
    flags: Counter[str] = Counter()
    fields: Counter[str] = Counter()  # canonical articles carrying each extracted field
    # Streamed to temporary files, renamed into place at the end: memory does not grow with
    # the corpus (held as lists, these were ~60 MB of text per 10k documents).
    articles = AtomicWriter(out / "articles.jsonl")
    documents = AtomicWriter(out / "documents.jsonl")
    written: set[str] = set()  # clean/ files of this run, relative to clean/
    clean_files, clean_dir = FileSet(), str(out / "clean")
    # Downstream formats (issue 7): both stream to temporary files, renamed into place at the end.
    report = ReportWriter(out / "report.html")
    spans = AtomicWriter(out / "spans.jsonl")
    # report.html's reading views (character diffs of every repair) and articles.parquet are
    # together about as much work as the other files: a forked process builds both from the
    # same shard files while this one writes the rest, so the corpus step uses both cores.
    parquet_part = out / f".articles.parquet.{os.getpid()}.tmp"
    reporter = _fork_report(report, shard_files, dup, (out / "articles.parquet", parquet_part))
    parquet = ArticleParquetWriter(out / "articles.parquet") if reporter is None else None
    try:
        for doc in _stream(shard_files):
            row = document_row(doc, dup)
            if doc.status == REJECTED:
                rejections[(doc.reason or "").split(":", 1)[0]] += 1
            elif doc.id not in dup:
                rec = article_record(doc)
                fields["articles"] += 1
                fields.update(f for f in ARTICLE_FIELDS if rec[f])
                articles.append(dumpb(rec) + b"\n")
                if parquet is not None:
                    parquet.add(rec)
                spans.append(dumpb(span_record(doc)) + b"\n")
                # Left alone when unchanged; written without an fsync each (one fsync per article
                # was most of the time to write a large corpus): one os.sync() before the manifest.
                rel = rec["clean_file"].removeprefix("clean/")  # safe_relpath(doc.id)
                clean_files.write(f"{clean_dir}/{rel}",
                                  ((f"{doc.title}\n\n" if doc.title else "") + rec["text"] + "\n").encode("utf-8"))
                written.add(rel)
            flags.update(doc.flags)
            for r in doc.removed:
                removals.setdefault(r.stage, Counter())[r.rule] += 1
                size = removed_text.setdefault(r.stage, {}).setdefault(r.rule, [0, 0])
                size[0] += len(r.text)
                size[1] += len(r.text.split())
            counts[row["status"]] += 1
            documents.append(dumpb(row) + b"\n")
            if reporter is None:
                report.add(doc, row)
            if len(documents) % 1000 == 0:
                status(f"writing corpus: {len(documents)} documents")
        if reporter is not None:
            job, reporter = reporter, None  # reaped by the join: never signalled after it
            _join_report(report, job)
    except BaseException:
        if reporter is not None:
            _kill(reporter[0])
            reporter[1].unlink(missing_ok=True)
        parquet_part.unlink(missing_ok=True)
        if parquet is not None:
            parquet.abort()
        report.abort()
        for part in (articles, documents, spans):
            part.abort()
        raise
    if parquet is not None:
        parquet.close()
    else:  # sealed by the report's process
        os.replace(parquet_part, out / "articles.parquet")
    _remove_stale(out / "clean", written, _written_before(out))
    atomic_write(out / ".work" / CLEAN_LIST, "".join(f"{rel}\n" for rel in sorted(written)), durable=False)
    articles.commit()
    documents.commit()
    spans.commit()
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "run_key": run_key,
        "config": {"path": os.path.basename(config_path), "fingerprint": cfg.fingerprint()},
        "counts": {"documents": sum(counts.values()), **{k: counts[k] for k in (KEPT, DUPLICATE, REJECTED)}},
        "removals": {stage: dict(sorted(c.items())) for stage, c in sorted(removals.items())},
        "removed_text": {stage: {rule: {"chars": n[0], "words": n[1]} for rule, n in sorted(rules.items())}
                         for stage, rules in sorted(removed_text.items())},
        "rejections": dict(sorted(rejections.items())),
        "flags": dict(sorted(flags.items())),
        "fields": {f: fields[f] for f in ("articles", *ARTICLE_FIELDS)},
        "versions": _versions(),
        "timings": "run.json",
    }
    atomic_write(out / "run.json", json.dumps({"run_key": run_key, "seconds_per_stage": timings},
                                              indent=2, sort_keys=True) + "\n")
    report.finish(manifest)
    os.sync()  # the clean/ files were written without fsync: durable before the commit marker
    atomic_write(out / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return manifest


def document_row(doc: Doc, dup: dict[str, list[Any]]) -> dict[str, Any]:
    """The document's record in documents.jsonl."""
    row: dict[str, Any] = {"id": doc.id, "source": doc.source, "sha256": doc.sha256}
    if doc.status == REJECTED:
        row.update(status=REJECTED, reason=doc.reason)
    elif doc.id in dup:
        of, reason, jac, con = dup[doc.id]
        row.update(status=DUPLICATE, reason=reason, duplicate_of=of,
                   similarity={"jaccard": jac, "containment": con})
    else:
        row.update(status=KEPT)
    if doc.flags:
        row["flags"] = sorted(doc.flags)
    return row


def _fork_report(report: ReportWriter, shard_files: list[Path], dup: dict[str, list[Any]],
                 parquet: tuple[Path, Path]) -> tuple[int, Path] | None:
    """Start a child process that adds every document to `report` and writes every article
    to `parquet` (final path, temporary file: sealed, not renamed, for the caller to rename
    once the child succeeded); (pid, state file), or None where fork is unavailable (the
    caller then does both itself).

    The child writes the report's detail files into the build folder `report` already made and
    leaves the rest of its state (the list rows, rule tables and samples) in the state file
    for _join_report. It only computes and writes files: no logging, no locks another thread
    of this process could hold."""
    if not hasattr(os, "fork"):
        return None
    state = report.path.parent / f".{report.path.name}.state.{os.getpid()}.tmp"
    pid = os.fork()
    if pid:
        return pid, state
    code = 1
    try:
        # Opened here, not before the fork: the parent must hold no writer of this file.
        articles = ArticleParquetWriter(*parquet)
        for doc in _stream(shard_files):
            report.add(doc, document_row(doc, dup))
            if doc.status != REJECTED and doc.id not in dup:  # the articles, as the caller writes them
                articles.add(article_record(doc))
        articles.seal()
        with open(state, "wb") as fh:
            pickle.dump(report.state(), fh)
        report.close_docs()
        code = 0
    except BaseException:  # noqa: BLE001 - the parent reports the failure; never run its code here
        traceback.print_exc()
    finally:
        sys.stderr.flush()
        os._exit(code)


def _join_report(report: ReportWriter, reporter: tuple[int, Path]) -> None:
    pid, state = reporter
    _, status = os.waitpid(pid, 0)
    try:
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError("building report.html and articles.parquet failed in their child process "
                               "(see the error above)")
        with open(state, "rb") as fh:
            report.set_state(pickle.load(fh))
    finally:
        state.unlink(missing_ok=True)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


CLEAN_LIST = "clean-files.txt"  # in .work/: the clean/ files the last run wrote, one a line


def _written_before(out: Path) -> set[str] | None:
    """The clean/ files the previous run wrote (relative to clean/), or None when no run of
    this version left the list: a corpus of an older version (its articles.jsonl is there)
    then has every .txt below clean/ counted as its own, and any other folder none."""
    try:
        with open(out / ".work" / CLEAN_LIST, encoding="utf-8") as fh:
            return {line.rstrip("\n") for line in fh if line.strip()}
    except FileNotFoundError:
        return None if (out / "articles.jsonl").exists() else set()


def _remove_stale(folder: Path, keep: set[str], before: set[str] | None = None) -> None:
    """Remove the clean/ files an earlier run wrote that this one did not (`before` - `keep`;
    `before` None: every .txt below `folder` not in `keep`), then the folders left empty
    (deepest first; links are not followed). A file newsclean did not write stays, and so
    does its folder. String paths and io.walk (no recursion): pathlib's rglob and sorting of
    Path objects cost ~50 us a file."""
    if not folder.exists():
        return
    root = str(folder)
    if before is not None:
        for rel in sorted(before - keep):
            try:
                os.unlink(os.path.join(root, rel))
            except (FileNotFoundError, NotADirectoryError):
                pass
    for dirpath, _dirs, filenames in walk(root, topdown=False):
        rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
        prefix = "" if rel == "." else f"{rel}/"
        if before is None:
            for name in filenames:
                if name.endswith(".txt") and prefix + name not in keep:
                    os.unlink(os.path.join(dirpath, name))
        if dirpath != root and not os.listdir(dirpath):
            os.rmdir(dirpath)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"newsclean": __version__, "python": platform.python_version()}
    for pkg in ("luigi", "ftfy", "datasketch", "charset-normalizer"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "unknown"
    return out

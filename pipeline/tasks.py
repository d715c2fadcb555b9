"""Luigi tasks: thin IO shells around the pure stages.

Work is sharded (documents hashed by id into `run.shards` shards), one task per shard and
stage, because Luigi's scheduler slows down sharply past a few thousand tasks. Every output
path carries a fingerprint of the configuration the stage read (and of the stages before it)
plus a digest of the shard's member files, so a rerun with nothing changed finds every output
in place and does no work, a changed setting re-runs exactly the stages that read it, and new
files re-run only the shards they land in. All writes are atomic (temporary file, rename).
"""

from __future__ import annotations

import hashlib
import io as _io
import json
import os
import time
from functools import cache
from pathlib import Path
from typing import Any

import luigi
import numpy as np

from pipeline.config import Config, load_config
from pipeline.io import InputFile, atomic_write, digest, read_jsonl, write_jsonl
from pipeline.models import Doc
from pipeline.stages import STAGES, decode, reject, run_stage

# Bump a stage's code version when its behaviour changes, so old intermediate outputs are
# not reused by a newer release.
CODE_VERSION = {"decode": 1, "encoding": 1, "boilerplate": 1, "repeats": 1, "signatures": 1, "dedup": 1}


@cache
def _config(path: str, mtime_ns: int) -> Config:
    return load_config(path)


def config_for(path: str) -> Config:
    return _config(path, os.stat(path).st_mtime_ns)


def stage_fingerprint(cfg: Config, upto: str) -> str:
    """Fingerprint of everything that shapes a stage's output: its settings and its upstream."""
    fp = digest(["decode", CODE_VERSION["decode"], cfg.section_fingerprint("run", "decode")])
    for stage in STAGES:
        fp = digest([fp, stage.name, CODE_VERSION[stage.name], cfg.section_fingerprint(*stage.sections)])
        if stage.name == upto:
            return fp
    fp = digest([fp, "signatures", CODE_VERSION["signatures"], cfg.section_fingerprint("dedup")])
    if upto == "signatures":
        return fp
    if upto == "decode":
        return digest(["decode", CODE_VERSION["decode"], cfg.section_fingerprint("run", "decode")])
    raise KeyError(upto)


class _ShardTask(luigi.Task):
    input_dir: str = luigi.Parameter()
    work: str = luigi.Parameter()
    config_path: str = luigi.Parameter()
    shard: int = luigi.IntParameter()
    members: str = luigi.Parameter()  # digest of the shard's member listing

    stage_name = ""
    suffix = ".jsonl"

    @property
    def cfg(self) -> Config:
        return config_for(self.config_path)

    def output(self) -> luigi.LocalTarget:
        fp = stage_fingerprint(self.cfg, self.stage_name)
        name = f"{self.shard:05d}-{self.members}{self.suffix}"
        return luigi.LocalTarget(str(Path(self.work) / self.stage_name / fp / name))

    def _shard_kwargs(self) -> dict[str, Any]:
        return {"input_dir": self.input_dir, "work": self.work, "config_path": self.config_path,
                "shard": self.shard, "members": self.members}

    def _write_docs(self, docs: list[Doc]) -> None:
        write_jsonl(Path(self.output().path), (d.to_dict() for d in docs))

    def _progress(self, done: int, total: int) -> None:
        if total and (done % 200 == 0 or done == total):
            self.set_progress_percentage(round(100 * done / total))
            self.set_status_message(f"{self.stage_name}: {done}/{total} documents")

    def _timed(self, start: float, count: int) -> None:
        atomic_write(Path(self.output().path + ".time"),
                     json.dumps({"stage": self.stage_name, "seconds": time.perf_counter() - start,
                                 "documents": count}))


def plan_path(work: str, shard: int, members: str) -> Path:
    return Path(work) / "plan" / f"{shard:05d}-{members}.jsonl"


class Decode(_ShardTask):
    """Read the shard's files and decode their bytes; the first stage of every document."""

    stage_name = "decode"

    def run(self) -> None:
        start = time.perf_counter()
        files = [InputFile(**r) for r in read_jsonl(plan_path(self.work, self.shard, self.members))]
        docs = []
        for n, f in enumerate(files, 1):
            docs.append(read_and_decode(Path(self.input_dir), f, self.cfg))
            self._progress(n, len(files))
        self._write_docs(docs)
        self._timed(start, len(docs))


def read_and_decode(root: Path, f: InputFile, cfg: Config) -> Doc:
    doc = Doc(id=f.id, source=f.relpath, sha256="", size=f.size)
    if f.problem:
        return reject(doc, f.problem)
    try:
        with open(root / f.relpath, "rb") as fh:
            raw = fh.read(cfg.run.max_document_bytes + 1)
    except OSError as exc:
        return reject(doc, f"unreadable: {exc.strerror}")
    doc.sha256 = hashlib.sha256(raw).hexdigest()
    try:
        return decode(doc, raw, cfg)
    except Exception as exc:  # noqa: BLE001 - one bad file never stops a batch
        return reject(doc, f"error in decode: {type(exc).__name__}: {exc}")


def _make_stage_task(index: int) -> type[_ShardTask]:
    stage = STAGES[index]
    previous: type[_ShardTask] = Decode if index == 0 else _STAGE_TASKS[index - 1]

    class StageTask(_ShardTask):
        stage_name = stage.name

        def requires(self) -> luigi.Task:
            return previous(**self._shard_kwargs())

        def run(self) -> None:
            start = time.perf_counter()
            docs = [Doc.from_dict(d) for d in read_jsonl(Path(self.input().path))]
            out = []
            for n, doc in enumerate(docs, 1):
                out.append(run_stage(stage, doc, self.cfg))
                self._progress(n, len(docs))
            self._write_docs(out)
            self._timed(start, len(out))

    name = "".join(p.capitalize() for p in stage.name.split("_"))
    StageTask.__name__ = StageTask.__qualname__ = name
    StageTask.__doc__ = f"Per-shard stage '{stage.name}' ({stage.apply.__module__}.{stage.apply.__name__})."
    return StageTask


_STAGE_TASKS: list[type[_ShardTask]] = []
for _i in range(len(STAGES)):
    _STAGE_TASKS.append(_make_stage_task(_i))
    globals()[_STAGE_TASKS[-1].__name__] = _STAGE_TASKS[-1]
LastStage = _STAGE_TASKS[-1]


class Signatures(_ShardTask):
    """Phase one of duplicate detection: MinHash signatures per shard, in parallel."""

    stage_name = "signatures"
    suffix = ".npz"

    def requires(self) -> luigi.Task:
        return LastStage(**self._shard_kwargs())

    def run(self) -> None:
        from pipeline.dedup.sketch import sketch_docs, sketches_to_arrays

        start = time.perf_counter()
        docs = [Doc.from_dict(d) for d in read_jsonl(Path(self.input().path))]
        arrays = sketches_to_arrays(sketch_docs(docs, self.cfg.dedup))
        buf = _io.BytesIO()
        np.savez(buf, **arrays)
        atomic_write(Path(self.output().path), buf.getvalue())
        self._timed(start, len(docs))


class Dedup(luigi.Task):
    """Phase two: cluster verified near-duplicates over the whole corpus (order-independent)."""

    input_dir: str = luigi.Parameter()
    work: str = luigi.Parameter()
    config_path: str = luigi.Parameter()
    shards: tuple = luigi.ListParameter()  # [(shard, members), ...]

    def requires(self) -> list[luigi.Task]:
        return [Signatures(input_dir=self.input_dir, work=self.work, config_path=self.config_path,
                           shard=s, members=m) for s, m in self.shards]

    def output(self) -> luigi.LocalTarget:
        cfg = config_for(self.config_path)
        fp = digest([stage_fingerprint(cfg, "signatures"), CODE_VERSION["dedup"], list(map(list, self.shards))])
        return luigi.LocalTarget(str(Path(self.work) / "dedup" / f"{fp}.json"))

    def run(self) -> None:
        from pipeline.dedup.clusters import cluster
        from pipeline.dedup.sketch import arrays_to_sketches

        start = time.perf_counter()
        sketches = []
        for target in self.input():
            with np.load(target.path) as z:
                sketches.extend(arrays_to_sketches(dict(z)))
        self.set_status_message(f"clustering {len(sketches)} documents")
        decisions = cluster(sketches, config_for(self.config_path).dedup)
        rows = {k: decisions[k] for k in sorted(decisions)}
        atomic_write(Path(self.output().path), json.dumps(
            {k: [d.duplicate_of, d.reason, d.jaccard, d.containment] for k, d in rows.items()},
            sort_keys=True, indent=0))
        atomic_write(Path(self.output().path + ".time"),
                     json.dumps({"stage": "dedup", "seconds": time.perf_counter() - start,
                                 "documents": len(sketches)}))


class WriteCorpus(luigi.Task):
    """Assemble articles.jsonl, documents.jsonl, clean/*.txt and manifest.json atomically."""

    input_dir: str = luigi.Parameter()
    output_dir: str = luigi.Parameter()
    work: str = luigi.Parameter()
    config_path: str = luigi.Parameter()
    shards: tuple = luigi.ListParameter()
    run_key: str = luigi.Parameter()

    def requires(self) -> dict[str, Any]:
        kw = {"input_dir": self.input_dir, "work": self.work, "config_path": self.config_path}
        return {"dedup": Dedup(shards=self.shards, **kw),
                "docs": [LastStage(shard=s, members=m, **kw) for s, m in self.shards]}

    def output(self) -> luigi.LocalTarget:
        return luigi.LocalTarget(str(Path(self.output_dir) / "manifest.json"))

    def complete(self) -> bool:
        try:
            with open(self.output().path, encoding="utf-8") as fh:
                return json.load(fh).get("run_key") == self.run_key
        except (OSError, ValueError):
            return False

    def run(self) -> None:
        from pipeline.corpus import write_corpus

        with open(self.input()["dedup"].path, encoding="utf-8") as fh:
            dup = json.load(fh)
        shard_files = [Path(t.path) for t in self.input()["docs"]]
        cfg = config_for(self.config_path)
        timings = _collect_timings(Path(self.work), cfg, [tuple(x) for x in self.shards],
                                   Path(self.input()["dedup"].path))
        write_corpus(Path(self.output_dir), shard_files, dup, cfg,
                     self.config_path, self.run_key, timings, self.set_status_message)


def _collect_timings(work: Path, cfg: Config, shards: list[tuple[int, str]], dedup_out: Path) -> dict[str, float]:
    """Seconds per stage summed over this run's shards, from the `.time` files beside outputs."""
    totals: dict[str, float] = {}
    stages = [("decode", ".jsonl"), *((s.name, ".jsonl") for s in STAGES), ("signatures", ".npz")]
    paths = [work / name / stage_fingerprint(cfg, name) / f"{shard:05d}-{members}{suffix}.time"
             for name, suffix in stages for shard, members in shards]
    for p in [*paths, Path(str(dedup_out) + ".time")]:
        try:
            t = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        totals[t["stage"]] = round(totals.get(t["stage"], 0.0) + t["seconds"], 4)
    return totals


class RunPipeline(luigi.WrapperTask):
    """Entry point: the whole graph for one input folder, output folder and configuration."""

    input_dir: str = luigi.Parameter()
    output_dir: str = luigi.Parameter()
    config_path: str = luigi.Parameter()
    shards: tuple = luigi.ListParameter()
    run_key: str = luigi.Parameter()

    def requires(self) -> luigi.Task:
        return WriteCorpus(input_dir=self.input_dir, output_dir=self.output_dir,
                           work=str(Path(self.output_dir) / ".work"), config_path=self.config_path,
                           shards=self.shards, run_key=self.run_key)


def write_plan(files: list[InputFile], work: Path, shards: int) -> list[tuple[int, str]]:
    """Write each shard's member list (content-addressed) and return [(shard, members)]."""
    from pipeline.io import shard_of

    groups: dict[int, list[InputFile]] = {}
    for f in files:
        groups.setdefault(shard_of(f.id, shards), []).append(f)
    out = []
    for shard in sorted(groups):
        rows = [_row(f) for f in groups[shard]]
        members = digest(rows)
        path = plan_path(str(work), shard, members)
        if not path.exists():
            write_jsonl(path, rows)
        out.append((shard, members))
    return out


def _row(f: InputFile) -> dict[str, Any]:
    return {"id": f.id, "relpath": f.relpath, "size": f.size, "mtime_ns": f.mtime_ns, "problem": f.problem}

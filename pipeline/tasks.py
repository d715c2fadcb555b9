"""Luigi tasks: thin IO shells around the pure stages.

Work is sharded (documents hashed by id into `run.shards` shards), one task per shard and
stage, because Luigi's scheduler slows down sharply past a few thousand tasks. Every output
path carries a fingerprint of the configuration the stage read (and of the stages before it)
plus a digest of the shard's member files, so a rerun with nothing changed finds every output
in place and does no work, a changed setting re-runs exactly the stages that read it, and new
files re-run only the shards they land in. All writes are atomic (temporary file, rename).
"""

from __future__ import annotations

import dataclasses
import io as _io
import json
import os
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import luigi
import numpy as np

from pipeline.config import Config, load_config
from pipeline.io import InputFile, atomic_write, digest, read_input, read_jsonl, write_jsonl
from pipeline.models import KEPT, Doc
from pipeline.stages import STAGES, decode, reject, run_stage

# Bump a stage's code version when its behaviour changes, so old intermediate outputs are
# not reused by a newer release.
# decode 5, encoding 4, boilerplate 5, repeats 5: positional records (Doc.to_record) carry
# the article fields (authors, credit, published, updated); boilerplate no longer takes the
# title (the structure stage does).
CODE_VERSION = {"decode": 7, "encoding": 4, "structure": 2, "linecounts": 2, "boilerplate": 6, "repeats": 5,
                "signatures": 3, "dedup": 2}


@cache
def _config(path: str, mtime_ns: int) -> Config:
    from pipeline.clean.boilerplate import prepare

    cfg = load_config(path)
    # The scheduling process loads the configuration before Luigi forks a process per task;
    # building the rule matcher here means every boilerplate task inherits it ready-made.
    prepare(cfg.boilerplate)
    return cfg


def config_for(path: str) -> Config:
    return _config(path, os.stat(path).st_mtime_ns)


def stage_fingerprint(cfg: Config, upto: str) -> str:
    """Fingerprint of everything that shapes a stage's output: its settings and its upstream."""
    return _cached(cfg, upto, lambda: _stage_fingerprint(cfg, upto))


# (config, fingerprint) by (id of the config, stage, code versions); the config is held so its
# id cannot be reused by another object while the entry exists.
_FINGERPRINTS: dict[tuple[int, str, tuple[tuple[str, int], ...]], tuple[Config, str]] = {}


def _cached(cfg: Config, name: str, compute: Callable[[], str]) -> str:
    """A fingerprint computed once per configuration object and code versions: every output()
    and complete() of every task asks for one, and digesting [boilerplate] (its rules) costs
    ~3 ms, which over a run's few hundred tasks was seconds of scheduler and task time."""
    key = (id(cfg), name, tuple(sorted(CODE_VERSION.items())))
    hit = _FINGERPRINTS.get(key)
    if hit is None or hit[0] is not cfg:
        hit = _FINGERPRINTS[key] = (cfg, compute())
    return hit[1]


def _stage_fingerprint(cfg: Config, upto: str) -> str:
    fp = digest(["decode", CODE_VERSION["decode"], cfg.section_fingerprint("run", "decode")])
    if upto == "decode":
        return fp
    for stage in STAGES:
        fp = digest([fp, stage.name, CODE_VERSION[stage.name], cfg.section_fingerprint(*stage.sections)])
        if stage.name == upto:
            return fp
    fp = digest([fp, "signatures", CODE_VERSION["signatures"], _sketch_settings(cfg)])
    if upto == "signatures":
        return fp
    raise KeyError(upto)


# [dedup] settings that only the corpus-level clustering reads; every other [dedup] setting
# (and any added later, to be safe) shapes the per-shard signatures too.
CLUSTER_ONLY = frozenset({"bands", "rows", "jaccard", "containment", "containment_min_jaccard", "store"})


def _sketch_settings(cfg: Config) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(cfg.dedup).items() if k not in CLUSTER_ONLY}


def dedup_fingerprint(cfg: Config, shards: list[tuple[int, str, str]]) -> str:
    """What the corpus-level clustering depends on: the signatures, [dedup] and the shard set."""
    return digest([stage_fingerprint(cfg, "signatures"), CODE_VERSION["dedup"], cfg.section_fingerprint("dedup"),
                   [list(x) for x in shards]])


class _ShardTask(luigi.Task):
    input_dir: str = luigi.Parameter()
    work: str = luigi.Parameter()
    config_path: str = luigi.Parameter()
    shard: int = luigi.IntParameter()
    members: str = luigi.Parameter()  # digest of the shard's member listing
    # Stages from boilerplate on read the batch's recurring lines. `recurring` is a digest of
    # the recurring lines that occur in *this* shard ("" when none do), so a new file elsewhere
    # re-runs this shard only if it makes one of this shard's own lines recurring.
    recurring: str = luigi.Parameter(default="")
    linefreq: str = luigi.Parameter(default="", significant=False)  # LineFrequency's output file
    # The batch's [(shard, members)], so boilerplate can name LineFrequency as a dependency
    # (the visualiser then shows the whole graph); not significant, so task ids stay per shard.
    batch: tuple = luigi.ListParameter(default=(), significant=False)

    stage_name = ""
    suffix = ".jsonl"

    @property
    def cfg(self) -> Config:
        return config_for(self.config_path)

    def output(self) -> luigi.LocalTarget:
        fp = stage_fingerprint(self.cfg, self.stage_name)
        name = f"{self.shard:05d}-{self.members}{corpus_tag(self.stage_name, self.recurring)}{self.suffix}"
        return luigi.LocalTarget(str(Path(self.work) / self.stage_name / fp / name))

    def _shard_kwargs(self, upstream: str = "") -> dict[str, Any]:
        """Parameters for the same shard's task of stage `upstream` (default: this stage's);
        stages before boilerplate do not read recurring lines, so they never carry them."""
        kw = {"input_dir": self.input_dir, "work": self.work, "config_path": self.config_path,
              "shard": self.shard, "members": self.members}
        if reads_recurring(upstream or self.stage_name):
            kw.update(recurring=self.recurring, linefreq=self.linefreq, batch=self.batch)
        return kw

    def _write_docs(self, docs: list[Doc]) -> None:
        write_jsonl(Path(self.output().path), (d.to_record() for d in docs))

    def _progress(self, done: int, total: int) -> None:
        if total and (done % 200 == 0 or done == total):
            self.set_progress_percentage(round(100 * done / total))
            self.set_status_message(f"{self.stage_name}: {done}/{total} documents")

    def _timed(self, start: float, count: int, aux: float = 0.0) -> None:
        """Write the timing file; `aux` seconds went to another stage's output (its own timing)."""
        _write_time(self, start + aux, count)


def reads_recurring(stage_name: str) -> bool:
    """Boilerplate reads the batch's recurring lines; every stage after it sees its result."""
    names = [s.name for s in STAGES]
    return stage_name == "signatures" or (
        stage_name in names and names.index(stage_name) >= names.index("boilerplate"))


def corpus_tag(stage_name: str, recurring: str) -> str:
    """Output-name suffix for stages that read recurring lines: the shard's recurring-line tag."""
    return f"-r{recurring}" if recurring and reads_recurring(stage_name) else ""


def plan_path(work: str, shard: int, members: str) -> Path:
    return Path(work) / "plan" / f"{shard:05d}-{members}.jsonl"


class Decode(_ShardTask):
    """Read the shard's files and decode their bytes; the first stage of every document."""

    stage_name = "decode"

    def run(self) -> None:
        start = time.perf_counter()
        # A plan row keys on the content digest, not on times (filedigest.py): no mtime there.
        files = [InputFile(mtime_ns=0, **r) for r in read_jsonl(plan_path(self.work, self.shard, self.members))]
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
    # Links, special files and oversize files are refused at open time (io.read_input), even
    # when the file changed since the scan; the sha256 always covers every byte of the file.
    raw, doc.sha256, problem = read_input(root, f.fsname or f.relpath, cfg.run.max_document_bytes)
    if raw is None:
        return reject(doc, problem or "unreadable")
    try:
        return decode(doc, raw, cfg)
    except Exception as exc:  # noqa: BLE001 - one bad file never stops a batch
        return reject(doc, f"error in decode: {type(exc).__name__}: {exc}")


def _make_stage_task(index: int) -> type[_ShardTask]:
    stage = STAGES[index]
    previous: type[_ShardTask] = Decode if index == 0 else _STAGE_TASKS[index - 1]

    class StageTask(_ShardTask):
        stage_name = stage.name

        def requires(self) -> luigi.Task | list[luigi.Task]:
            upstream = previous(**self._shard_kwargs(previous.stage_name))
            if stage.name == "boilerplate" and self.batch:
                return [upstream, LineFrequency(input_dir=self.input_dir, work=self.work,
                                                config_path=self.config_path, shards=self.batch)]
            return upstream

        def run(self) -> None:
            start = time.perf_counter()
            inp = self.input()
            docs = [Doc.from_record(d) for d in read_jsonl(Path((inp[0] if isinstance(inp, list) else inp).path))]
            extra: dict[str, Any] = {}
            if stage.name == "boilerplate" and self.recurring:  # recurring lines occur in this shard
                extra["recurring"] = load_recurring(self.linefreq)
            # Repeats has just read the words of what it keeps; the shard's signatures are made
            # from them here, so nothing reads and tokenises the texts again (see Signatures).
            parts: list[Any] | None = [] if stage.name == "repeats" else None
            aux = 0.0  # seconds spent on auxiliary outputs, reported as their own stages'
            out = []
            for n, doc in enumerate(docs, 1):
                if parts is None:
                    out.append(run_stage(stage, doc, self.cfg, **extra))
                else:
                    tokens: list[Any] = []
                    out.append(run_stage(stage, doc, self.cfg, tokens=tokens, **extra))
                    t = time.perf_counter()
                    _add_part(parts, out[-1], tokens, self.cfg)
                    aux += time.perf_counter() - t
                self._progress(n, len(docs))
            if parts is not None:
                aux += _write_signatures(Signatures(**self._shard_kwargs("signatures")), parts, self.cfg, len(out))
            elif stage.name == BeforeBoilerplate.stage_name:
                aux += _write_linecounts(LineCounts(**self._shard_kwargs("linecounts")), out, self.cfg)
            self._write_docs(out)
            self._timed(start, len(out), aux)

    name = "".join(p.capitalize() for p in stage.name.split("_"))
    StageTask.__name__ = StageTask.__qualname__ = name
    StageTask.__doc__ = f"Per-shard stage '{stage.name}' ({stage.apply.__module__}.{stage.apply.__name__})."
    return StageTask


_STAGE_TASKS: list[type[_ShardTask]] = []
for _i in range(len(STAGES)):
    _STAGE_TASKS.append(_make_stage_task(_i))
    globals()[_STAGE_TASKS[-1].__name__] = _STAGE_TASKS[-1]
LastStage = _STAGE_TASKS[-1]
# Line counts read the documents as the boilerplate stage will receive them.
BeforeBoilerplate = _STAGE_TASKS[[s.name for s in STAGES].index("boilerplate") - 1]


class LineCounts(_ShardTask):
    """Corpus phase one of recurring-line detection: which short lines occur in which stories,
    per source, for one shard (after encoding repair, so mojibake variants count as one)."""

    stage_name = "linecounts"
    suffix = ".json"

    def output(self) -> luigi.LocalTarget:
        name = f"{self.shard:05d}-{self.members}{self.suffix}"
        return luigi.LocalTarget(str(Path(self.work) / self.stage_name / linecounts_fingerprint(self.cfg) / name))

    def requires(self) -> luigi.Task:
        return BeforeBoilerplate(**self._shard_kwargs(BeforeBoilerplate.stage_name))

    def run(self) -> None:
        if self.output().exists():  # the encoding task wrote it beside its own output
            return
        docs = [Doc.from_record(d) for d in read_jsonl(Path(self.input().path))]
        _write_linecounts(self, docs, self.cfg)


def _write_linecounts(task: LineCounts, docs: list[Doc], cfg: Config) -> float:
    """Count the shard's candidate lines into `task`'s output; the seconds it took.

    The stage before boilerplate calls this on the documents it has just written, so that in
    a run from scratch no LineCounts task reads a shard again. LineCounts keeps its own output
    path (and fingerprint: the counting settings of [boilerplate]), and runs by itself when
    that output is missing, e.g. after a change of those settings, which re-runs no encoding.
    """
    from pipeline.clean.boilerplate import freq_settings
    from pipeline.clean.linefreq import shard_counts

    start = time.perf_counter()
    counts = shard_counts(((d.id, d.lines) for d in docs if d.status == KEPT), freq_settings(cfg.boilerplate))
    atomic_write(Path(task.output().path), json.dumps(counts, sort_keys=True))
    return _write_time(task, start, len(docs))


def linecounts_fingerprint(cfg: Config) -> str:
    from pipeline.clean.boilerplate import freq_settings

    return _cached(cfg, "linecounts", lambda: digest([
        stage_fingerprint(cfg, BeforeBoilerplate.stage_name), "linecounts", CODE_VERSION["linecounts"],
        dataclasses.asdict(freq_settings(cfg.boilerplate))]))


class LineFrequency(luigi.Task):
    """Corpus phase two: merge the shards' counts; keep the lines recurring in enough stories."""

    input_dir: str = luigi.Parameter()
    work: str = luigi.Parameter()
    config_path: str = luigi.Parameter()
    shards: tuple = luigi.ListParameter()

    def requires(self) -> list[luigi.Task]:
        return [LineCounts(input_dir=self.input_dir, work=self.work, config_path=self.config_path,
                           shard=s, members=m) for s, m in self.shards]

    def output(self) -> luigi.LocalTarget:
        fp = digest([linecounts_fingerprint(config_for(self.config_path)), [list(x) for x in self.shards]])
        return luigi.LocalTarget(str(Path(self.work) / "linefreq" / f"{fp}.json"))

    def run(self) -> None:
        from pipeline.clean.linefreq import merge_counts, recurring_keys

        start = time.perf_counter()
        parts = []
        for target in self.input():
            with open(target.path, encoding="utf-8") as fh:
                parts.append(json.load(fh))
        cfg = config_for(self.config_path)
        recurring = recurring_keys(merge_counts(parts), cfg.boilerplate.recurring_min_stories)
        tags = {str(s): shard_tag(part, recurring) for (s, _m), part in zip(self.shards, parts, strict=True)}
        atomic_write(Path(self.output().path), json.dumps({"recurring": recurring, "tags": tags}, sort_keys=True))
        atomic_write(Path(self.output().path + ".time"),
                     json.dumps({"stage": "linefreq", "seconds": time.perf_counter() - start,
                                 "documents": len(parts)}))


def shard_tag(part: dict[str, dict[str, Any]], recurring: dict[str, list[str]]) -> str:
    """Digest of the recurring lines (source, key) that occur in one shard; "" when none do.

    >>> shard_tag({"": {"k": ["a"], "j": ["b"]}}, {"": ["k"]}) == shard_tag({"": {"k": ["z"]}}, {"": ["k", "q"]})
    True
    >>> shard_tag({"": {"j": ["b"]}}, {"": ["k"]})
    ''
    """
    wanted = {src: set(keys) for src, keys in recurring.items()}
    hits = sorted([src, k] for src, keys in part.items() for k in keys if k in wanted.get(src, ()))
    return digest(hits)[:12] if hits else ""


def load_recurring(path: str) -> dict[str, frozenset[str]]:
    with open(path, encoding="utf-8") as fh:
        return {src: frozenset(keys) for src, keys in json.load(fh)["recurring"].items()}


def line_tags(linefreq_path: str) -> dict[str, str]:
    with open(linefreq_path, encoding="utf-8") as fh:
        return json.load(fh)["tags"]


class Signatures(_ShardTask):
    """Phase one of duplicate detection: MinHash signatures per shard, in parallel."""

    stage_name = "signatures"
    suffix = ".npz"

    def requires(self) -> luigi.Task:
        return LastStage(**self._shard_kwargs())

    def run(self) -> None:
        from pipeline.dedup.sketch import kept_parts

        if self.output().exists():  # the repeats task wrote it beside its own output
            return
        start = time.perf_counter()
        docs = [Doc.from_record(d) for d in read_jsonl(Path(self.input().path))]
        _write_signatures(self, kept_parts(docs, self.cfg.dedup), self.cfg, len(docs), start)


def _add_part(parts: list[Any], doc: Doc, tokens: list[Any], cfg: Config) -> None:
    """Add a document that left the repeats stage to its shard's signature input (kept
    documents only, as Signatures does), from the words repeats read (`tokens`): a document
    still kept after the stage ran it, so repeats handed its words on."""
    from pipeline.dedup.sketch import sketch_tokens

    if doc.status == KEPT:
        parts.append(sketch_tokens(doc.id, tokens[-1], cfg.dedup))


def _write_signatures(task: Signatures, parts: list[Any], cfg: Config, count: int,
                      start: float | None = None) -> float:
    """Write `task`'s output: the signatures of a shard's kept documents from their sketch
    parts (sketch.Part); the seconds it took, from `start` when given.

    The repeats task calls this with parts made from the words it read, so that in a run from
    scratch no Signatures task reads a shard; Signatures keeps its own output path (and
    fingerprint: the sketch settings of [dedup]) and runs by itself when that output is
    missing, e.g. after a change of those settings, which re-runs no repeats.
    """
    from pipeline.dedup.sketch import finish, sketches_to_arrays

    start = time.perf_counter() if start is None else start
    buf = _io.BytesIO()
    np.savez(buf, **sketches_to_arrays(finish(parts, cfg.dedup)))
    atomic_write(Path(task.output().path), buf.getvalue())
    return _write_time(task, start, count)


def _write_time(task: _ShardTask, start: float, count: int) -> float:
    """Write `task`'s timing file (seconds since `start`); return those seconds."""
    seconds = time.perf_counter() - start
    # Timings are diagnostics, not outputs: no fsync (it costs ~4 ms a file here).
    atomic_write(Path(task.output().path + ".time"),
                 json.dumps({"stage": task.stage_name, "seconds": seconds, "documents": count}), durable=False)
    return seconds


class Dedup(luigi.Task):
    """Phase two: cluster verified near-duplicates over the whole corpus (order-independent)."""

    input_dir: str = luigi.Parameter()
    work: str = luigi.Parameter()
    config_path: str = luigi.Parameter()
    shards: tuple = luigi.ListParameter()  # [(shard, members, recurring tag), ...]
    linefreq: str = luigi.Parameter(default="", significant=False)
    # Signature store of earlier batches ("" = none): see pipeline/dedup/store.py.
    index: str = luigi.Parameter(default="")

    def requires(self) -> list[luigi.Task]:
        batch = [[s, m] for s, m, _t in self.shards]
        return [Signatures(input_dir=self.input_dir, work=self.work, config_path=self.config_path,
                           shard=s, members=m, recurring=t, linefreq=self.linefreq, batch=batch)
                for s, m, t in self.shards]

    @property
    def batch(self) -> str:
        return str(Path(self.work).parent)  # the output folder names the batch in the store

    def output(self) -> luigi.LocalTarget:
        cfg = config_for(self.config_path)
        fp = dedup_fingerprint(cfg, [tuple(x) for x in self.shards])
        if self.index:
            from pipeline.dedup import store

            fp = digest([fp, store.fingerprint(Path(self.index), self.batch, cfg.dedup)])
        return luigi.LocalTarget(str(Path(self.work) / "dedup" / f"{fp}.json"))

    def complete(self) -> bool:
        if not super().complete():
            return False
        from pipeline.dedup import store

        return not self.index or store.has_batch(Path(self.index), self.batch)

    def run(self) -> None:
        from pipeline.dedup.clusters import cluster
        from pipeline.dedup.sketch import arrays_to_sketches

        start = time.perf_counter()
        sketches = []
        for target in self.input():
            with np.load(target.path) as z:
                sketches.extend(arrays_to_sketches(dict(z)))
        cfg = config_for(self.config_path).dedup
        earlier, pinned_degree, searched = [], {}, frozenset()
        if self.index:
            from pipeline.dedup import store

            # Only the stored articles sharing an LSH band with this batch: the same decisions
            # as against all of them (store.candidates), at a cost that does not grow with history.
            earlier, pinned_degree, searched = store.lookup(Path(self.index), self.batch, sketches, cfg)
        self.set_status_message(f"clustering {len(sketches)} documents against {len(earlier)} earlier candidates")
        decisions = cluster(sketches, cfg, earlier, pinned_degree)
        if self.index:
            store.publish(Path(self.index), self.batch, [s for s in sketches if s.id not in decisions], cfg,
                          searched=searched)
        write_decisions(Path(self.output().path), decisions, time.perf_counter() - start, len(sketches))


def write_decisions(path: Path, decisions: dict[str, Any], seconds: float, documents: int) -> None:
    """The dedup output both engines write, so the file is the same bytes whichever ran."""
    rows = {k: decisions[k] for k in sorted(decisions)}
    atomic_write(path, json.dumps(
        {k: [d.duplicate_of, d.reason, d.jaccard, d.containment] for k, d in rows.items()},
        sort_keys=True, indent=0))
    atomic_write(Path(str(path) + ".time"),
                 json.dumps({"stage": "dedup", "seconds": seconds, "documents": documents}))


def dedup_task(engine: str, spark_master: str, index: str = "", **kw: Any) -> luigi.Task:
    """The clustering task for an engine; both write the same output path and bytes."""
    if engine == "spark":  # the CLI refuses --index with Spark: the store is read in-process only
        from pipeline.spark_tasks import SparkDedup

        return SparkDedup(spark_master=spark_master, **kw)
    return Dedup(index=index, **kw)


class WriteCorpus(luigi.Task):
    """Assemble articles.jsonl, documents.jsonl, clean/*.txt and manifest.json atomically."""

    input_dir: str = luigi.Parameter()
    output_dir: str = luigi.Parameter()
    work: str = luigi.Parameter()
    config_path: str = luigi.Parameter()
    shards: tuple = luigi.ListParameter()
    run_key: str = luigi.Parameter()
    linefreq: str = luigi.Parameter(default="", significant=False)
    # Where clustering runs does not change what it decides, so these are not part of the task id:
    # a Spark run and a local run of the same batch are the same WriteCorpus to luigid.
    dedup_engine: str = luigi.ChoiceParameter(choices=["local", "spark"], default="local", significant=False)
    spark_master: str = luigi.Parameter(default="", significant=False)
    index: str = luigi.Parameter(default="")

    def requires(self) -> dict[str, Any]:
        kw = {"input_dir": self.input_dir, "work": self.work, "config_path": self.config_path,
              "linefreq": self.linefreq}
        return {"dedup": dedup_task(self.dedup_engine, self.spark_master, index=self.index, shards=self.shards,
                                    **kw),
                "docs": [LastStage(shard=s, members=m, recurring=t, batch=[[x, y] for x, y, _ in self.shards], **kw)
                         for s, m, t in self.shards]}

    def output(self) -> luigi.LocalTarget:
        return luigi.LocalTarget(str(Path(self.output_dir) / "manifest.json"))

    def complete(self) -> bool:
        return corpus_current(self.output_dir, self.run_key, self.index)

    def run(self) -> None:
        from pipeline.corpus import write_corpus

        with open(self.input()["dedup"].path, encoding="utf-8") as fh:
            dup = json.load(fh)
        shard_files = [Path(t.path) for t in self.input()["docs"]]
        cfg = config_for(self.config_path)
        timings = _collect_timings(Path(self.work), cfg, [tuple(x) for x in self.shards],
                                   Path(self.input()["dedup"].path), self.linefreq)
        # Before the corpus, whose manifest is the commit marker: a complete corpus always has it.
        write_last_run(Path(self.work), self, cfg, shard_files, Path(self.input()["dedup"].path))
        write_corpus(Path(self.output_dir), shard_files, dup, cfg,
                     self.config_path, self.run_key, timings, self.set_status_message)


def last_run_path(work: Path, run_key: str) -> Path:
    """Where the run with this key lists its work files (a new name per run: nothing in
    `.work` is rewritten in place)."""
    return work / "runs" / f"run-{run_key}.json"


def write_last_run(work: Path, task: WriteCorpus, cfg: Config, shard_files: list[Path], dedup_out: Path) -> None:
    """`.work/runs/run-KEY.json`: the work files the run that wrote the corpus read, so that `show`
    finds a duplicate's cleaned text, `explain --corpus` the batch's recurring lines, and `gc`
    what to keep (everything else in `.work` no configuration of that run reads)."""
    from pipeline.corpus import CLEAN_LIST
    from pipeline.filedigest import CACHE_NAME as DIGESTS_NAME

    shards = [tuple(x) for x in task.shards]
    outputs = _stage_outputs(work, cfg, shards)
    keep = [plan_path(str(work), s, m) for s, m, _t in shards]
    keep += [p for out in [*outputs, dedup_out] for p in (out, Path(f"{out}.time"))]
    if task.linefreq:
        keep += [Path(task.linefreq), Path(task.linefreq + ".time")]
    keep.append(last_run_path(work, task.run_key))
    keep.append(work / CLEAN_LIST)  # the clean/ files this corpus wrote: the next run removes the stale ones by it
    keep.append(work / DIGESTS_NAME)  # what lets the next run skip reading unchanged inputs
    rel = [p.relative_to(work).as_posix() for p in keep]
    atomic_write(last_run_path(work, task.run_key), json.dumps({
        "input_dir": task.input_dir, "config_path": task.config_path, "shards": cfg.run.shards,
        "last_stage": {str(s): f.relative_to(work).as_posix() for (s, _m, _t), f in zip(shards, shard_files,
                                                                                          strict=True)},
        "linefreq": Path(task.linefreq).relative_to(work).as_posix() if task.linefreq else "",
        "keep": sorted(set(rel))}, indent=0, sort_keys=True))


def corpus_current(output_dir: str, run_key: str, index: str = "") -> bool:
    """The corpus in `output_dir` was written by this exact run (input listing, configuration,
    code) and, with a signature store, the batch is published there too."""
    try:
        with open(Path(output_dir) / "manifest.json", encoding="utf-8") as fh:
            if json.load(fh).get("run_key") != run_key:
                return False
    except (OSError, ValueError):
        return False
    if index:  # the batch's kept articles must also be in the signature store
        from pipeline.dedup import store

        return store.has_batch(Path(index), output_dir)
    return True


def _stage_outputs(work: Path, cfg: Config, shards: list[tuple[int, str, str]]) -> list[Path]:
    """Every per-shard output of a run (the shard tasks' output() paths)."""
    stages = [("decode", ".jsonl"), *((s.name, ".jsonl") for s in STAGES), ("signatures", ".npz")]
    paths = [work / name / stage_fingerprint(cfg, name) / f"{shard:05d}-{members}{corpus_tag(name, tag)}{suffix}"
             for name, suffix in stages for shard, members, tag in shards]
    return paths + [work / "linecounts" / linecounts_fingerprint(cfg) / f"{shard:05d}-{members}.json"
                    for shard, members, _tag in shards]


def _collect_timings(work: Path, cfg: Config, shards: list[tuple[int, str, str]], dedup_out: Path,
                     linefreq: str = "") -> dict[str, float]:
    """Seconds per stage summed over this run's shards, from the `.time` files beside outputs."""
    totals: dict[str, float] = {}
    paths = [Path(f"{p}.time") for p in _stage_outputs(work, cfg, shards)]
    if linefreq:
        paths.append(Path(linefreq + ".time"))
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
    shards: tuple = luigi.ListParameter()  # [(shard, members, recurring tag), ...]
    run_key: str = luigi.Parameter()
    linefreq: str = luigi.Parameter(default="", significant=False)
    dedup_engine: str = luigi.ChoiceParameter(choices=["local", "spark"], default="local", significant=False)
    spark_master: str = luigi.Parameter(default="", significant=False)
    index: str = luigi.Parameter(default="")

    def requires(self) -> luigi.Task:
        return WriteCorpus(input_dir=self.input_dir, output_dir=self.output_dir,
                           work=str(Path(self.output_dir) / ".work"), config_path=self.config_path,
                           shards=self.shards, run_key=self.run_key, linefreq=self.linefreq,
                           dedup_engine=self.dedup_engine,
                           spark_master=self.spark_master, index=self.index)


class SchedulerFactory(luigi.interface._WorkerSchedulerFactory):
    """Luigi's own factory, except that the local scheduler does not prune on every get_work.

    Luigi's local scheduler walks every task of the graph each time a worker asks for work
    (to fail tasks of dead workers), which makes a run quadratic in the task count: most of
    the ~2.7 ms per task Luigi costs at 1,000 tasks. With the local scheduler the only worker
    is this process, which watches its own task processes, so there is nothing to prune.
    """

    def create_local_scheduler(self) -> luigi.scheduler.Scheduler:
        return luigi.scheduler.Scheduler(prune_on_get_work=False, record_task_history=False)


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
    return {"id": f.id, "relpath": f.relpath, "size": f.size, "content": f.content, "problem": f.problem,
            **({"fsname": f.fsname} if f.fsname else {})}  # only for names that are not UTF-8

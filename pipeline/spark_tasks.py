"""Corpus-level clustering on Apache Spark, for corpora that outgrow one machine.

`SparkDedup` is a `luigi.contrib.spark.PySparkTask`: Luigi pickles the task, starts
`spark-submit`, and `main` runs in the Spark driver. It reads the same per-shard signature
files as the in-process `Dedup` task, runs the steps of pipeline/dedup/spark_cluster.py over
RDDs (band keys -> candidate pairs -> exact verification -> connected components -> the
survivor rule of clusters.decide_groups per component) and writes the same output file, byte for
byte, so either engine's output satisfies the other and switching engines re-runs nothing.

Spark settings come from Luigi's own `[spark]` configuration section (spark-submit path,
master, deploy-mode, executor-memory, py-packages, ...); `--spark-master` overrides the master.
Executors must see the `.work` folder at the same path (shared storage), as all workers do.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import luigi
import numpy as np
from luigi import configuration
from luigi.contrib.spark import PySparkTask

from pipeline.dedup.clusters import DocSketch
from pipeline.tasks import Dedup, config_for, write_decisions


def _load_sketches(path: str) -> list[DocSketch]:
    from pipeline.dedup.sketch import arrays_to_sketches

    with np.load(path) as z:
        return arrays_to_sketches(dict(z))


class SparkDedup(PySparkTask):
    """Phase two of duplicate detection on Spark; same inputs, output and decisions as `Dedup`."""

    input_dir: str = luigi.Parameter()
    work: str = luigi.Parameter()
    config_path: str = luigi.Parameter()
    shards: tuple = luigi.ListParameter()
    linefreq: str = luigi.Parameter(default="", significant=False)
    spark_master: str = luigi.Parameter(default="", significant=False)

    # No signature store of earlier batches: the CLI refuses --index with Spark.
    index = ""

    # The same graph position and output path as the in-process task.
    requires = Dedup.requires
    output = Dedup.output

    @property
    def name(self) -> str:
        return "newsclean-dedup"

    @property
    def master(self) -> str:
        return self.spark_master or configuration.get_config().get("spark", "master", "local[*]")

    @property
    def spark_submit(self) -> str:
        # pip's pyspark puts spark-submit beside the interpreter; a configured one wins.
        beside = Path(sys.executable).parent / "spark-submit"
        default = str(beside) if beside.exists() else "spark-submit"
        return configuration.get_config().get("spark", "spark-submit", default)

    @property
    def pyspark_python(self) -> str:
        return sys.executable

    @property
    def pyspark_driver_python(self) -> str:
        return sys.executable

    def program_environment(self) -> dict[str, str]:
        env = super().program_environment()
        if "SPARK_HOME" not in env:
            # spark-submit otherwise looks for pyspark with whatever python3 is first on PATH.
            import pyspark

            env["SPARK_HOME"] = str(Path(pyspark.__file__).parent)
        return env

    def setup(self, conf: Any) -> None:
        conf.set("spark.ui.showConsoleProgress", "false")

    def run(self) -> None:
        self.set_status_message(f"clustering on Spark ({self.master})")
        super().run()
        self.set_status_message("clustering on Spark: done")

    def main(self, sc: Any, *args: Any) -> None:
        from pipeline.dedup.clusters import identity_key, self_pair
        from pipeline.dedup.spark_cluster import (
            band_entries,
            bucket_pairs,
            components,
            decide_component,
            digest_links,
            verify,
            with_copies,
        )

        start = time.perf_counter()
        cfg = config_for(self.config_path).dedup
        bands, rows = cfg.bands, cfg.rows
        paths = [t.path for t in self.input()]
        # A few partitions per core: each Spark task costs a Python worker round trip, so one
        # partition per shard would spend more time scheduling than clustering on small batches.
        parts = max(1, min(len(paths), 2 * sc.defaultParallelism))
        sk = sc.parallelize(paths, parts).flatMap(_load_sketches).map(lambda s: (s.id, s)).cache()
        documents = sk.count()
        # Identical documents become one group, represented by its first id (spark_cluster.py).
        multi = dict(sk.map(lambda kv: (identity_key(kv[1]), kv[0]))
                       .groupByKey(parts)
                       .map(lambda kv: sorted(kv[1]))
                       .filter(lambda ids: len(ids) > 1)
                       .map(lambda ids: (ids[0], tuple(ids)))
                       .collect())
        copies = sc.broadcast({i for ids in multi.values() for i in ids[1:]})
        reps = sk.filter(lambda kv: kv[0] not in copies.value).cache()
        candidates = (reps.flatMap(lambda kv: band_entries(kv[1], bands, rows))
                      .groupByKey(parts)
                      .flatMap(lambda kv: bucket_pairs(kv[1]))
                      .distinct(parts))
        # Attach both sides' sketches to each candidate pair, then verify it exactly.
        verified = (candidates.join(reps, parts)                        # (a, (b, sketch_a))
                    .map(lambda kv: (kv[1][0], kv[1][1]))               # (b, sketch_a)
                    .join(reps, parts)                                  # (b, (sketch_a, sketch_b))
                    .map(lambda kv: verify(kv[1][0], kv[1][1], cfg))
                    .filter(lambda v: v is not None)
                    .collect())
        same_text = (reps.map(lambda kv: (kv[1].digest, kv[0]))
                     .groupByKey(parts)
                     .flatMap(lambda kv: digest_links(kv[1]))
                     .collect())
        # Only documents linked to another (or with copies) can become duplicates; the rest are kept.
        comps = with_copies(components([(a, b) for a, b, _j, _c in verified] + same_text), multi)
        linked, grouped = sc.broadcast({i for comp in comps for i in comp}), sc.broadcast(set(multi))
        info = {i: (multi.get(i, (i,)), w, d, pair) for i, w, d, pair in
                reps.filter(lambda kv: kv[0] in linked.value)
                    .map(lambda kv: (kv[0], kv[1].words, kv[1].digest,
                                     self_pair(kv[1], cfg) if kv[0] in grouped.value else None))
                    .collect()}
        comp_of = {i: n for n, comp in enumerate(comps) for i in comp}
        pairs_by_comp: dict[int, list[Any]] = {}
        for p in sorted(verified):
            pairs_by_comp.setdefault(comp_of[p[0]], []).append(p)
        work = [([info[i] for i in comp], pairs_by_comp.get(n, [])) for n, comp in enumerate(comps)]
        decisions = (sc.parallelize(work, max(1, min(parts, len(work))))
                     .flatMap(lambda item: decide_component(item[0], item[1]))
                     .collect())
        write_decisions(Path(self.output().path), {d.id: d for d in decisions},
                        time.perf_counter() - start, documents)

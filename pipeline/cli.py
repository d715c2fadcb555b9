"""Command line: a thin layer over the library.

Exit codes (also in the README):
  0  success
  1  a task failed (Luigi itself would report 0 here; we do not)
  2  bad usage or configuration (the message names the file, key and line)
  3  the input folder cannot be used
  4  the output folder cannot be written (or is not newsclean's; see --force)
  5  the corpus was written, but more than run.max_failed_share of its documents failed
     (rejected for `timeout` or `error in <stage>`)
  130  interrupted (Ctrl-C)
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
from pathlib import Path

from pipeline.runlock import WRITE_PROBE_PREFIX

EXIT_OK, EXIT_TASK_FAILED, EXIT_CONFIG, EXIT_INPUT, EXIT_OUTPUT = 0, 1, 2, 3, 4
EXIT_TOO_MANY_FAILED = 5
EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM: what `timeout`, systemd and kill send


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception in the main process so that a run unwinds as on Ctrl-C:
    open temporary files are removed on the way out, finished outputs stay."""


def _on_sigterm(_signum: int, _frame: object, main_pid: int = os.getpid()) -> None:
    if os.getpid() != main_pid:  # a Luigi task process: die at once; the main process sweeps
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    raise Terminated

EPILOG = """\
examples:
  python -m pipeline run --input seeds --output data/seeds
  newsclean run --input /srv/scrapes/2026-11-21 --output /srv/corpus --workers 2
  newsclean run --input in --output out --config my-pipeline.toml
  newsclean explain seeds/000_2cb9e80f71fff0a9.txt
  newsclean show 000_2cb9e80f71fff0a9 --corpus data/seeds
  newsclean stats --corpus data/seeds

exit codes: 0 ok, 1 a task failed, 2 usage or configuration error, 3 input folder unusable,
4 output folder not writable or not a corpus, 5 too many documents failed
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="newsclean",
        description="Clean and deduplicate scraped news articles.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser(
        "run",
        help="clean a folder of articles into a canonical corpus",
        description="Clean every file below --input and write the corpus to --output.",
        epilog="example:\n  python -m pipeline run --input seeds --output data/seeds --workers 2\n\n"
        "exit codes: 0 ok, 1 a task failed, 2 configuration error, 3 input unusable, 4 output not writable "
        "or not a corpus, 5 too many documents failed, 143 terminated (SIGTERM)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--input", required=True, type=Path, help="folder of raw article files (read only)")
    run.add_argument("--output", required=True, type=Path, help="folder for the corpus (created if missing)")
    run.add_argument("--config", type=Path, default=None, help="pipeline TOML (default: config/pipeline.toml)")
    run.add_argument("--workers", type=int, default=1, help="parallel Luigi workers (default 1)")
    run.add_argument("--scheduler-url", default=None,
                     help="run through a central luigid at this URL instead of the local scheduler; "
                     "several runs of one batch through the same luigid share the work")
    run.add_argument("--dedup-engine", choices=("local", "spark"), default="local",
                     help="where corpus-level duplicate clustering runs: in-process (default) or on "
                     "Apache Spark via spark-submit; the decisions are identical")
    run.add_argument("--spark-master", default="",
                     help="Spark master URL for --dedup-engine spark (default: Luigi's [spark] master, "
                     "else local[*])")
    run.add_argument("--index", type=Path, default=None, metavar="DIR",
                     help="signature store of earlier batches (default: [dedup] store): copies of "
                     "articles kept by earlier batches become duplicates, and this batch's kept "
                     "articles are added for later ones")
    run.add_argument("--force", action="store_true",
                     help="write into a non-empty --output that is not a newsclean corpus, or read an --input "
                     "inside --output (newsclean still replaces and removes only files it wrote itself)")
    run.add_argument("--verbose", action="store_true", help="show Luigi's own log")
    ex = sub.add_parser(
        "explain",
        help="show what cleaning removes from one file, and which rule removed it",
        epilog="example:\n  python -m pipeline explain seeds/000_2cb9e80f71fff0a9.txt",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ex.add_argument("file", type=Path)
    ex.add_argument("--config", type=Path, default=None)
    ex.add_argument("--batch", type=Path, default=None,
                    help="folder of the batch the file belongs to: lines recurring across its documents "
                         "are removed as in a `run` (corpus.recurring-line); without it they are not")
    corpus_help = "corpus folder written by `run --output` (default: data/seeds, what `make run` writes)"
    sh = sub.add_parser(
        "show",
        help="print one document of a corpus with what was removed marked in place",
        description="Print an article with removed lines and encoding fixes marked where they were: "
        "coloured in a terminal, plain [-removed-] / {+inserted+} marks when piped.",
        epilog="example:\n  newsclean show 000_2cb9e80f71fff0a9 --corpus data/seeds | less\n\n"
        "exit codes: 0 ok, 2 no document with that id, 3 corpus folder unusable",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sh.add_argument("id", help="document id (input path without extension, as in documents.jsonl)")
    sh.add_argument("--corpus", type=Path, default=Path("data/seeds"), help=corpus_help)
    sh.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                    help="colour the marks: auto = only when stdout is a terminal and NO_COLOR is unset")
    st = sub.add_parser(
        "stats",
        help="print a corpus manifest as tables",
        epilog="example:\n  newsclean stats --corpus data/seeds\n\nexit codes: 0 ok, 3 corpus folder unusable",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    st.add_argument("--corpus", type=Path, default=Path("data/seeds"), help=corpus_help)
    return p


def main(argv: list[str] | None = None) -> int:
    # File names may hold bytes that are not UTF-8; print them escaped rather than crash on them.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    from pipeline.config import ConfigError

    if threading_main():
        signal.signal(signal.SIGTERM, _on_sigterm)

    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command == "explain":
            return cmd_explain(args)
        if args.command == "show":
            return cmd_show(args)
        if args.command == "stats":
            return cmd_stats(args)
    except ConfigError as exc:
        print(f"newsclean: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except Terminated:
        print("newsclean: terminated (SIGTERM); temporary files removed, finished outputs kept; a rerun "
              "resumes from them", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("newsclean: interrupted; finished outputs are kept and a rerun resumes from them", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_CONFIG


def threading_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _resolve(path: Path) -> Path | str:
    """The absolute path, or why it cannot be had (a symlink loop, a folder we may not enter)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: symlink loop (Python 3.11/3.12)
        return f"cannot resolve {path}: {getattr(exc, 'strerror', None) or exc}"


def _is_corpus(out: Path) -> bool:
    """A folder a newsclean run wrote (its manifest) or started writing (its .work/ lock)."""
    from pipeline.runlock import LOCK_NAME

    return (out / "manifest.json").is_file() or (out / ".work" / LOCK_NAME).is_file()


def _check_output(out: Path, input_dir: Path, force: bool = False) -> str | None:
    if input_dir in (out / "clean", out / ".work") or any(
            d in input_dir.parents for d in (out / "clean", out / ".work")):
        return (f"input folder {input_dir} lies inside {out}'s clean/ or .work/ folder, which a run "
                "rewrites; choose another --output")
    if not force and out in input_dir.parents:
        return (f"input folder {input_dir} is inside the output folder {out}; choose an --output outside "
                "--input's tree (or pass --force: newsclean only writes its own files there)")
    if out.exists() and not out.is_dir():
        return f"output {out} exists and is not a folder; choose another --output"
    for sub in ("clean", ".work"):
        if (out / sub).is_symlink() or ((out / sub).exists() and not (out / sub).is_dir()):
            return (f"{out / sub} is a link or not a folder; a run writes and deletes files there, "
                    "so it must be a plain folder (remove it, or choose another --output)")
    try:
        foreign = False
        if out.is_dir() and not _is_corpus(out):
            with os.scandir(out) as entries:
                foreign = any(True for _ in entries)
    except OSError as exc:
        return f"output folder {out} cannot be listed ({exc.strerror}); choose another --output"
    if foreign and not force:
        return (f"output folder {out} is not empty and is not a newsclean corpus (no manifest.json or "
                ".work/); choose a new or empty folder, or pass --force to write into it anyway "
                "(newsclean then replaces and removes only files it wrote itself)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=out, prefix=WRITE_PROBE_PREFIX)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return f"output folder {out} is not writable ({exc.strerror}); choose another --output"
    return None


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.config import DEFAULT_CONFIG, load_config
    from pipeline.io import InputError, scan_inputs

    config_path = _resolve(args.config or DEFAULT_CONFIG)
    if isinstance(config_path, str):
        print(f"newsclean: configuration error: {config_path}", file=sys.stderr)
        return EXIT_CONFIG
    cfg = load_config(config_path)
    if args.workers < 1:
        print("newsclean: --workers must be at least 1", file=sys.stderr)
        return EXIT_CONFIG
    input_dir, output_dir = _resolve(args.input), _resolve(args.output)
    if isinstance(input_dir, str):
        print(f"newsclean: input folder unusable: {input_dir}", file=sys.stderr)
        return EXIT_INPUT
    if isinstance(output_dir, str):
        print(f"newsclean: output folder unusable: {output_dir}", file=sys.stderr)
        return EXIT_OUTPUT
    try:
        files = scan_inputs(input_dir)
    except InputError as exc:
        print(f"newsclean: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if output_dir == input_dir or input_dir in output_dir.parents:
        print(f"newsclean: output folder {output_dir} is inside the input folder; raw input is never "
              "modified, so choose an --output outside --input", file=sys.stderr)
        return EXIT_OUTPUT
    problem = _check_output(output_dir, input_dir, args.force)
    if problem:
        print(f"newsclean: {problem}", file=sys.stderr)
        return EXIT_OUTPUT
    from pipeline.runlock import output_lock

    # Local runs over one output folder take turns; luigid runs share it (luigid dedups tasks).
    try:
        with output_lock(output_dir, shared=bool(args.scheduler_url), say=lambda m: print(m, file=sys.stderr)):
            try:
                return _run_locked(args, files, input_dir, output_dir, config_path, cfg)
            except KeyboardInterrupt:
                if not args.scheduler_url:  # the lock is ours alone: no other run is writing
                    from pipeline.runlock import sweep_temp_files

                    sweep_temp_files(output_dir)
                raise
    except OSError as exc:  # the plan or lock could not be written (disk full, folder removed)
        print(f"newsclean: cannot write to output folder {output_dir}: {exc.strerror or exc}"
              f"{f' ({exc.filename})' if exc.filename else ''}", file=sys.stderr)
        return EXIT_OUTPUT


def _signature_store(args: argparse.Namespace, cfg: object, output_dir: Path) -> tuple[str, str | None]:
    """The store folder ("" for none) and what this batch reads from it, or (.., None) after
    printing why it cannot be used."""
    from pipeline.dedup import store

    where = args.index or (Path(cfg.dedup.store) if cfg.dedup.store else None)
    if where is None:
        return "", ""
    if args.dedup_engine != "local":
        print("newsclean: the signature store (--index / [dedup] store) works with --dedup-engine local only",
              file=sys.stderr)
        return "", None
    root = where.expanduser().resolve()
    try:
        key = store.fingerprint(root, str(output_dir), cfg.dedup)
    except store.StoreError as exc:
        print(f"newsclean: {exc}", file=sys.stderr)
        return "", None
    return str(root), key


def _run_locked(args: argparse.Namespace, files: list, input_dir: Path, output_dir: Path,
                config_path: Path, cfg: object) -> int:
    import luigi

    from pipeline.io import digest
    from pipeline.tasks import CODE_VERSION, LineFrequency, RunPipeline, corpus_current, line_tags, write_plan

    work = output_dir / ".work"
    shards = write_plan(files, work, cfg.run.shards)
    index, index_key = _signature_store(args, cfg, output_dir)
    if index_key is None:
        return EXIT_CONFIG
    run_key = digest([cfg.fingerprint(), CODE_VERSION, shards, str(input_dir), index, index_key])
    if corpus_current(str(output_dir), run_key, index):
        print(f"newsclean: {output_dir} is up to date; nothing to do")
        return _failed_share(output_dir, cfg.run.max_failed_share)
    from pipeline.config import probe_rules

    probe_rules(cfg, config_path)  # a catastrophic rule fails here, not after hours of timeouts
    params: dict[str, object] = {"workers": args.workers, "detailed_summary": True}
    if args.scheduler_url:
        params["scheduler_url"] = args.scheduler_url
        # Stay while tasks of this batch are running on other workers (another run, another
        # machine), to take what follows them and to see the batch through; luigi.cfg may say otherwise.
        conf = luigi.configuration.get_config()
        if not conf.has_option("worker", "keep_alive"):
            conf.set("worker", "keep_alive", "true")
    else:
        params["local_scheduler"] = True
    if not args.verbose:
        params["log_level"] = "WARNING"
        logging.getLogger("luigi-interface").setLevel(logging.WARNING)
    from pipeline.tasks import SchedulerFactory

    def build(task: luigi.Task) -> bool:
        result = luigi.build([task], worker_scheduler_factory=SchedulerFactory(), **params)
        # Through luigid other workers may have run some of this run's tasks, which Luigi
        # reports as "not run" here although nothing is missing: what counts is the output.
        ok = result.status in (luigi.LuigiStatusCode.SUCCESS, luigi.LuigiStatusCode.SUCCESS_WITH_RETRY) or (
            args.scheduler_url and result.status == luigi.LuigiStatusCode.NOT_RUN)
        if not ok or not task.complete():
            print(f"newsclean: run failed ({result.status.name}); see the summary above", file=sys.stderr)
            print(result.summary_text, file=sys.stderr)
            return False
        return True

    common = {"input_dir": str(input_dir), "config_path": str(config_path)}
    # Phase one: decode, repair and count recurring lines in every shard. Its result decides
    # which shards' later stages a new file affects, so the graph of phase two depends on it.
    linefreq = LineFrequency(work=str(work), shards=shards, **common)
    if not build(linefreq):
        return EXIT_TASK_FAILED
    tags = line_tags(linefreq.output().path)
    task = RunPipeline(output_dir=str(output_dir), shards=[(s, m, tags.get(str(s), "")) for s, m in shards],
                       run_key=run_key, linefreq=linefreq.output().path, dedup_engine=args.dedup_engine,
                       spark_master=args.spark_master, index=index, **common)
    if not build(task):
        return EXIT_TASK_FAILED
    print(f"newsclean: {len(files)} input files -> {output_dir}")
    return _failed_share(output_dir, cfg.run.max_failed_share)


def _failed_share(output_dir: Path, limit: float) -> int:
    """EXIT_TOO_MANY_FAILED, with a message, when more than `limit` of the corpus's documents
    were rejected for a timeout or a stage error (manifest.json's rejection counts)."""
    import json

    try:
        manifest = json.loads((output_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return EXIT_OK
    total = manifest.get("counts", {}).get("documents", 0)
    failed = {k: n for k, n in manifest.get("rejections", {}).items() if k == "timeout" or k.startswith("error in ")}
    if total and sum(failed.values()) > limit * total:
        what = ", ".join(f"{n} {k}" for k, n in sorted(failed.items()))
        print(f"newsclean: {sum(failed.values())} of {total} documents failed ({what}), more than "
              f"run.max_failed_share ({limit:g}); the corpus is written, but a rule or setting is likely "
              "broken: see documents.jsonl for the reasons", file=sys.stderr)
        return EXIT_TOO_MANY_FAILED
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from pipeline.config import load_config
    from pipeline.models import Doc
    from pipeline.stages import clean_document, removal_log

    cfg = load_config(args.config)
    try:
        raw = args.file.read_bytes()
    except OSError as exc:
        print(f"newsclean: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EXIT_INPUT
    recurring, ident = None, args.file.stem
    if args.batch:
        from pipeline.io import doc_id

        recurring = _batch_recurring(args.batch, cfg)
        try:  # the id (and so the source) the file has inside its batch
            ident = doc_id(args.file.resolve().relative_to(args.batch.resolve()).as_posix())
        except ValueError:
            pass
    doc = clean_document(Doc(id=ident, source=str(args.file), sha256="", size=len(raw)), raw, cfg, recurring)
    print(f"{args.file}: {doc.status}" + (f" ({doc.reason})" if doc.reason else ""))
    for flag in doc.flags:
        print(f"flag: {flag}" + ("  (removals exceeded the [boilerplate] share limits: kept whole)"
                                 if flag == "review:boilerplate-share" else ""))
    if doc.title:
        print(f"title: {doc.title}")
    reasons = {r.rule_id: r.reason for r in cfg.boilerplate.rules}
    for r in removal_log(doc):
        why = f"  ({reasons[r.rule]})" if r.rule in reasons else ""
        print(f"  - [{r.stage} {r.rule}] @{r.start}-{r.end}: {r.text}{why}")
    for e in doc.edits:
        print(f"  ~ [{e.stage} {e.rule}] @{e.start}-{e.end}: {e.before!r} -> {e.after!r}")
    return EXIT_OK


def _batch_recurring(folder: Path, cfg):  # -> dict[str, list[str]]
    """The recurring-line keys of a folder of documents, as the LineFrequency task finds them."""
    from pipeline.clean.boilerplate import freq_settings
    from pipeline.clean.linefreq import merge_counts, recurring_keys, shard_counts
    from pipeline.io import scan_inputs
    from pipeline.models import KEPT, Doc
    from pipeline.stages import STAGES, decode, run_stage

    docs = []
    for f in scan_inputs(folder.resolve()):
        if f.problem:
            continue
        doc = decode(Doc(id=f.id, source=f.relpath, sha256="", size=f.size), (folder / f.relpath).read_bytes(), cfg)
        for stage in STAGES[: [s.name for s in STAGES].index("boilerplate")]:
            doc = run_stage(stage, doc, cfg)
        if doc.status == KEPT:
            docs.append((doc.id, doc.lines))
    settings = freq_settings(cfg.boilerplate)
    return recurring_keys(merge_counts([shard_counts(docs, settings)]), settings.min_stories)


def _open_corpus(folder: Path):  # -> pipeline.reader.Corpus | None
    from pipeline.reader import Corpus, CorpusError

    try:
        return Corpus(folder)
    except CorpusError as exc:
        print(f"newsclean: {exc}; pass the folder given to `run --output` as --corpus", file=sys.stderr)
        return None


def cmd_show(args: argparse.Namespace) -> int:
    import difflib

    from pipeline.report.show import render_article, render_document

    corpus = _open_corpus(args.corpus)
    if corpus is None:
        return EXIT_INPUT
    try:
        doc = corpus.document(args.id)
    except KeyError:
        near = difflib.get_close_matches(args.id, corpus.ids(), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        print(f"newsclean: no document {args.id!r} in {args.corpus}{hint}", file=sys.stderr)
        return EXIT_CONFIG
    if doc.status != "kept":
        sys.stdout.write(render_document(doc))
        return EXIT_OK
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    sys.stdout.write(render_article(corpus.article(args.id), color=color))
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from pipeline.report.stats import render_stats

    corpus = _open_corpus(args.corpus)
    if corpus is None:
        return EXIT_INPUT
    print(f"corpus: {args.corpus}\n")
    sys.stdout.write(render_stats(corpus.manifest))
    return EXIT_OK

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
import json
import logging
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.runlock import WRITE_PROBE_PREFIX

if TYPE_CHECKING:
    from pipeline.failures import Failures

EXIT_OK, EXIT_TASK_FAILED, EXIT_CONFIG, EXIT_INPUT, EXIT_OUTPUT = 0, 1, 2, 3, 4
EXIT_TOO_MANY_FAILED = 5
EXIT_DISK_FULL = 6
EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM: what `timeout`, systemd and kill send


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception in the main process so that a run unwinds as on Ctrl-C:
    open temporary files are removed on the way out, finished outputs stay."""


_IN_UNRAISABLE_HOOK = threading.local()


def _on_sigterm(_signum: int, _frame: object, main_pid: int = os.getpid()) -> None:
    if os.getpid() != main_pid:  # a Luigi task process: die at once; the main process sweeps
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    if getattr(_IN_UNRAISABLE_HOOK, "active", False):
        _send_sigterm_soon()
        return
    raise Terminated


def _send_sigterm_soon() -> None:
    timer = threading.Timer(0.01, os.kill, (os.getpid(), signal.SIGTERM))
    timer.daemon = True
    timer.start()


def _redeliver_swallowed_sigterm(hook: object = sys.unraisablehook) -> None:
    """Python swallows an exception raised where it cannot propagate (an at-fork callback such
    as logging's lock release, a finaliser, a gc callback) and only prints it: a SIGTERM that
    lands there would leave the run going. So such a Terminated sends the signal again 10 ms
    later, from a timer thread, and the handler raises it at an ordinary line of Python."""

    def unraisable(info: object) -> None:
        _IN_UNRAISABLE_HOOK.active = True  # a SIGTERM raised in here would be swallowed too
        try:
            if isinstance(getattr(info, "exc_value", None), Terminated):
                _send_sigterm_soon()
            else:
                hook(info)  # type: ignore[operator]
        finally:
            _IN_UNRAISABLE_HOOK.active = False

    sys.unraisablehook = unraisable

EPILOG = """\
examples:
  python -m pipeline run --input seeds --output data/seeds
  newsclean run --input /srv/scrapes/2026-11-21 --output /srv/corpus --workers 2
  newsclean run --input in --output out --config my-pipeline.toml
  newsclean explain seeds/000_2cb9e80f71fff0a9.txt
  newsclean show 000_2cb9e80f71fff0a9 --corpus data/seeds
  newsclean stats --corpus data/seeds --json
  newsclean gc --corpus data/seeds
  newsclean --version

exit codes: 0 ok, 1 a task failed, 2 usage or configuration error, 3 input folder unusable,
4 output folder not writable or not a corpus, 5 too many documents failed, 6 disk full
"""


def _paragraphs(*texts: str) -> str:
    """Help text paragraphs wrapped to 88 columns (RawDescriptionHelpFormatter keeps examples as written)."""
    import textwrap

    return "\n\n".join(textwrap.fill(t, 88) for t in texts)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="newsclean",
        description="Clean and deduplicate scraped news articles.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=_version())
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser(
        "run",
        help="clean a folder of articles into a canonical corpus",
        description="Clean every file below --input and write the corpus to --output.",
        epilog="examples:\n  python -m pipeline run --input seeds --output data/seeds --workers 2\n"
        "  newsclean run --input /srv/scrapes --output /srv/corpus --quiet --gc   # from cron\n\n"
        "exit codes: 0 ok, 1 a task failed, 2 configuration error, 3 input unusable, 4 output not writable "
        "or not a corpus, 5 too many documents failed, 6 disk full, 143 terminated (SIGTERM)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--input", required=True, type=Path, help="folder of raw article files (read only)")
    run.add_argument("--output", required=True, type=Path, help="folder for the corpus (created if missing)")
    run.add_argument("--config", type=Path, default=None, help="pipeline TOML (default: config/pipeline.toml)")
    run.add_argument("--workers", type=int, default=None,
                     help="parallel Luigi workers (default: the CPUs this process may use, at most "
                          f"{MAX_DEFAULT_WORKERS}; 1 runs every task in this process)")
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
    run.add_argument("--verify", action="store_true",
                     help="read every input file to see whether it changed, instead of trusting unchanged "
                     "size, times and inode (for inputs restored from a backup or on a file system whose "
                     "times cannot be trusted)")
    run.add_argument("--gc", action="store_true",
                     help="after a successful run, remove the work files it does not use (see `gc`)")
    talk = run.add_mutually_exclusive_group()
    talk.add_argument("-q", "--quiet", action="store_true",
                      help="print nothing but errors: no progress, no summary (for scripts)")
    talk.add_argument("-v", dest="verbosity", action="count", default=0,
                      help="-v: also a line per finished task; -vv: Luigi's own debug log as well")
    talk.add_argument("--verbose", dest="verbosity", action="store_const", const=2, help="the same as -vv")
    run.add_argument("--force", action="store_true",
                     help="write into a non-empty --output that is not a newsclean corpus, or read an --input "
                     "inside --output (newsclean still replaces and removes only files it wrote itself)")
    ex = sub.add_parser(
        "explain",
        help="show what cleaning removes from one file, and which rule removed it",
        description=_paragraphs(
            "Clean one input file as `run` would and list every removed line with the rule that removed it "
            "(and the rule's reason), every in-place encoding fix, the title and the flags.",
            "Like `run`, it removes lines that recur across the batch's stories (corpus.recurring-line). "
            "Which batch: with --corpus, the batch of the run that wrote that corpus (its recorded line "
            "counts in .work, instantly, with its configuration); with --batch DIR, DIR's files are "
            "counted; otherwise the file's own folder is counted, as `run --input` on that folder would. "
            "--no-batch cleans the file on its own."),
        epilog="examples:\n"
        "  newsclean explain seeds/000_2cb9e80f71fff0a9.txt\n"
        "  newsclean explain /srv/scrapes/site/story.txt --corpus /srv/corpus   # as that run did\n"
        "  newsclean explain story.txt --batch /srv/scrapes --json | jq '.removed[].rule'\n\n"
        "exit codes: 0 ok, 2 configuration error, 3 file, batch or corpus unusable",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ex.add_argument("file", type=Path, help="the input file (read only)")
    ex.add_argument("--config", type=Path, default=None,
                    help="pipeline TOML (default: the corpus's with --corpus, else config/pipeline.toml)")
    which = ex.add_mutually_exclusive_group()
    which.add_argument("--corpus", type=Path, default=None, metavar="DIR",
                       help="a corpus written by `run --output`: use that run's batch-recurring lines")
    which.add_argument("--batch", type=Path, default=None, metavar="DIR",
                       help="count batch-recurring lines over this folder (default: the file's folder)")
    which.add_argument("--no-batch", action="store_true",
                       help="remove no batch-recurring lines (the file cleaned on its own)")
    ex.add_argument("--json", action="store_true", help="print one JSON object instead of the listing")
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
    sh.add_argument("--json", action="store_true",
                    help='print {"document": its documents.jsonl row, "article": its articles.jsonl row '
                    '(a duplicate: its own cleaned text, same fields; rejected: null)} instead')
    gc = sub.add_parser(
        "gc",
        help="remove work files no configuration of the corpus's last run reads",
        description=_paragraphs(
            "Remove from the corpus's .work folder every intermediate file that the run that wrote the "
            "corpus did not read or write: outputs of earlier settings, of shards whose files have "
            "changed since, and of earlier input folders. What stays is exactly what that run used, so "
            "rerunning it still does no work. Waits for a run writing to the same folder.",
            "`run --gc` does the same at the end of a successful run."),
        epilog="examples:\n  newsclean gc --corpus /srv/corpus\n  newsclean gc --corpus /srv/corpus --dry-run\n\n"
        "exit codes: 0 ok, 3 not a corpus, or no record of its last run",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gc.add_argument("--corpus", type=Path, default=Path("data/seeds"), help=corpus_help)
    gc.add_argument("--dry-run", action="store_true", help="say what would be removed, remove nothing")
    st = sub.add_parser(
        "stats",
        help="print a corpus manifest as tables",
        description="Documents per status, removals per stage and rule (lines, characters and words "
        "removed), rejections, flags and versions of a corpus, from its manifest.json.",
        epilog="examples:\n  newsclean stats --corpus data/seeds\n"
        "  newsclean stats --corpus data/seeds --json | jq '.manifest.removed_text.boilerplate'\n\n"
        "exit codes: 0 ok, 3 corpus folder unusable",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    st.add_argument("--corpus", type=Path, default=Path("data/seeds"), help=corpus_help)
    st.add_argument("--json", action="store_true",
                    help='print {"corpus", "manifest": manifest.json, "seconds_per_stage": from run.json} instead')
    return p


def _version() -> str:
    import platform
    from importlib.metadata import PackageNotFoundError, version

    from pipeline import __version__

    try:
        luigi_version = version("luigi")
    except PackageNotFoundError:
        luigi_version = "not installed"
    return f"newsclean {__version__} (Python {platform.python_version()}, luigi {luigi_version})"


def main(argv: list[str] | None = None) -> int:
    # File names may hold bytes that are not UTF-8; print them escaped rather than crash on them.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    from pipeline.config import ConfigError

    if threading_main():
        signal.signal(signal.SIGTERM, _on_sigterm)
        _redeliver_swallowed_sigterm()

    try:
        if args.command == "run":
            args.started = time.monotonic()
            return cmd_run(args)
        if args.command == "explain":
            return cmd_explain(args)
        if args.command == "show":
            return cmd_show(args)
        if args.command == "stats":
            return cmd_stats(args)
        if args.command == "gc":
            return cmd_gc(args)
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
    except BrokenPipeError:  # `newsclean show ... | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
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


# Each worker is a process holding a shard's documents (a few hundred MB at most); past 8 the
# corpus-level steps, which run in one process, dominate anyway.
MAX_DEFAULT_WORKERS = 8


def default_workers() -> int:
    """The CPUs this process may run on (its affinity mask, which containers and `taskset`
    narrow; os.cpu_count() would count the whole machine), at most MAX_DEFAULT_WORKERS."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_DEFAULT_WORKERS))


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.config import DEFAULT_CONFIG, load_config
    from pipeline.io import InputError, scan_inputs

    config_path = _resolve(args.config or DEFAULT_CONFIG)
    if isinstance(config_path, str):
        print(f"newsclean: configuration error: {config_path}", file=sys.stderr)
        return EXIT_CONFIG
    cfg = load_config(config_path)
    if args.workers is None:
        args.workers = default_workers()
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
                _stop_task_processes()  # a task process still writing would race the sweep
                if not args.scheduler_url:  # the lock is ours alone: no other run is writing
                    from pipeline.runlock import sweep_temp_files

                    sweep_temp_files(output_dir)
                raise
    except OSError as exc:  # the plan or lock could not be written (disk full, folder removed)
        from pipeline.failures import is_no_space

        if is_no_space(exc):
            print(_disk_full_message(output_dir), file=sys.stderr)
            return EXIT_DISK_FULL
        print(f"newsclean: cannot write to output folder {output_dir}: {exc.strerror or exc}"
              f"{f' ({exc.filename})' if exc.filename else ''}", file=sys.stderr)
        return EXIT_OUTPUT


def _stop_task_processes(grace: float = 10.0) -> None:
    """End Luigi's task processes and wait for them. Luigi sends them SIGTERM on the way out but
    does not wait; one busy in a C call can still be writing when the main process sweeps its
    temporary files (it then fails on a vanished file and logs a traceback)."""
    import multiprocessing

    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    deadline = time.monotonic() + grace
    for child in children:
        child.join(max(0.0, deadline - time.monotonic()))
        if child.is_alive():
            child.kill()
            child.join(1.0)


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

    from pipeline.filedigest import with_digests
    from pipeline.io import digest
    from pipeline.tasks import CODE_VERSION, corpus_current, write_plan

    work = output_dir / ".work"
    files, _read = with_digests(input_dir, files, work, verify=args.verify)
    shards = write_plan(files, work, cfg.run.shards)
    index, index_key = _signature_store(args, cfg, output_dir)
    if index_key is None:
        return EXIT_CONFIG
    run_key = digest([cfg.fingerprint(), CODE_VERSION, shards, str(input_dir), index, index_key])
    if corpus_current(str(output_dir), run_key, index):
        if not args.quiet:
            print(f"newsclean: {output_dir} is up to date; nothing to do")
        code = EXIT_OK
        if args.gc and not args.scheduler_url:
            code = _collect(output_dir, dry_run=False, say=(lambda _m: None) if args.quiet else print)
        return code if code != EXIT_OK else _failed_share(output_dir, cfg.run.max_failed_share)
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
        # ...but not for ever on one look at the graph: a task whose output a killed worker
        # wrote just before it died stays pending in luigid with nobody to run it (this run saw
        # it complete, so never offered to). After a minute with nothing to do the worker
        # stops and the build below asks again, seeing the outputs as they are now.
        if not conf.has_option("worker", "max_keep_alive_idle_duration"):
            conf.set("worker", "max_keep_alive_idle_duration", f"{LUIGID_IDLE_SECONDS} seconds")
    else:
        params["local_scheduler"] = True
    if args.verbosity < 2:  # Luigi's own log (3,000 lines for 160 documents) only with -vv
        level = logging.ERROR if args.quiet else logging.WARNING
        params["log_level"] = logging.getLevelName(level)
        logging.getLogger("luigi-interface").setLevel(level)
    from pipeline.io import shard_of
    from pipeline.progress import LogToProgress, Progress, mode_for
    from pipeline.tasks import SchedulerFactory

    shard_docs: dict[int, int] = {}
    for f in files:
        shard_docs[shard_of(f.id, cfg.run.shards)] = shard_docs.get(shard_of(f.id, cfg.run.shards), 0) + 1
    progress = Progress(mode_for(args.quiet, sys.stderr), len(files), shard_docs)
    if args.verbosity >= 1:
        handler = LogToProgress(progress)
        handler.setFormatter(logging.Formatter("newsclean: %(message)s"))
        logging.getLogger("newsclean").addHandler(handler)
        logging.getLogger("newsclean").setLevel(logging.INFO)

    from pipeline.failures import Failures, quiet_when_disk_full

    failures = Failures()

    class Factory(SchedulerFactory):  # every scheduler of this run reports to `progress` and `failures`
        def create_local_scheduler(self) -> luigi.scheduler.Scheduler:
            return failures.wrap(progress.wrap(super().create_local_scheduler()))

        def create_remote_scheduler(self, url: str) -> luigi.rpc.RemoteScheduler:
            return failures.wrap(progress.wrap(super().create_remote_scheduler(url)))

    with progress, quiet_when_disk_full():  # the live lines end before the summary is printed
        code = _build_both(args, input_dir, output_dir, config_path, work, shards, run_key, index, params, Factory,
                           failures)
    if code == EXIT_OK and args.gc and not args.scheduler_url:  # luigid runs share the folder: gc by hand
        code = _collect(output_dir, dry_run=False, say=(lambda _m: None) if args.quiet else print)
    if code == EXIT_OK and not args.quiet:
        from pipeline.progress import summary

        manifest = json.loads((output_dir / "manifest.json").read_text(encoding="utf-8"))
        print(summary(manifest, str(output_dir), time.monotonic() - args.started))
    if code == EXIT_OK:
        code = _failed_share(output_dir, cfg.run.max_failed_share)
    return code


def _build_both(args: argparse.Namespace, input_dir: Path, output_dir: Path, config_path: Path, work: Path,
                shards: list, run_key: str, index: str, params: dict[str, object], factory: type,
                failures: Failures) -> int:
    """Phase one (line counts), then the rest; EXIT_OK, EXIT_DISK_FULL or EXIT_TASK_FAILED."""
    import luigi

    from pipeline.tasks import LineFrequency, RunPipeline, line_tags

    def build(task: luigi.Task) -> bool:
        for _round in range(LUIGID_ROUNDS if args.scheduler_url else 1):
            result = luigi.build([task], worker_scheduler_factory=factory(), **params)
            # Through luigid other workers may have run some of this run's tasks, which Luigi
            # reports as "not run" here although nothing is missing: what counts is the output.
            ok = result.status in (luigi.LuigiStatusCode.SUCCESS, luigi.LuigiStatusCode.SUCCESS_WITH_RETRY) or (
                args.scheduler_url and result.status == luigi.LuigiStatusCode.NOT_RUN)
            if not ok or task.complete() or failures.explanations:
                break
            if not args.quiet:  # idle for a while with the batch unfinished: look at the graph again
                print("newsclean: the batch is not finished and nothing is left for this worker; "
                      "asking the scheduler again", file=sys.stderr)
        if not ok or not task.complete():
            if failures.disk_full:
                print(_disk_full_message(output_dir), file=sys.stderr)
            else:
                print(f"newsclean: run failed ({result.status.name}); see the summary above", file=sys.stderr)
                print(result.summary_text, file=sys.stderr)
            return False
        return True

    def failed() -> int:
        return EXIT_DISK_FULL if failures.disk_full else EXIT_TASK_FAILED

    common = {"input_dir": str(input_dir), "config_path": str(config_path)}
    # Phase one: decode, repair and count recurring lines in every shard. Its result decides
    # which shards' later stages a new file affects, so the graph of phase two depends on it.
    linefreq = LineFrequency(work=str(work), shards=shards, **common)
    if not build(linefreq):
        return failed()
    tags = line_tags(linefreq.output().path)
    task = RunPipeline(output_dir=str(output_dir), shards=[(s, m, tags.get(str(s), "")) for s, m in shards],
                       run_key=run_key, linefreq=linefreq.output().path, dedup_engine=args.dedup_engine,
                       spark_master=args.spark_master, index=index, **common)
    if not build(task):
        return failed()
    return EXIT_OK


# Through luigid: how long a worker with nothing to do waits before it looks at the graph again,
# and how many times (about an hour in all) before the run gives up on an unfinished batch.
LUIGID_IDLE_SECONDS = 60
LUIGID_ROUNDS = 60


def _disk_full_message(output_dir: Path) -> str:
    import shutil

    try:
        free = f"{shutil.disk_usage(output_dir).free / 2**20:.1f} MB free"
    except OSError:
        free = "free space unknown"
    return (f"newsclean: disk full writing to {output_dir} ({free}); free space and run again: the work "
            "finished so far is kept and reused")


def _failed_share(output_dir: Path, limit: float) -> int:
    """EXIT_TOO_MANY_FAILED, with a message, when more than `limit` of the corpus's documents
    were rejected for a timeout or a stage error (manifest.json's rejection counts)."""
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
    from pipeline.io import doc_id
    from pipeline.models import Doc
    from pipeline.stages import clean_document, removal_log

    run = None
    if args.corpus is not None:
        from pipeline import lastrun

        run = lastrun.load(args.corpus)
        if run is None:
            print(f"newsclean: {args.corpus} has no record of the run that wrote it (no manifest.json, or its "
                  ".work folder was removed); pass the folder given to `run --output`, or use --batch",
                  file=sys.stderr)
            return EXIT_INPUT
    cfg = load_config(args.config or (Path(run["config_path"]) if run else None))
    try:
        raw = args.file.read_bytes()
    except OSError as exc:
        print(f"newsclean: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EXIT_INPUT
    # The batch whose recurring lines a `run` would remove: the corpus's own run, the folder
    # given, or the file's own folder (as `run --input` on that folder would count them).
    recurring, batch, how = None, None, "none (--no-batch)"
    if run is not None:
        recurring, batch = lastrun.recurring_lines(args.corpus), Path(run["input_dir"])
        how = f"the run that wrote {args.corpus} (its .work line counts)"
        if recurring is None:
            print(f"newsclean: the line counts of {args.corpus}'s run are gone from its .work folder; "
                  "use --batch", file=sys.stderr)
            return EXIT_INPUT
    elif not args.no_batch:
        from pipeline.io import InputError

        batch = args.batch or args.file.parent
        try:
            recurring = _batch_recurring(batch, cfg)
        except (InputError, OSError) as exc:
            print(f"newsclean: cannot count the batch's recurring lines: {exc}", file=sys.stderr)
            return EXIT_INPUT
        how = f"counted over {batch}" + ("" if args.batch else " (the file's folder; see --batch, --corpus)")
    ident = args.file.stem
    if batch is not None:
        try:  # the id (and so the source) the file has inside its batch
            ident = doc_id(args.file.resolve().relative_to(batch.resolve()).as_posix())
        except ValueError:
            pass
    doc = clean_document(Doc(id=ident, source=str(args.file), sha256="", size=len(raw)), raw, cfg, recurring)
    reasons = {r.rule_id: r.reason for r in cfg.boilerplate.rules}
    removed = removal_log(doc)
    if args.json:
        return _print_json({
            "file": str(args.file), "id": ident, "status": doc.status, "reason": doc.reason,
            "flags": sorted(doc.flags), "title": doc.title, "text": doc.text(), "recurring_lines": how,
            "removed": [{"stage": r.stage, "rule": r.rule, "text": r.text, "start": r.start, "end": r.end,
                         "why": reasons.get(r.rule)} for r in removed],
            "edits": [{"stage": e.stage, "rule": e.rule, "start": e.start, "end": e.end, "before": e.before,
                       "after": e.after} for e in doc.edits]})
    print(f"{args.file}: {doc.status}" + (f" ({doc.reason})" if doc.reason else ""))
    print(f"batch-recurring lines: {how}")
    for flag in doc.flags:
        print(f"flag: {flag}" + ("  (removals exceeded the [boilerplate] share limits: kept whole)"
                                 if flag == "review:boilerplate-share" else ""))
    if doc.title:
        print(f"title: {doc.title}")
    for r in removed:
        why = f"  ({reasons[r.rule]})" if r.rule in reasons else ""
        if r.detail and "score" in r.detail:  # the line model: its score and the inputs that weighed most
            why = f"  (junk score {r.detail['score']}: " + ", ".join(
                f"{i['input']}={i['value']:g} ({i['weight']:+.2f})" for i in r.detail.get("inputs", [])) + ")"
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

    from pipeline.report.show import render_article, render_document, render_duplicate

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
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    if doc.status == "kept":
        art = corpus.article(args.id)
        if args.json:
            return _print_json({"document": doc.record, "article": art.record,
                                "duplicates": [d.record for d in art.duplicates]})
        sys.stdout.write(render_article(art, color=color))
    elif doc.status == "duplicate":
        own = _own_text(args.corpus, doc.id)
        if args.json:
            return _print_json({"document": doc.record, "article": own.record if own else None})
        sys.stdout.write(render_duplicate(doc, own, _show_command(args.corpus, doc.duplicate_of or "", corpus),
                                          color=color))
    elif args.json:
        return _print_json({"document": doc.record, "article": None})
    else:
        sys.stdout.write(render_document(doc))
    return EXIT_OK


def _own_text(folder: Path, doc_id: str):  # -> pipeline.reader.Article | None
    """A duplicate's text as the run cleaned it, from the run's work files (see lastrun)."""
    from pipeline import lastrun
    from pipeline.corpus import article_record
    from pipeline.reader import Article
    from pipeline.report.spans import span_record

    doc = lastrun.cleaned(folder, doc_id)
    if doc is None:
        return None
    rec = article_record(doc)
    rec.pop("clean_file", None)  # a duplicate has no clean/ file
    return Article.from_record(rec, spans=span_record(doc))


def _show_command(folder: Path, target: str, corpus: object) -> str:
    """The `show` command for a duplicate's kept article, ready to copy: in this corpus, or in
    an earlier batch's (`FOLDER#ID`, a signature-store match)."""
    import shlex

    if "#" in target and target.split("#", 1)[0].startswith("/"):
        earlier, _, ident = target.partition("#")
        try:
            corpus.document(target)  # an id that merely contains "#" (id collisions do)
        except KeyError:
            folder, target = Path(earlier), ident
    return f"newsclean show {shlex.quote(target)} --corpus {shlex.quote(str(folder))}"


def _print_json(obj: object) -> int:
    print(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True))
    return EXIT_OK


def cmd_gc(args: argparse.Namespace) -> int:
    from pipeline.runlock import output_lock

    if _open_corpus(args.corpus) is None:
        return EXIT_INPUT
    folder = args.corpus.resolve()
    try:
        with output_lock(folder, shared=False, say=lambda m: print(m, file=sys.stderr)):
            return _collect(folder, dry_run=args.dry_run, say=print)
    except OSError as exc:
        print(f"newsclean: cannot clean {folder / '.work'}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_OUTPUT


def _collect(folder: Path, dry_run: bool, say) -> int:  # say: Callable[[str], None]
    """Remove what the corpus's current run does not use from its .work (the lock is held)."""
    from pipeline import gc, lastrun

    run = lastrun.load(folder)
    if run is None:
        print(f"newsclean: {folder} has no record of the run that wrote it (a corpus written by an older "
              "newsclean); run `newsclean run` on it once, then gc", file=sys.stderr)
        return EXIT_INPUT
    done = gc.collect(folder, run["keep"], dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    say(f"newsclean: {verb} {done.removed_files} work files ({done.removed_bytes / 1e6:.1f} MB); kept "
        f"{done.kept_files} ({done.kept_bytes / 1e6:.1f} MB) that the current run reads")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from pipeline.report.stats import render_stats

    corpus = _open_corpus(args.corpus)
    if corpus is None:
        return EXIT_INPUT
    if args.json:
        try:
            timings = json.loads((args.corpus / "run.json").read_text(encoding="utf-8")).get("seconds_per_stage")
        except (OSError, ValueError):
            timings = None
        return _print_json({"corpus": str(args.corpus), "manifest": corpus.manifest, "seconds_per_stage": timings})
    print(f"corpus: {args.corpus}\n")
    sys.stdout.write(render_stats(corpus.manifest))
    return EXIT_OK

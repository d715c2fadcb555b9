"""Command line: a thin layer over the library.

Exit codes (also in the README):
  0  success
  1  a task failed (Luigi itself would report 0 here; we do not)
  2  bad usage or configuration (the message names the file, key and line)
  3  the input folder cannot be used
  4  the output folder cannot be written
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

EXIT_OK, EXIT_TASK_FAILED, EXIT_CONFIG, EXIT_INPUT, EXIT_OUTPUT = 0, 1, 2, 3, 4

EPILOG = """\
examples:
  python -m pipeline run --input seeds --output data/seeds
  newsclean run --input /srv/scrapes/2026-11-21 --output /srv/corpus --workers 2
  newsclean run --input in --output out --config my-pipeline.toml
  newsclean explain seeds/000_2cb9e80f71fff0a9.txt

exit codes: 0 ok, 1 a task failed, 2 usage or configuration error, 3 input folder unusable,
4 output folder not writable
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
        "exit codes: 0 ok, 1 a task failed, 2 configuration error, 3 input unusable, 4 output not writable",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--input", required=True, type=Path, help="folder of raw article files (read only)")
    run.add_argument("--output", required=True, type=Path, help="folder for the corpus (created if missing)")
    run.add_argument("--config", type=Path, default=None, help="pipeline TOML (default: config/pipeline.toml)")
    run.add_argument("--workers", type=int, default=1, help="parallel Luigi workers (default 1)")
    run.add_argument("--scheduler-url", default=None,
                     help="run through a central luigid at this URL instead of the local scheduler")
    run.add_argument("--verbose", action="store_true", help="show Luigi's own log")
    ex = sub.add_parser(
        "explain",
        help="show what cleaning removes from one file, and which rule removed it",
        epilog="example:\n  python -m pipeline explain seeds/000_2cb9e80f71fff0a9.txt",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ex.add_argument("file", type=Path)
    ex.add_argument("--config", type=Path, default=None)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from pipeline.config import ConfigError

    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command == "explain":
            return cmd_explain(args)
    except ConfigError as exc:
        print(f"newsclean: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return EXIT_CONFIG


def _check_output(out: Path) -> str | None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=out, prefix=".write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return f"output folder {out} is not writable ({exc.strerror}); choose another --output"
    return None


def cmd_run(args: argparse.Namespace) -> int:
    import luigi

    from pipeline.config import DEFAULT_CONFIG, load_config
    from pipeline.io import InputError, digest, scan_inputs
    from pipeline.tasks import CODE_VERSION, RunPipeline, write_plan

    config_path = (args.config or DEFAULT_CONFIG).resolve()
    cfg = load_config(config_path)
    if args.workers < 1:
        print("newsclean: --workers must be at least 1", file=sys.stderr)
        return EXIT_CONFIG
    input_dir = args.input.resolve()
    output_dir = args.output.resolve()
    try:
        files = scan_inputs(input_dir)
    except InputError as exc:
        print(f"newsclean: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if output_dir == input_dir or input_dir in output_dir.parents:
        print(f"newsclean: output folder {output_dir} is inside the input folder; raw input is never "
              "modified, so choose an --output outside --input", file=sys.stderr)
        return EXIT_OUTPUT
    problem = _check_output(output_dir)
    if problem:
        print(f"newsclean: {problem}", file=sys.stderr)
        return EXIT_OUTPUT
    work = output_dir / ".work"
    shards = write_plan(files, work, cfg.run.shards)
    run_key = digest([cfg.fingerprint(), CODE_VERSION, shards, str(input_dir)])
    task = RunPipeline(input_dir=str(input_dir), output_dir=str(output_dir), config_path=str(config_path),
                       shards=shards, run_key=run_key)
    if task.complete():
        print(f"newsclean: {output_dir} is up to date; nothing to do")
        return EXIT_OK
    params: dict[str, object] = {"workers": args.workers, "detailed_summary": True}
    if args.scheduler_url:
        params["scheduler_url"] = args.scheduler_url
    else:
        params["local_scheduler"] = True
    if not args.verbose:
        params["log_level"] = "WARNING"
        logging.getLogger("luigi-interface").setLevel(logging.WARNING)
    result = luigi.build([task], **params)
    ok = result.status in (luigi.LuigiStatusCode.SUCCESS, luigi.LuigiStatusCode.SUCCESS_WITH_RETRY)
    if not ok or not task.complete():
        print(f"newsclean: run failed ({result.status.name}); see the summary above", file=sys.stderr)
        print(result.summary_text, file=sys.stderr)
        return EXIT_TASK_FAILED
    print(f"newsclean: {len(files)} input files -> {output_dir}")
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
    doc = clean_document(Doc(id=args.file.stem, source=str(args.file), sha256="", size=len(raw)), raw, cfg)
    print(f"{args.file}: {doc.status}" + (f" ({doc.reason})" if doc.reason else ""))
    if doc.title:
        print(f"title: {doc.title}")
    for r in removal_log(doc):
        print(f"  - [{r.stage} {r.rule}] @{r.start}-{r.end}: {r.text}")
    for e in doc.edits:
        print(f"  ~ [{e.stage} {e.rule}] @{e.start}-{e.end}: {e.before!r} -> {e.after!r}")
    return EXIT_OK

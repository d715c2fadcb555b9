"""What a run shows while it works: documents done per stage, rate and time left.

Luigi runs each task in a worker process of its own when `--workers` is above one, so a task's
progress reports (`set_progress_percentage`, `set_status_message`) happen in a child process
whose copy of the local scheduler nobody reads. The scheduler this module hands to Luigi is
wrapped: in whichever process a task runs, its reports are also written as one short line to
a pipe opened before Luigi forks, and the CLI process reads them. Task starts (`get_work`) and
completions (`add_task` with DONE) are always called in the CLI process. A line is shorter than
PIPE_BUF, so lines from several workers never interleave; the write end is non-blocking, so a
task never waits for the display (a report that does not fit is dropped, the next one counts).

On a terminal, one live tqdm line per stage; otherwise (cron, a log file) a plain line per
stage every `INTERVAL` seconds and when the stage finishes; nothing at all when quiet.
"""

from __future__ import annotations

import logging
import os
import re
import select
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

import orjson

log = logging.getLogger("newsclean")

# Seconds between plain progress lines when the output is not a terminal (a cron log gets a
# line per stage every half minute, not a line per shard).
INTERVAL = 30.0
IDLE_NOTE_SECONDS = 60.0  # how often a worker kept alive through luigid says what it waits for
# Task families shown, in pipeline order, with the label of their line.
STAGES = {"Decode": "decode", "Encoding": "encoding", "LineCounts": "line counts", "Structure": "structure",
          "Boilerplate": "boilerplate",
          "Repeats": "repeats", "Signatures": "signatures", "Dedup": "duplicates", "SparkDedup": "duplicates",
          "WriteCorpus": "writing corpus"}
# Corpus-level tasks cover every document at once; the rest run per shard.
CORPUS_TASKS = frozenset({"Dedup", "SparkDedup", "WriteCorpus"})
FORMAT = "{desc}: {n_fmt}/{total_fmt} documents [{elapsed}<{remaining}, {rate_noinv_fmt}]"
BAR_FORMAT = "{desc:<15} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_noinv_fmt}]"
_FIRST_NUMBER = re.compile(r"(\d+) documents")


@dataclass
class _Stage:
    label: str
    total: int
    done: dict[str, int] = field(default_factory=dict)  # finished tasks -> documents
    partial: dict[str, int] = field(default_factory=dict)  # running tasks -> documents so far
    reused: int = 0  # documents whose output an earlier run left
    started: float | None = None
    finished: float | None = None
    last_line: float = 0.0
    bar: Any = None

    @property
    def count(self) -> int:
        return min(self.total, self.reused + sum(self.done.values()) + sum(self.partial.values()))


class Progress:
    """Collects task events and shows them; `mode` is "bars", "lines" or "off".

    `shard_docs` gives each shard's document count (shard tasks), `total` the batch's.
    """

    def __init__(self, mode: str, total: int, shard_docs: dict[int, int], stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.mode, self.total, self.shard_docs = mode, total, shard_docs
        self.stream = stream or sys.stderr
        self.clock = clock
        self.stages: dict[str, _Stage] = {}
        self.tasks: dict[str, tuple[str, int]] = {}  # task id -> (family, documents)
        self.seen: set[str] = set()
        self.lock = threading.RLock()
        self.pid = os.getpid()
        self._last_idle_note = -IDLE_NOTE_SECONDS
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the scheduler side (called by Luigi) -------------------------------------------------

    def wrap(self, scheduler: Any) -> Any:
        """Have `scheduler` (local or remote) report to this object as well."""
        add_task, get_work = scheduler.add_task, scheduler.get_work
        import luigi.scheduler

        remote = not isinstance(scheduler, luigi.scheduler.Scheduler)  # luigid: other workers exist
        set_pct, set_msg = scheduler.set_task_progress_percentage, scheduler.set_task_status_message
        fd = self._write

        def send(message: dict[str, Any]) -> None:
            try:
                os.write(fd, orjson.dumps(message)[:1000] + b"\n")
            except OSError:  # pipe full (display behind) or closed (run over): a report lost, not a task
                pass

        def add_task_(*args: Any, **kwargs: Any) -> Any:
            # In a task process (a Spark task reporting its tracking URL calls add_task) the
            # display is not ours, and its lock may have been held by our thread at the fork.
            if os.getpid() == self.pid:
                    self.task_event(kwargs.get("task_id", ""), kwargs.get("family") or "", kwargs.get("params") or {},
                                kwargs.get("status") or "")
            return add_task(*args, **kwargs)

        def get_work_(*args: Any, **kwargs: Any) -> Any:
            response = get_work(*args, **kwargs)
            if isinstance(response, dict) and os.getpid() == self.pid:
                if response.get("task_id"):
                    self.task_started(response["task_id"])
                elif remote:
                    self.idle(response)
            return response

        def set_pct_(task_id: str, percentage: Any) -> Any:
            send({"t": task_id, "p": percentage})
            return set_pct(task_id, percentage)

        def set_msg_(task_id: str, message: str) -> Any:
            send({"t": task_id, "m": message})
            return set_msg(task_id, message)

        scheduler.add_task, scheduler.get_work = add_task_, get_work_
        scheduler.set_task_progress_percentage, scheduler.set_task_status_message = set_pct_, set_msg_
        return scheduler

    def idle(self, response: dict[str, Any]) -> None:
        """No task for this worker now (through luigid): say what it waits for, once a minute
        at most, so a run kept alive by other workers' tasks is not a silent one."""
        if self.mode == "off" or not response.get("n_pending_tasks"):
            return
        now = self.clock()
        if now - self._last_idle_note < IDLE_NOTE_SECONDS:
            return
        self._last_idle_note = now
        running = [t.get("task_id", "") for t in response.get("running_tasks") or []
                   if str(t.get("pid")) != str(self.pid)]  # its own tasks run in its own task processes
        if running:
            names = ", ".join(sorted({r.split("_", 1)[0] for r in running}))
            self.write(f"newsclean: waiting for {len(running)} task(s) other workers are running ({names})")
        else:
            self.write(f"newsclean: waiting for {response['n_pending_tasks']} task(s) the scheduler holds back "
                       "(a failed task waits [scheduler] retry_delay; a dead worker's task waits "
                       "worker_disconnect_delay first)")

    def task_event(self, task_id: str, family: str, params: dict[str, Any], status: str) -> None:
        if family not in STAGES or not task_id:
            return
        with self.lock:
            if task_id not in self.tasks:
                docs = self.total if family in CORPUS_TASKS else self.shard_docs.get(int(params.get("shard", -1)), 0)
                self.tasks[task_id] = (family, docs)
            fam, docs = self.tasks[task_id]
            stage = self._stage(fam)
            first = task_id not in self.seen
            self.seen.add(task_id)
            if status == "DONE" and task_id not in stage.done:
                if first:  # complete before this run asked: an earlier run's output
                    stage.reused += docs
                else:
                    stage.partial.pop(task_id, None)
                    stage.done[task_id] = docs
                    log.info("%s%s done (%d documents)", STAGES[fam],
                             "" if fam in CORPUS_TASKS else f" shard {params.get('shard')}", docs)
                    self._maybe_finished(stage)

    def task_started(self, task_id: str) -> None:
        with self.lock:
            if task_id in self.tasks:
                stage = self._stage(self.tasks[task_id][0])
                if stage.started is None:
                    stage.started = self.clock()
                    self._open_bar(stage)

    def report(self, message: dict[str, Any]) -> None:
        """A progress report from a running task (possibly in another process)."""
        with self.lock:
            task_id = message.get("t")
            if task_id not in self.tasks:
                return
            fam, docs = self.tasks[task_id]
            stage = self._stage(fam)
            if task_id in stage.done:
                return
            if "p" in message:
                stage.partial[task_id] = int(docs * float(message["p"]) / 100)
            elif fam == "WriteCorpus" and (m := _FIRST_NUMBER.search(str(message.get("m", "")))):
                stage.partial[task_id] = int(m[1])

    # -- display -------------------------------------------------------------------------------

    def _stage(self, family: str) -> _Stage:
        label = STAGES[family]
        if label not in self.stages:
            self.stages[label] = _Stage(label, self.total)
        return self.stages[label]

    def _open_bar(self, stage: _Stage) -> None:
        if self.mode != "bars" or stage.bar is not None:
            return
        from tqdm import tqdm

        stage.bar = tqdm(total=stage.total, initial=stage.reused, desc=stage.label, unit=" docs",
                         bar_format=BAR_FORMAT, file=self.stream, position=sum(s.bar is not None for s in
                                                                              self.stages.values()),
                         leave=True, mininterval=0, ncols=_size(self.stream)[0], nrows=_size(self.stream)[1])

    def _line(self, stage: _Stage, now: float) -> str:
        from tqdm import tqdm

        elapsed = now - (stage.started if stage.started is not None else now)
        text = tqdm.format_meter(stage.count, stage.total, elapsed, prefix=stage.label, unit=" documents",
                                 initial=stage.reused, bar_format=FORMAT)
        return f"newsclean: {text}" + (f" ({stage.reused} reused)" if stage.reused else "")

    def _maybe_finished(self, stage: _Stage) -> None:
        if stage.finished is None and stage.count >= stage.total and stage.started is not None:
            stage.finished = self.clock()
            if self.mode == "lines":
                self._emit(self._line(stage, stage.finished))
            elif stage.bar is not None:
                self._update_bar(stage)

    def _update_bar(self, stage: _Stage) -> None:
        bar = stage.bar
        bar.n = stage.count
        if stage.finished is not None:  # the line keeps the stage's own time and rate once it is done
            end = bar.start_t + (stage.finished - stage.started)
            bar._time = lambda: end
        bar.refresh()

    def tick(self) -> None:
        """Refresh the display: live bars, or the periodic plain lines."""
        with self.lock:
            now = self.clock()
            for stage in self.stages.values():
                if stage.started is None or stage.finished is not None:
                    continue
                if self.mode == "bars" and stage.bar is not None:
                    self._update_bar(stage)
                elif self.mode == "lines" and now - max(stage.last_line, stage.started) >= INTERVAL:
                    stage.last_line = now
                    self._emit(self._line(stage, now))

    def _emit(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def write(self, text: str) -> None:
        """A log line that does not tear the live bars."""
        with self.lock:
            if self.mode == "bars" and any(s.bar is not None for s in self.stages.values()):
                from tqdm import tqdm

                tqdm.write(text, file=self.stream)
            else:
                self._emit(text)

    def _drain(self, timeout: float) -> None:
        ready, _, _ = select.select([self._read], [], [], timeout)
        if not ready:
            return
        data = os.read(self._read, 1 << 16)
        self._buffer = getattr(self, "_buffer", b"") + data
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            try:
                self.report(orjson.loads(line))
            except (orjson.JSONDecodeError, TypeError, ValueError):
                continue

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._drain(0.2)
            self.tick()

    def __enter__(self) -> Progress:
        if self.mode != "off":
            self._thread = threading.Thread(target=self._loop, name="newsclean-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self.lock:
            # tqdm moves the lines of the bars still open when one closes, so the live lines are
            # cleared (last first) and the stages' final lines printed in pipeline order.
            bars = sorted((s for s in self.stages.values() if s.bar is not None), key=lambda s: -s.bar.pos)
            for stage in bars:
                stage.bar.leave = False
                stage.bar.close()
            now = self.clock()
            order = list(dict.fromkeys(STAGES.values()))
            for stage in sorted(bars, key=lambda s: order.index(s.label)):
                self._emit(self._line(stage, stage.finished if stage.finished is not None else now))
        os.close(self._read)
        os.close(self._write)


class LogToProgress(logging.Handler):
    """Log records through `Progress.write`, so -v lines and live bars share the terminal."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.progress.write(self.format(record))
        except Exception:  # noqa: BLE001 - logging must never fail the run
            self.handleError(record)


def _size(stream: TextIO) -> tuple[int, int]:
    """The terminal's columns and lines; 100 x 50 where it reports none (a fresh pseudo-terminal
    says 0 x 0, and tqdm hides every line below the last row it believes there is)."""
    try:
        size = os.get_terminal_size(stream.fileno())
        return size.columns or 100, size.lines or 50
    except (AttributeError, OSError, ValueError):
        return 100, 50


def mode_for(quiet: bool, stream: TextIO) -> str:
    """ "off" when quiet, live "bars" on a terminal, plain "lines" otherwise (cron, log files)."""
    if quiet:
        return "off"
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return "bars" if tty and os.environ.get("TERM") != "dumb" else "lines"


def summary(manifest: dict[str, Any], output_dir: str, seconds: float) -> str:
    """The few lines printed after a run: what happened to the documents and where to look.

    >>> print(summary({"counts": {"documents": 5, "kept": 3, "duplicate": 1, "rejected": 1},
    ...                "rejections": {"binary": 1}, "flags": {"review:boilerplate-share": 1},
    ...                "removals": {"boilerplate": {"a": 4, "b": 1}, "repeats": {"repeated-block": 2}}},
    ...               "/srv/out", 3.25))
    newsclean: 5 documents in 3.2 s: 3 kept, 1 duplicate, 1 rejected (binary 1)
      flagged for review: 1 (review:boilerplate-share 1)
      removed: 7 lines (boilerplate 5, repeats 2)
      corpus: /srv/out/articles.jsonl (clean texts in /srv/out/clean/)
      review: /srv/out/report.html
    """
    c = manifest.get("counts", {})
    rej = manifest.get("rejections", {})
    head = (f"newsclean: {c.get('documents', 0)} documents in {seconds:.1f} s: {c.get('kept', 0)} kept, "
            f"{c.get('duplicate', 0)} duplicate, {c.get('rejected', 0)} rejected"
            + (f" ({', '.join(f'{k} {v}' for k, v in rej.items())})" if rej else ""))
    flags = manifest.get("flags", {})
    by_stage = {stage: sum(rules.values()) for stage, rules in manifest.get("removals", {}).items()}
    lines = [head,
             f"  flagged for review: {sum(flags.values())}"
             + (f" ({', '.join(f'{k} {v}' for k, v in flags.items())})" if flags else ""),
             f"  removed: {sum(by_stage.values())} lines"
             + (f" ({', '.join(f'{k} {v}' for k, v in by_stage.items())})" if by_stage else ""),
             f"  corpus: {output_dir}/articles.jsonl (clean texts in {output_dir}/clean/)",
             f"  review: {output_dir}/report.html"]
    return "\n".join(lines)

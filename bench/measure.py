"""Wall time and peak memory of a command's whole process tree, by polling /proc.

Luigi with several workers forks a process per task, so the peak of the tree is what a
machine must hold: the parent's resident set plus every live worker's at the same instant.
Summing resident sets counts copy-on-write pages shared after fork once per process, so the
figure is an upper bound; `getrusage(RUSAGE_CHILDREN)` is reported beside it as the largest
single process.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Measured:
    returncode: int
    seconds: float
    peak_tree_rss: int  # bytes, sum over the process tree at the worst poll
    peak_single_rss: int  # bytes, the largest single descendant (getrusage)
    cpu_seconds: float  # user + system time of the whole tree (all children waited for)
    stdout: str
    stderr: str


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # Fields after the command name (which may hold spaces) start after the last ")".
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants right now (0 once it is gone)."""
    kids = _children_map()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * _PAGE
        except OSError:
            pass
        stack.extend(kids.get(pid, ()))
    return total


def run_measured(cmd: list[str], cwd: Path | None = None, interval: float = 0.05) -> Measured:
    """Run `cmd` to completion, polling its tree's memory every `interval` seconds."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            done.wait(interval)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    poller.join()
    # ru_maxrss is in KiB on Linux and is a high-water mark over all children ever waited
    # for, so it is only meaningful when it rose during this command.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    single = usage.ru_maxrss * 1024 if usage.ru_maxrss > before else 0
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    return Measured(proc.returncode, seconds, max(peak, single), single, cpu, out, err)

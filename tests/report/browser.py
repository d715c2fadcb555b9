"""Drive a real headless Chromium (Debian's `chromium` package) for the report page tests.

`--dump-dom` prints the DOM after scripts ran (virtual time lets the page finish first), which
is what a person would see; `--screenshot` saves it as a PNG. Each call gets a fresh profile
and every background service that would reach the network is switched off.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--hide-scrollbars", "--mute-audio"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed, but CI must run the browser tests: .ci/run installs it "
                        "with apt-get install chromium")
        pytest.skip("chromium is not installed here (apt-get install chromium); .ci/run installs it in CI")
    return exe


def _run(args: list[str], timeout: int = 180) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="nc-chromium-") as profile:
        return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout, check=False)


def dump_dom(url: str, budget_ms: int = 10000) -> str:
    proc = _run([f"--virtual-time-budget={budget_ms}", "--dump-dom", url])
    if proc.returncode != 0 or "<html" not in proc.stdout:
        raise AssertionError(f"chromium failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout


def screenshot(url: str, name: str, size: tuple[int, int] = (1280, 1600)) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / name
    out.unlink(missing_ok=True)
    proc = _run(["--virtual-time-budget=10000", f"--window-size={size[0]},{size[1]}", f"--screenshot={out}", url])
    if proc.returncode != 0 or not out.exists():
        raise AssertionError(f"chromium screenshot failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return out


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        out = []
        for c in self.children:
            if isinstance(c, Node):
                if (tag is None or c.tag == tag) and all(_has(c, k, v) for k, v in attrs.items()):
                    out.append(c)
                out += c.find_all(tag, **attrs)
        return out


def _has(node: Node, key: str, value: str) -> bool:
    """class_="x" matches one of the classes; data_rule="x" matches the data-rule attribute."""
    if key == "class_":
        return value in node.attrs.get("class", "").split()
    return node.attrs.get(key.replace("_", "-")) == value


class _Tree(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    p = _Tree()
    p.feed(html)
    p.close()
    return p.root

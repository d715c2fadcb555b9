"""A real headless Chromium driven over the DevTools protocol (--remote-debugging-pipe): for
what --dump-dom cannot do, such as pressing keys, reading where the page scrolled to, timing
how long a page takes to be ready, and screenshots of a page after interaction. Stdlib only:
messages are JSON, each ended by a NUL byte, on the two pipes Chromium reads (fd 3) and writes (fd 4).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.report.browser import ARTIFACTS, FLAGS, chromium


class Page:
    def __init__(self, width: int = 1280, height: int = 900) -> None:
        to_chrome_r, self._w = os.pipe()
        self._r, from_chrome_w = os.pipe()
        self._profile = tempfile.mkdtemp(prefix="nc-cdp-")

        def fds() -> None:  # in the child: the pipes as fds 3 and 4, where Chromium expects them
            # Moved above 10 first: either pipe end may itself be fd 3 or 4.
            a = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [chromium(), *FLAGS, f"--user-data-dir={self._profile}", "--remote-debugging-pipe",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=fds, close_fds=False)  # noqa: PLW1509 - dup2 only, before exec
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._id = 0
        self.errors: list[str] = []  # uncaught exceptions in the page
        self.requests: list[str] = []  # every URL the page asked for
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self._session = self.call("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Network.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed its debugging pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = 120) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read_message(deadline)
            if answer.get("method") == "Runtime.exceptionThrown":
                self.errors.append(answer["params"]["exceptionDetails"].get("exception", {}).get("description", ""))
            if answer.get("method") == "Network.requestWillBeSent":
                self.requests.append(answer["params"]["request"]["url"])
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.call(method, params, self._session)

    def eval(self, expr: str) -> Any:
        res = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in res:
            raise RuntimeError(f"{expr}: {res['exceptionDetails']}")
        return res["result"].get("value")

    def wait(self, expr: str, timeout: float = 120) -> float:
        """Poll until `expr` is true; returns the seconds it took (a safety limit, not a target)."""
        t0 = time.monotonic()
        while not self.eval(expr):
            if time.monotonic() - t0 > timeout:
                raise TimeoutError(f"still false after {timeout} s: {expr}; page errors: {self.errors}")
            time.sleep(0.02)
        return time.monotonic() - t0

    def open(self, url: str, ready: str = "document.body && document.body.dataset.ready === '1'") -> float:
        """Load `url` from a blank page; seconds until the page says it is ready."""
        self.send("Page.navigate", {"url": "about:blank"})
        self.wait("location.href === 'about:blank'")
        t0 = time.monotonic()
        self.requests.clear()
        self.send("Page.navigate", {"url": url})
        self.wait(f"location.href === {json.dumps(url)} && !!document.body && ({ready})")
        return time.monotonic() - t0

    def loaded(self) -> list[str]:
        """File names the page requested since it was opened (read all events first)."""
        self.eval("1")
        return [u.rsplit("/", 1)[-1].split("#")[0] for u in self.requests]

    def go(self, fragment: str) -> None:
        """Follow an in-page link (a hash change), then wait for the view to be ready."""
        self.eval(f"document.body.removeAttribute('data-ready'); location.hash = {json.dumps(fragment)}; 1")
        self.wait("document.body.dataset.ready === '1'")

    def key(self, key: str) -> None:
        for kind in ("keyDown", "keyUp"):
            params = {"type": kind, "key": key, "code": key if len(key) > 1 else f"Key{key.upper()}",
                      "windowsVirtualKeyCode": {"Enter": 13, "Escape": 27}.get(key, ord(key.upper()[0]))}
            if kind == "keyDown" and len(key) == 1:
                params["text"] = key
            self.send("Input.dispatchKeyEvent", params)

    def screenshot(self, name: str, full: bool = False) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        out = ARTIFACTS / name
        res = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": full})
        out.write_bytes(base64.b64decode(res["data"]))
        return out

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._w)
        os.close(self._r)
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Page:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

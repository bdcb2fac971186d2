"""A small headless-Chromium driver for the book tests, over the DevTools protocol (CDP).

Standard library only. Chromium runs with ``--remote-debugging-pipe``: it reads commands on file
descriptor 3 and writes replies and events on descriptor 4, as NUL-terminated JSON. So there is
no debugging port and no WebSocket client.

The browser may talk to one origin only (the local server of the built book), and, when asked, read
one folder through file:// (the built book opened from disk). Every other request a page makes is
failed by request interception and recorded in ``Page.blocked``. As a second
line, the flags below make every host name but 127.0.0.1 unresolvable and send any other
traffic to a dead local proxy, so nothing can leave the machine.
"""

from __future__ import annotations

import base64
import fcntl
import functools
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-default-browser-check",
    "--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication",
    "--hide-scrollbars",
    "--mute-audio",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=127.0.0.1",
    "--remote-debugging-pipe",
]

VIEWPORTS = {  # name -> Emulation.setDeviceMetricsOverride parameters
    "desktop": {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
    "phone": {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
}


#: the keys ``Page.press`` knows: name -> (virtual key code, the text it types)
KEYS = {
    "ArrowLeft": (37, None),
    "ArrowUp": (38, None),
    "ArrowRight": (39, None),
    "ArrowDown": (40, None),
    " ": (32, " "),
}


class BrowserError(RuntimeError):
    """Chromium did not answer, answered with an error, or a wait timed out."""


class StaticServer:
    """Serve a directory on 127.0.0.1 at a random free port, in a background thread."""

    def __init__(self, directory: Path):
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the browser side records failures; keep pytest output clean
        pass


class Browser:
    """One Chromium process. ``send`` is thread-safe; events go to the Page that owns the session."""

    def __init__(
        self, allowed_origin: str, timeout: float = 30.0, allowed_folder: Path | None = None
    ):
        if not Path(CHROMIUM).exists():
            raise BrowserError(
                f"Chromium not found at {CHROMIUM}: run `make system-deps` "
                "(Debian: apt-get install chromium) or set CHROMIUM=/path/to/it"
            )
        self.allowed_origin = allowed_origin
        self.allowed = [allowed_origin + "/"]  # URL prefixes a page may load
        if allowed_folder is not None:
            self.allowed.append(Path(allowed_folder).resolve().as_uri() + "/")
        self.timeout = timeout
        self.profile = tempfile.TemporaryDirectory(prefix="nnbook-chromium-")
        self.log = open(Path(self.profile.name) / "stderr.log", "w+b")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire_pipes():  # in the child: CDP expects commands on fd 3 and replies on fd 4
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_child_r, from_child_w)]
            os.dup2(high[0], 3)  # via fds >= 10, so neither dup2 can clobber the other pipe
            os.dup2(high[1], 4)

        # close_fds=False keeps the dup2'ed 3 and 4 open; our own pipe fds are close-on-exec.
        self.proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={self.profile.name}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=self.log,
            preexec_fn=wire_pipes,
            close_fds=False,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._write_lock = threading.Lock()
        self._cond = threading.Condition()
        self._replies: dict[int, dict] = {}
        self._next_id = 0
        self._closed = False
        self.pages: dict[str, Page] = {}
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        try:
            self.send(
                "Target.setDiscoverTargets", {"discover": False}
            )  # fails fast if Chromium died
        except BrowserError:
            self.close()
            raise

    def _read_loop(self):
        buffer = b""
        while chunk := os.read(self._from_child, 1 << 16):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                self._dispatch(json.loads(raw))
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _dispatch(self, message: dict):
        if "id" in message:
            with self._cond:
                self._replies[message["id"]] = message
                self._cond.notify_all()
        elif (page := self.pages.get(message.get("sessionId"))) is not None:
            page.on_event(message["method"], message.get("params", {}))

    def post(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        """Send a command without waiting for its reply (safe from the reader thread)."""
        with self._write_lock:
            self._next_id += 1
            message = {"id": self._next_id, "method": method, "params": params or {}}
            if session:
                message["sessionId"] = session
            data = json.dumps(message).encode() + b"\0"
            while data:
                data = data[os.write(self._to_child, data) :]
            return message["id"]

    def send(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        timeout: float | None = None,
    ) -> dict:
        """Send a command and return its result; raise BrowserError on an error or a time-out."""
        msg_id = self.post(method, params, session)
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            while msg_id not in self._replies:
                remaining = deadline - time.monotonic()
                if self._closed or remaining <= 0:
                    why = "Chromium exited" if self._closed else "timed out"
                    raise BrowserError(
                        f"no reply to {method} ({why}); Chromium's stderr ends with:\n"
                        f"{self.stderr_tail()}"
                    )
                self._cond.wait(remaining)
            reply = self._replies.pop(msg_id)
        if "error" in reply:
            raise BrowserError(f"{method} failed: {reply['error']}")
        return reply.get("result", {})

    def stderr_tail(self, n: int = 2000) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-n:]

    def new_page(self) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        attached = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        session = attached["sessionId"]
        page = Page(self, session)
        self.pages[session] = page
        page.enable()
        return page

    def close(self):
        try:
            self.post("Browser.close")
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self.log.close()
        self.profile.cleanup()


class Page:
    """A browser tab. Records what went wrong while a page loaded: see ``problems`` and ``blocked``."""

    def __init__(self, browser: Browser, session: str):
        self.browser = browser
        self.session = session
        self._cond = threading.Condition()
        self._urls: dict[str, str] = {}  # requestId -> URL, to name failed requests
        # requestId -> the loaderId of the document that made it: a request the previous page
        # made (a viewport change swaps its images just before the next navigation) never
        # reports back once that page is gone, so only the current document's requests count
        self._inflight: dict[str, str | None] = {}
        self._loader: str | None = None
        self._last_activity = time.monotonic()
        self._lifecycle: set[tuple[str, str]] = set()  # (loaderId, event name)
        self.problems: list[str] = []  # console errors, exceptions, failed requests, HTTP >= 400
        self.blocked: list[str] = []  # requests to anything but the allowed origin
        self.bytes_loaded = 0  # bytes received over the network since the last goto

    def send(self, method: str, params: dict | None = None, timeout: float | None = None) -> dict:
        return self.browser.send(method, params, self.session, timeout)

    def enable(self):
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Page.setLifecycleEventsEnabled", {"enabled": True})
        self.send("Fetch.enable", {"patterns": [{"urlPattern": "*", "requestStage": "Request"}]})

    # -- events (called on the reader thread) ---------------------------------------------------
    def on_event(self, method: str, params: dict):
        with self._cond:
            self._last_activity = time.monotonic()
            handler = getattr(self, "_on_" + method.replace(".", "_"), None)
            try:  # an exception here would kill the reader thread and hang every later command
                if handler:
                    handler(params)
            except Exception as err:  # noqa: BLE001
                self.problems.append(f"could not handle the event {method}: {err!r}")
            self._cond.notify_all()

    def _on_Fetch_requestPaused(self, p):
        url = p["request"]["url"]
        if url.startswith(tuple(self.browser.allowed)):
            self.browser.post("Fetch.continueRequest", {"requestId": p["requestId"]}, self.session)
        else:
            self.blocked.append(url)
            self.browser.post(
                "Fetch.failRequest",
                {"requestId": p["requestId"], "errorReason": "BlockedByClient"},
                self.session,
            )

    def _on_Network_requestWillBeSent(self, p):
        self._urls[p["requestId"]] = p["request"]["url"]
        self._inflight[p["requestId"]] = p.get("loaderId")

    def _on_Network_loadingFinished(self, p):
        self._inflight.pop(p["requestId"], None)
        self.bytes_loaded += int(p.get("encodedDataLength", 0))

    def _on_Network_loadingFailed(self, p):
        self._inflight.pop(p["requestId"], None)
        self.problems.append(
            f"request failed ({p.get('errorText')}): {self._urls.get(p['requestId'])}"
        )

    def _on_Network_responseReceived(self, p):
        if p["response"]["status"] >= 400:
            self.problems.append(f"HTTP {p['response']['status']}: {p['response']['url']}")

    def _on_Runtime_consoleAPICalled(self, p):
        if p["type"] in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])
            self.problems.append(f"console.{p['type']}: {text}")

    def _on_Runtime_exceptionThrown(self, p):
        self.problems.append(f"uncaught exception: {_describe(p['exceptionDetails'])}")

    def _on_Log_entryAdded(self, p):
        entry = p["entry"]
        if entry["level"] == "error":
            self.problems.append(
                f"console ({entry['source']}): {entry['text']} {entry.get('url', '')}"
            )

    def _on_Page_lifecycleEvent(self, p):
        self._lifecycle.add((p["loaderId"], p["name"]))

    # -- actions --------------------------------------------------------------------------------
    def goto(self, url: str, viewport: dict, timeout: float = 30.0):
        """Load ``url`` in the given viewport and wait for the load event and an idle network."""
        with self._cond:
            self.problems.clear()
            self.blocked.clear()
            self._lifecycle.clear()
            self._inflight.clear()  # a request the last page left unfinished never reports back
            self._loader = None
            self.bytes_loaded = 0
        self.send("Emulation.setDeviceMetricsOverride", viewport)
        result = self.send("Page.navigate", {"url": url}, timeout)
        if result.get("errorText"):
            raise BrowserError(f"navigation to {url} failed: {result['errorText']}")
        loader = result.get("loaderId")
        with self._cond:
            self._loader = loader  # requests of other documents no longer keep the network busy
        self.wait_until(
            lambda: {(loader, "load"), (loader, "networkIdle")} <= self._lifecycle,
            timeout,
            f"load event and idle network on {url}",
        )

    def press(self, key: str, selector: str | None = None):
        """Press a key as a reader would (``KEYS``), after focusing ``selector`` if given."""
        if selector is not None:
            self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        code, text = KEYS[key]
        down = {"type": "keyDown", "text": text} if text else {"type": "rawKeyDown"}
        for event in (down, {"type": "keyUp"}):
            self.send(
                "Input.dispatchKeyEvent",
                {
                    **event,
                    "key": key,
                    "code": key if text is None else "Space",
                    "windowsVirtualKeyCode": code,
                    "nativeVirtualKeyCode": code,
                },
            )

    def wait_until(self, predicate, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise BrowserError(f"timed out after {timeout:.0f} s waiting for {what}")
                self._cond.wait(min(remaining, 0.25))

    def wait_network_quiet(self, quiet: float = 0.5, timeout: float = 30.0):
        """Wait until no request is in flight and no event arrived for ``quiet`` seconds."""

        def quiet_now():
            busy = [r for r, loader in self._inflight.items() if loader == self._loader]
            return not busy and time.monotonic() - self._last_activity > quiet

        self.wait_until(quiet_now, timeout, "the network to go quiet")

    def evaluate(self, expression: str, timeout: float = 30.0):
        """Evaluate JavaScript in the page (awaiting a returned promise) and return its value."""
        result = self.send(
            "Runtime.evaluate",
            {
                "expression": expression,
                "awaitPromise": True,
                "returnByValue": True,
                "timeout": int(timeout * 1000),
            },
            timeout + 5,
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"JavaScript failed: {_describe(result['exceptionDetails'])}")
        return result["result"].get("value")

    def poll(self, expression: str, timeout: float, what: str, interval: float = 0.2):
        """Evaluate ``expression`` until it is truthy; return that value."""
        deadline = time.monotonic() + timeout
        while not (value := self.evaluate(expression)):
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(interval)
        return value

    def screenshot(self, path: Path, viewport: dict, max_height: int = 12000):
        """Save a PNG of the whole page (cut at ``max_height`` CSS pixels).

        The viewport is stretched to the page's height for the shot (as a tall window would
        be) and then put back; capturing beyond a normal viewport mis-draws sticky layouts.
        """
        height = self.send("Page.getLayoutMetrics")["cssContentSize"]["height"]
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {**viewport, "height": int(min(max(height, viewport["height"]), max_height))},
        )
        try:
            self.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            data = self.send("Page.captureScreenshot", {"format": "png"}, 60)["data"]
        finally:
            self.send("Emulation.setDeviceMetricsOverride", viewport)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))


def _describe(details: dict) -> str:
    """The message of a CDP ExceptionDetails."""
    return details.get("exception", {}).get("description", details["text"])

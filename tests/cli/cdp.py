"""Load pages in headless Chromium and report what happened (stdlib only).

usage: cdp.py CHROMIUM OUTDIR URL[=EXPR]...

Starts CHROMIUM headless with a fresh profile and the DevTools protocol on a
free port, speaks the protocol over a minimal WebSocket client, and for each
URL: navigates, waits for the load event (and a moment after it), collects
console messages, log entries (CSP violations land there), uncaught
exceptions, dialogs (alert) and every network request, then evaluates EXPR
(a JavaScript expression, JSON result) if given. The first URL is also
captured at 1280x2000 (OUTDIR/desktop.png) and at a phone's 390 px width (OUTDIR/phone.png);
every page is checked at that width for sideways scrolling of the whole
page. Prints one JSON object: {"pages": [{"url", "requests", "console",
"log", "exceptions", "dialogs", "value", "phone_overflow"}],
"phone_overflow": bool (the first page)}.
"""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time


class WS:
    """The client half of RFC 6455: text frames out (masked), frames in."""

    def __init__(self, host, port, path):
        self.s = socket.create_connection((host, port), timeout=20)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n") % (path, host, port, key)
        self.s.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.s.recv(1)
            if not chunk:
                raise RuntimeError("websocket handshake: connection closed")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("websocket handshake refused: %r" % head[:200])
        self.buf = b""

    def send(self, text):
        data = text.encode()
        n = len(data)
        hdr = bytes([0x81])
        if n < 126:
            hdr += bytes([0x80 | n])
        elif n < 65536:
            hdr += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            hdr += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise RuntimeError("websocket closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        msg = b""
        while True:
            b0, b1 = self._read(2)
            op, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            data = self._read(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if op == 0x9:  # ping
                continue
            if op == 0x8:
                raise RuntimeError("websocket closed by the browser")
            msg += data
            if b0 & 0x80:
                return msg.decode()


class Browser:
    def __init__(self, exe):
        self.dir = tempfile.mkdtemp(prefix="sceval-chromium-")
        self.p = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--user-data-dir=" + self.dir,
             "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.dir, "DevToolsActivePort")
        deadline = time.time() + 20
        while time.time() < deadline:
            if os.path.exists(port_file):
                lines = open(port_file).read().split("\n")
                if len(lines) >= 2 and lines[1]:
                    break
            time.sleep(0.05)
        else:
            self.close()
            raise RuntimeError("chromium did not open its DevTools port")
        self.ws = WS("127.0.0.1", int(lines[0]), lines[1])
        self.next_id = 0
        self.events = []

    def call(self, method, params=None, session=None, timeout=20):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = json.loads(self.ws.recv())
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)
        raise RuntimeError("%s: no answer" % method)

    def wait_event(self, name, timeout=20):
        for i, e in enumerate(self.events):
            if e.get("method") == name:
                del self.events[i]
                return e
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = json.loads(self.ws.recv())
            if m.get("method") == name:
                return m
            self.events.append(m)
            if m.get("method") == "Page.javascriptDialogOpening":
                # a dialog blocks the load event until it is answered
                self.call("Page.handleJavaScriptDialog", {"accept": True},
                          session=m.get("sessionId"))
        raise RuntimeError("no %s event" % name)

    def drain(self, seconds):
        self.ws.s.settimeout(seconds)
        try:
            while True:
                self.events.append(json.loads(self.ws.recv()))
        except (socket.timeout, TimeoutError):
            pass
        finally:
            self.ws.s.settimeout(20)

    def close(self):
        try:
            self.p.terminate()
            self.p.wait(timeout=10)
        except Exception:
            self.p.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    exe, outdir, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
    b = Browser(exe)
    result = {"pages": [], "phone_overflow": None}
    try:
        t = b.call("Target.createTarget", {"url": "about:blank"})
        sid = b.call("Target.attachToTarget", {"targetId": t["targetId"], "flatten": True})["sessionId"]
        for d in ("Page.enable", "Runtime.enable", "Log.enable", "Network.enable"):
            b.call(d, session=sid)
        for k, spec in enumerate(specs):
            url, _, expr = spec.partition("=")
            b.events = []
            b.call("Page.navigate", {"url": url}, session=sid)
            b.wait_event("Page.loadEventFired")
            b.drain(0.3)
            page = {"url": url, "requests": [], "console": [], "log": [], "exceptions": [],
                    "dialogs": [], "value": None}
            for e in b.events:
                m, p = e.get("method"), e.get("params", {})
                if m == "Network.requestWillBeSent":
                    page["requests"].append(p["request"]["url"])
                elif m == "Runtime.consoleAPICalled":
                    page["console"].append([p.get("type"), [a.get("value") for a in p.get("args", [])]])
                elif m == "Log.entryAdded":
                    page["log"].append([p["entry"].get("level"), p["entry"].get("text")])
                elif m == "Runtime.exceptionThrown":
                    page["exceptions"].append(p["exceptionDetails"].get("text"))
                elif m == "Page.javascriptDialogOpening":
                    page["dialogs"].append(p.get("message"))
            if expr:
                r = b.call("Runtime.evaluate", {"expression": expr, "returnByValue": True},
                           session=sid)
                page["value"] = r.get("result", {}).get("value")
            for name, w, h, mobile in (("desktop", 1280, 2000, False), ("phone", 390, 1600, True)):
                if k and not mobile:
                    continue
                b.call("Emulation.setDeviceMetricsOverride",
                       {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": mobile},
                       session=sid)
                b.drain(0.15)
                if k == 0:
                    shot = b.call("Page.captureScreenshot", {"format": "png"}, session=sid)
                    with open(os.path.join(outdir, name + ".png"), "wb") as f:
                        f.write(base64.b64decode(shot["data"]))
                if mobile:
                    r = b.call("Runtime.evaluate", {
                        "expression": "document.documentElement.scrollWidth > window.innerWidth",
                        "returnByValue": True}, session=sid)
                    page["phone_overflow"] = r.get("result", {}).get("value")
                    if k == 0:
                        result["phone_overflow"] = page["phone_overflow"]
            b.call("Emulation.clearDeviceMetricsOverride", session=sid)
            result["pages"].append(page)
    finally:
        b.close()
    print(json.dumps(result))


main()

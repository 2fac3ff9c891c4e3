"""A recording HTTP endpoint for sink tests: a stdlib ThreadingHTTPServer on
127.0.0.1 running in a thread of the test process.

    with HttpTarget() as t:
        t.url("/api")                # http://127.0.0.1:<port>/api
        t.fail_next(3, 503, "busy")  # the next 3 requests get 503 "busy"
        t.fail_always(500, "down")   # every request fails until t.ok()
        t.ok()
        t.requests()                 # every POST/PUT/PATCH, in arrival order
        t.accepted()                 # those answered 2xx
        t.wait_for(pred, timeout)

Each recorded request is a Request(method, path, headers, body, status):
headers a dict with lower-cased names, body bytes, status what it was
answered. Run as a script (python3 http_target.py PORT) it serves until
killed, printing one JSON line per request.
"""

import json
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    body: bytes
    status: int


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real APIs

    def log_message(self, *args):  # quiet
        pass

    def _handle(self):
        target = self.server.target
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        status, text = target._decide()
        req = Request(self.command, self.path,
                      {k.lower(): v for k, v in self.headers.items()},
                      body, status)
        target._record(req)
        payload = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_POST = _handle
    do_PUT = _handle
    do_PATCH = _handle


class HttpTarget:
    def __init__(self, port=0):
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._reqs = []
        self._fail_n = 0
        self._fail_status = 503
        self._fail_body = ""
        self._fail_always = False
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.server.daemon_threads = True
        self.server.target = self
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    # ---------------------------------------------------------- control

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def fail_next(self, n, status=503, body="try again later"):
        with self._lock:
            self._fail_n = n
            self._fail_status = status
            self._fail_body = body
            self._fail_always = False

    def fail_always(self, status=500, body="failing on purpose"):
        with self._lock:
            self._fail_always = True
            self._fail_status = status
            self._fail_body = body

    def ok(self):
        with self._lock:
            self._fail_always = False
            self._fail_n = 0

    def _decide(self):
        with self._lock:
            if self._fail_always:
                return self._fail_status, self._fail_body
            if self._fail_n > 0:
                self._fail_n -= 1
                return self._fail_status, self._fail_body
            return 200, "ok"

    def _record(self, req):
        with self._cond:
            self._reqs.append(req)
            self._cond.notify_all()

    # ------------------------------------------------------------ reads

    def requests(self):
        with self._lock:
            return list(self._reqs)

    def accepted(self):
        return [r for r in self.requests() if 200 <= r.status < 300]

    def wait_for(self, pred, timeout=30, desc="condition"):
        """Wait until pred(requests) is truthy; return its value."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                v = pred(list(self._reqs))
                if v:
                    return v
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {desc}; "
                        f"{len(self._reqs)} requests: "
                        f"{[(r.status, r.body[:80]) for r in self._reqs[-5:]]}")
                self._cond.wait(min(left, 0.2))

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


if __name__ == "__main__":
    t = HttpTarget(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(t.port, flush=True)
    last = 0
    try:
        while True:
            reqs = t.requests()
            for r in reqs[last:]:
                print(json.dumps({"method": r.method, "path": r.path,
                                  "body": r.body.decode("utf-8", "replace")}),
                      flush=True)
            last = len(reqs)
            time.sleep(0.1)
    except KeyboardInterrupt:
        t.close()

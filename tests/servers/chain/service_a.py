# service_a.py -- chain service A: a ThreadingHTTPServer whose handlers call service B with urllib.request and log their path.
"""service_a.py PORT BPORT BODYFILE

GET <path> from a client makes the handler call B and log "A path=<path> b=<B's status>":
  /post/<rest>     POST the bytes of BODYFILE to B at /post/<rest> (Content-Length)
  /chunked/<rest>  POST the same bytes to B at /chunked/<rest> in 3 chunks (Transfer-Encoding: chunked)
  /own/<rest>      GET B at /own/<rest> with A's own "X-Request-ID: a-own"
  /owntp/<rest>    GET B at /owntp/<rest> with A's own traceparent (OWN_TP below)
  /trigger/<rest>  wake the background thread, which calls B at /bg/triggered while this request waits
  anything else    GET B at the same path
A answers 200 with "b=<status> <B's body>". At start-up a background thread (no request) calls
B at /bg/startup; "ready" is printed on stdout after that call.
"""
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OWN_TP = "00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb-01"


def call_b(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, r.read().decode("latin-1").strip()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("latin-1").strip()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        srv = self.server
        path = self.path
        base = f"http://127.0.0.1:{srv.bport}"
        if path.startswith("/trigger/"):
            srv.trigger.set()
            srv.bg_done.wait(20)
            status, body = srv.bg_status, "bg"
        elif path.startswith("/post/"):
            status, body = call_b(base + path, data=srv.body, method="POST",
                                  headers={"Content-Type": "application/octet-stream"})
        elif path.startswith("/chunked/"):
            b = srv.body
            parts = [b[: len(b) // 3], b[len(b) // 3: 2 * len(b) // 3], b[2 * len(b) // 3:]]
            status, body = call_b(base + path, data=iter(parts), method="POST",
                                  headers={"Content-Type": "application/octet-stream",
                                           "Transfer-Encoding": "chunked"})
        elif path.startswith("/own/"):
            status, body = call_b(base + path, headers={"X-Request-ID": "a-own"})
        elif path.startswith("/owntp/"):
            status, body = call_b(base + path, headers={"traceparent": OWN_TP})
        else:
            status, body = call_b(base + path)
        sys.stderr.write(f"A path={path} b={status}\n")
        out = f"b={status} {body}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


def background(srv, ready):
    """A thread started at start-up, with no request: it calls B once now and once when triggered."""
    status, _ = call_b(f"http://127.0.0.1:{srv.bport}/bg/startup")
    sys.stderr.write(f"A background /bg/startup b={status}\n")
    ready.set()
    srv.trigger.wait()
    srv.bg_status, _ = call_b(f"http://127.0.0.1:{srv.bport}/bg/triggered")
    sys.stderr.write(f"A background /bg/triggered b={srv.bg_status}\n")
    srv.bg_done.set()


def main():
    port, bport, bodyfile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    srv.bport = bport
    with open(bodyfile, "rb") as f:
        srv.body = f.read()
    srv.trigger, srv.bg_done, srv.bg_status = threading.Event(), threading.Event(), 0
    ready = threading.Event()
    threading.Thread(target=background, args=(srv, ready), daemon=True).start()
    if not ready.wait(20):
        sys.exit("service A: the start-up call to B did not finish")
    sys.stderr.write(f"service A listening on 127.0.0.1:{port}\n")
    print("ready", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()

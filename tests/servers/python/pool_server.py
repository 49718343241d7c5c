# pool_server.py -- ThreadingHTTPServer whose handler fans out to a lazily created ThreadPoolExecutor (/r/), or calls a downstream server (/d/).
import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

POOL = None
POOL_LOCK = threading.Lock()
DOWNSTREAM_PORT = 0


def pool():
    """The module-level pool, created by the first request thread that needs it."""
    global POOL
    with POOL_LOCK:
        if POOL is None:
            POOL = ThreadPoolExecutor(max_workers=4)
        return POOL


def task(path, k):
    sys.stderr.write(f"task {path} {k}\n")
    return k


def downstream(path):
    """One HTTP/1.0 GET to the downstream server; the socket timeout makes every wait a poll."""
    with socket.create_connection(("127.0.0.1", DOWNSTREAM_PORT), timeout=10) as s:
        s.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        reply = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
    if not reply.startswith(b"HTTP/1."):
        raise RuntimeError(f"bad downstream reply for {path}")
    sys.stderr.write(f"after-downstream {path}\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path.startswith("/d/"):
            sys.stderr.write(f"before-downstream {self.path}\n")
            downstream(self.path)
        else:
            futures = [pool().submit(task, self.path, k) for k in range(3)]
            done = [f.result(timeout=30) for f in futures]
            sys.stderr.write(f"tasks-done {self.path} {len(done)}\n")
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    global DOWNSTREAM_PORT
    port = int(sys.argv[1])
    DOWNSTREAM_PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    sys.stderr.write(f"pool server listening on 127.0.0.1:{port}\n")
    server.serve_forever()


if __name__ == "__main__":
    main()

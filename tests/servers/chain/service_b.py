# service_b.py -- chain service B: an http.server that logs the X-Request-ID and traceparent headers it received and its path.
"""service_b.py PORT

Each request logs one line on stderr:
  B <METHOD> path=<path> xrid=<X-Request-ID values joined by '|', or -> tp=<traceparent values
  joined by '|', or -> names=<the header names as received, comma-separated>[ len=<n> sha256=<hex>]
POST bodies (Content-Length or chunked) are read and their length and sha256 logged and answered.
GET answers "b <path>". The access log lines are left on (they name the path too).
"""
import hashlib
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_request_line(self, extra=""):
        xr = "|".join(self.headers.get_all("X-Request-ID") or []) or "-"
        tp = "|".join(self.headers.get_all("traceparent") or []) or "-"
        names = ",".join(self.headers.keys())
        sys.stderr.write(f"B {self.command} path={self.path} xrid={xr} tp={tp} names={names}{extra}\n")

    def answer(self, text):
        out = (text + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def do_GET(self):
        self.log_request_line()
        self.answer(f"b {self.path}")

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline(65537).split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline(65537)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_POST(self):
        body = self.read_body()
        digest = f"len={len(body)} sha256={hashlib.sha256(body).hexdigest()}"
        self.log_request_line(" " + digest)
        self.answer(digest)


def main():
    port = int(sys.argv[1])
    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    sys.stderr.write(f"service B listening on 127.0.0.1:{port}\n")
    print("ready", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()

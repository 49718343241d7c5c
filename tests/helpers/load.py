# load.py -- HTTP load client for the tests: many requests with distinct IDs, or one raw request.
"""load.py -- HTTP load client for the tests: many requests with distinct IDs, or one raw request."""
import argparse
import codecs
import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

TIMEOUT = 20.0


def read_response(f, method):
    """Read one HTTP/1.x response from a file object; returns (status, headers dict, body bytes)."""
    status_line = f.readline(65537)
    if not status_line:
        raise ConnectionError("connection closed before the response")
    parts = status_line.decode("latin-1").split(None, 2)
    status = int(parts[1])
    headers = {}
    while True:
        line = f.readline(65537)
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = b""
    if method != "HEAD":
        if "content-length" in headers:
            body = f.read(int(headers["content-length"]))
        elif headers.get("connection", "").lower() == "close" or status_line.startswith(b"HTTP/1.0"):
            body = f.read()
    return status, headers, body


def run_batch(args, indexes):
    """Send the requests `indexes` over one connection; returns a list of failure strings."""
    failures = []
    with socket.create_connection(("127.0.0.1", args.port), timeout=TIMEOUT) as s:
        f = s.makefile("rb")
        for n, i in enumerate(indexes):
            path = f"{args.path_prefix}{i}"
            last = n == len(indexes) - 1
            lines = [f"{args.method} {path} HTTP/1.1", f"Host: 127.0.0.1:{args.port}"]
            if args.header:
                lines.append(f"{args.header}: {args.prefix}{i}")
            if last and not args.keep_open:
                lines.append("Connection: close")
            s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"))
            try:
                status, headers, body = read_response(f, args.method)
            except (OSError, ValueError, IndexError) as e:
                failures.append(f"{path}: {e!r}")
                break
            if status != args.expect_status:
                failures.append(f"{path}: status {status}, expected {args.expect_status}")
            if args.check_body and path.encode() not in body:
                failures.append(f"{path}: body {body[:80]!r} lacks the path")
            if headers.get("connection", "").lower() == "close" and not last:
                failures.append(f"{path}: server closed a keep-alive connection")
                break
    return failures


def cmd_load(args):
    ids = list(range(args.first, args.first + args.count))
    per = max(1, args.keepalive)
    batches = [ids[k:k + per] for k in range(0, len(ids), per)]
    failures = []
    lock = threading.Lock()

    def one(batch):
        try:
            got = run_batch(args, batch)
        except OSError as e:
            got = [f"batch starting {batch[0]}: {e!r}"]
        with lock:
            failures.extend(got)

    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        list(pool.map(one, batches))
    print(f"sent {len(ids)} requests over {len(batches)} connections, {len(failures)} failed")
    for line in failures[:20]:
        print("  " + line)
    return 1 if failures else 0


def cmd_seq(args):
    """Several requests on one connection, each sent once the previous reply has arrived."""
    with socket.create_connection(("127.0.0.1", args.port), timeout=TIMEOUT) as s:
        f = s.makefile("rb")
        for raw in args.raw:
            data = codecs.escape_decode(raw.encode("utf-8"))[0]
            s.sendall(data)
            method = data.split(b" ", 1)[0].decode("latin-1")
            status, _, body = read_response(f, method)
            print(status, body.decode("latin-1").rstrip("\n"), flush=True)
    return 0


def cmd_raw(args):
    if len(args.raw) > 1:
        return cmd_seq(args)
    data = codecs.escape_decode(args.raw[0].encode("utf-8"))[0]
    with socket.create_connection(("127.0.0.1", args.port), timeout=TIMEOUT) as s:
        s.sendall(data)
        if args.shut:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            if not b:
                break
            chunks.append(b)
    sys.stdout.buffer.write(b"".join(chunks))
    sys.stdout.buffer.flush()
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--first", type=int, default=1, help="index of the first request")
    p.add_argument("--parallel", type=int, default=1)
    p.add_argument("--header", default="X-Request-ID", help="ID header name; empty: send none")
    p.add_argument("--prefix", default="id-")
    p.add_argument("--keepalive", type=int, default=1, help="requests per connection")
    p.add_argument("--keep-open", action="store_true", help="never ask the server to close")
    p.add_argument("--path-prefix", default="/r/")
    p.add_argument("--method", default="GET")
    p.add_argument("--expect-status", type=int, default=200)
    p.add_argument("--no-body-check", dest="check_body", action="store_false")
    p.add_argument("--raw", metavar="DATA", action="append",
                   help="send DATA (Python escapes: \\r \\n \\x1b) and print the raw reply; "
                   "repeated: one request after another on one connection, print status and body")
    p.add_argument("--shut", action="store_true", help="with --raw: shut down sending after DATA")
    args = p.parse_args()
    if args.raw is not None:
        return cmd_raw(args)
    return cmd_load(args)


if __name__ == "__main__":
    sys.exit(main())

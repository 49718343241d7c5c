# scenarios.py -- the standard request mix every server test sends; each request's path names its ID.
"""scenarios.py -- send the standard request mix to one server.

Every request carries X-Request-ID: <tag><n> and asks for <path-base><tag><n> (so a log line that
names the path can be checked against the tag in front of it). Scenarios:
  fresh      N requests, each on its own connection, P in flight
  keepalive  N requests, K per connection, P connections in flight
  two/three  2 and 3 requests one after another on one keep-alive connection
  pipeline   3 requests in one write on one connection, then read 3 responses
  bigheader  the ID header after 3 KB of other headers
  pieces     a request sent in 7-byte pieces
Prints one line per scenario; exits 1 if any response was not the expected status.
"""
import argparse
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor

TIMEOUT = 30.0


def request(args, rid, extra="", close=False):
    lines = [f"GET {args.base}{rid} HTTP/1.1", f"Host: 127.0.0.1:{args.port}"]
    if extra:
        lines.append(extra)
    lines.append(f"X-Request-ID: {rid}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def read_response(f):
    status = f.readline(65537)
    if not status:
        raise ConnectionError("closed before a response")
    code = int(status.split()[1])
    length, chunked, closes = None, False, status.startswith(b"HTTP/1.0")
    while True:
        line = f.readline(65537)
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and "close" in value:
            closes = True
    if 100 <= code < 200:
        return read_response(f)
    if chunked:
        while True:
            size = int(f.readline(65537).split(b";")[0], 16)
            f.read(size + 2)
            if size == 0:
                break
    elif length is not None:
        f.read(length)
    elif closes:
        f.read()
    return code


def conversation(args, ids, pipeline=False, extra="", pieces=0):
    """Send ids on one connection; returns the list of statuses."""
    with socket.create_connection(("127.0.0.1", args.port), timeout=TIMEOUT) as s:
        f = s.makefile("rb")
        if pipeline:
            s.sendall(b"".join(request(args, r, close=(i == len(ids) - 1)) for i, r in enumerate(ids)))
            return [read_response(f) for _ in ids]
        codes = []
        for i, rid in enumerate(ids):
            data = request(args, rid, extra, close=(i == len(ids) - 1))
            if pieces:
                for at in range(0, len(data), pieces):
                    s.sendall(data[at:at + pieces])
                    time.sleep(0.002)
            else:
                s.sendall(data)
            codes.append(read_response(f))
        return codes


def run(args, name, groups, **kw):
    bad = []
    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        for ids, codes in zip(groups, pool.map(lambda g: conversation(args, g, **kw), groups)):
            bad += [f"{r}:{c}" for r, c in zip(ids, codes) if c != args.status]
    n = sum(len(g) for g in groups)
    print(f"{name}: {n} requests, {len(bad)} bad {' '.join(bad[:5])}")
    return not bad


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tag", default="s", help="ID prefix; IDs are <tag>-<scenario>-<n>")
    p.add_argument("--base", default="/r/", help="path prefix; the ID follows it")
    p.add_argument("--status", type=int, default=200, help="expected status (404 is fine for logs)")
    p.add_argument("--count", type=int, default=400)
    p.add_argument("--parallel", type=int, default=16)
    p.add_argument("--per-conn", type=int, default=10)
    p.add_argument("--only", action="append", help="run just these scenarios")
    args = p.parse_args()
    t = args.tag
    want = set(args.only or ["fresh", "keepalive", "two", "three", "pipeline", "bigheader", "pieces"])
    ok = True
    if "fresh" in want:
        ok &= run(args, "fresh", [[f"{t}-f-{i}"] for i in range(args.count)])
    if "keepalive" in want:
        k = args.per_conn
        ok &= run(args, "keepalive", [[f"{t}-k-{i}" for i in range(j, min(j + k, args.count))]
                                      for j in range(0, args.count, k)])
    if "two" in want:
        ok &= run(args, "two", [[f"{t}-two-{i}" for i in range(2)]])
    if "three" in want:
        ok &= run(args, "three", [[f"{t}-three-{i}" for i in range(3)]])
    if "pipeline" in want:
        ok &= run(args, "pipeline", [[f"{t}-p-{i}" for i in range(3)]], pipeline=True)
    if "bigheader" in want:
        filler = "X-Filler: " + "a" * 1000
        extra = "\r\n".join(f"{filler}{i}" for i in range(3))
        ok &= run(args, "bigheader", [[f"{t}-b-0"]], extra=extra)
    if "pieces" in want:
        ok &= run(args, "pieces", [[f"{t}-7-0"]], pieces=7)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

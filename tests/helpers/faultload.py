# faultload.py -- echo load with random IDs and body sizes for faultecho, and the check of its log.
"""faultload.py -- echo load with random IDs and body sizes for faultecho, and the check of its log.

send:  several keep-alive connections at once, each a run of POSTs with a random ID and a random
       body (0 to --max-body bytes, some holding text that looks like a request head); every
       response body must equal the body sent. Writes a manifest (one JSON object a line: path,
       id, len, sum) for the check.
check: every line of the server's stderr is either the start-up line (once, untagged) or
       "[<id>] faultecho path=<path> step=<step>..." with exactly the ID the manifest gives that
       path, and every request has its head, body and done lines exactly once, with the right
       length and body sum. --summary: also one "reqtag: summary" line per request, with that
       ID and the byte count of the response the program wrote. --untagged: the server ran
       without the shim, so no line may carry a tag.
"""
import argparse
import json
import os
import random
import re
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checklines  # noqa: E402

TIMEOUT = 20.0
ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:/+=@"
# Body text that looks like requests to a scanner that loses count of the body.
DECOYS = [b"\r\n\r\nGET /decoy HTTP/1.1\r\nX-Request-ID: decoy-id\r\n\r\n",
          b"POST /decoy HTTP/1.1\r\nContent-Length: 5\r\nX-Request-ID: decoy-2\r\n\r\nhello",
          b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"]


def fnv1a(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def body_size(rng, most):
    pick = rng.randrange(4)
    if pick == 0:
        return 0
    if pick == 1:
        return rng.randint(1, 64)
    if pick == 2:
        return rng.randint(65, 8192)
    return rng.randint(8193, most)


def make_body(rng, n):
    data = bytearray(rng.randbytes(n))
    if n >= 200 and rng.randrange(2) == 0:
        decoy = rng.choice(DECOYS)
        at = rng.randrange(n - len(decoy))
        data[at:at + len(decoy)] = decoy
    return bytes(data)


def read_exact(f, n):
    data = f.read(n)
    if len(data) != n:
        raise ConnectionError(f"connection closed after {len(data)} of {n} body bytes")
    return data


def read_response(f):
    status = f.readline(65537)
    if not status:
        raise ConnectionError("connection closed before the response")
    headers = {}
    while True:
        line = f.readline(65537)
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return status.decode("latin-1").rstrip("\r\n"), headers, read_exact(f, int(headers.get("content-length", "0")))


def run_conn(args, conn, jobs, out, lock):
    rng = random.Random(args.seed * 1000 + conn)
    bad = []
    with socket.create_connection(("127.0.0.1", args.port), timeout=TIMEOUT) as s:
        f = s.makefile("rb")
        for n, (path, rid, body) in enumerate(jobs):
            last = n == len(jobs) - 1
            head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID: {rid}\r\n"
                    f"Content-Length: {len(body)}\r\n{'Connection: close' + chr(13) + chr(10) if last else ''}\r\n")
            data = head.encode("ascii") + body
            if rng.randrange(3) == 0:
                # In a few pieces: the server's reads end inside the head and the body too.
                cuts = sorted(rng.randrange(len(data) + 1) for _ in range(2))
                for a, b in zip([0] + cuts, cuts + [len(data)]):
                    s.sendall(data[a:b])
            else:
                s.sendall(data)
            try:
                status, headers, got = read_response(f)
            except (OSError, ValueError) as e:
                bad.append(f"{path}: {e!r}")
                break
            if args.echo and headers.get("x-request-id") != rid:
                bad.append(f"{path}: X-Request-ID {headers.get('x-request-id')!r}, expected {rid!r}")
            if not args.echo and "x-request-id" in headers:
                bad.append(f"{path}: an X-Request-ID header nobody asked for")
            if status != "HTTP/1.1 200 OK":
                bad.append(f"{path}: status line {status!r}")
            if got != body:
                diff = next((i for i, (x, y) in enumerate(zip(got, body)) if x != y), min(len(got), len(body)))
                bad.append(f"{path}: echoed body differs at byte {diff} ({len(got)} bytes back, {len(body)} sent)")
            if headers.get("connection", "").lower() == "close" and not last:
                bad.append(f"{path}: server closed a keep-alive connection")
                break
    with lock:
        out.extend(bad)


def cmd_send(args):
    rng = random.Random(args.seed)
    ids = set()
    plan = []
    for c in range(args.conns):
        jobs = []
        for n in range(args.per_conn):
            rid = ""
            while not rid or rid in ids:
                rid = "".join(rng.choice(ID_CHARS) for _ in range(rng.randint(1, 40)))
            ids.add(rid)
            body = make_body(rng, body_size(rng, args.max_body))
            jobs.append((f"/e/{args.tag}-{c}-{n}", rid, body))
        plan.append(jobs)
    with open(args.manifest, "w", encoding="ascii") as m:
        for jobs in plan:
            for n, (path, rid, body) in enumerate(jobs):
                # What faultecho writes for it: its response head, then the body.
                head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n"
                head += "Connection: close\r\n\r\n" if n == len(jobs) - 1 else "\r\n"
                m.write(json.dumps({"path": path, "id": rid, "len": len(body), "sum": fnv1a(body),
                                    "resp": len(head) + len(body)}) + "\n")
    bad = []
    lock = threading.Lock()
    threads = [threading.Thread(target=run_conn, args=(args, c, jobs, bad, lock)) for c, jobs in enumerate(plan)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = sum(len(b) for jobs in plan for _, _, b in jobs)
    print(f"faultload: {args.conns * args.per_conn} requests over {args.conns} connections, "
          f"{total} body bytes each way, {len(bad)} bad")
    for line in bad[:20]:
        print("  " + line)
    return 1 if bad else 0


LINE = re.compile(r"(?:\[(?P<id>[^\]]*)\] )?(?:faultecho path=(?P<path>\S+) step=(?P<step>head|body|done)"
                  r"|reqtag: summary method=POST path=(?P<spath>\S+) status=200 bytes=(?P<bytes>\d+) duration_us=\d+)"
                  r"(?P<rest>.*)")


def cmd_check(args):
    want = {}
    with open(args.manifest, encoding="ascii") as m:
        for line in m:
            r = json.loads(line)
            want[r["path"]] = r
    lines, bad = checklines.read_lines(args.log)
    seen = {}
    startup = 0
    for no, line in enumerate(lines, 1):
        if line == args.startup:
            startup += 1
            continue
        m = LINE.fullmatch(line)
        summary = m is not None and m.group("spath") is not None
        r = want.get(m.group("spath") if summary else m.group("path")) if m else None
        if r is None or (summary and not args.summary):
            bad.append(f"line {no}: torn or unexpected: {line!r}")
            continue
        if m.group("id") != (None if args.untagged else r["id"]):
            bad.append(f"line {no}: {r['path']} (ID {r['id']!r}) tagged {m.group('id')!r}: {line!r}")
            continue
        step = "summary" if summary else m.group("step")
        if summary and int(m.group("bytes")) != r["resp"]:
            bad.append(f"line {no}: summary counts {m.group('bytes')} bytes, the program wrote {r['resp']}: {line!r}")
            continue
        rest = {"head": f" len={r['len']}", "body": f" len={r['len']} sum={r['sum']:08x}", "done": "",
                "summary": ""}[step]
        if m.group("rest") != rest:
            bad.append(f"line {no}: expected{rest!r} after step={step}: {line!r}")
            continue
        seen[(r["path"], step)] = seen.get((r["path"], step), 0) + 1
    if startup != 1:
        bad.append(f"start-up line {args.startup!r} seen {startup} times, expected once untagged")
    steps = ("head", "body", "done") + (("summary",) if args.summary else ())
    for path in want:
        for step in steps:
            if seen.get((path, step), 0) != 1:
                bad.append(f"{path}: {seen.get((path, step), 0)} lines with step={step}, expected 1")
    if bad:
        print(f"checkfaults: {len(lines)} lines, {len(bad)} problems:")
        for b in bad[:40]:
            print("  " + b)
        return 1
    how = "all untagged" if args.untagged else "all tagged with their own ID"
    print(f"checkfaults: {len(lines)} lines, {len(steps) * len(want)} request lines {how}")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--conns", type=int, default=6)
    s.add_argument("--per-conn", type=int, default=40)
    s.add_argument("--max-body", type=int, default=200 * 1024)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--tag", default="f")
    s.add_argument("--manifest", required=True)
    s.add_argument("--echo", action="store_true", help="each response must carry X-Request-ID: <its ID>")
    c = sub.add_parser("check")
    c.add_argument("--manifest", required=True)
    c.add_argument("--log", required=True)
    c.add_argument("--startup", required=True, help="the one untagged line the server writes at start")
    c.add_argument("--summary", action="store_true", help="one summary line per request as well")
    c.add_argument("--untagged", action="store_true", help="no line carries a tag")
    args = p.parse_args()
    return cmd_send(args) if args.cmd == "send" else cmd_check(args)


if __name__ == "__main__":
    sys.exit(main())

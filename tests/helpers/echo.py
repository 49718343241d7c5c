# echo.py -- raw-byte HTTP conversations for tests/echo.bats: capture what a server sends, compare runs, check echoed IDs.
"""echo.py -- raw-byte HTTP conversations for tests/echo.bats.

capture --port P --script SPEC --out FILE
    SPEC: one connection per line, "seq|pipe REQ REQ ...", REQ = METHOD:PATH[:ID] (no ID: the
    request carries no X-Request-ID). seq sends each request after the previous response has
    come back whole; pipe sends them all in one write. The last request of a connection asks
    for "Connection: close"; every byte the server sends until it closes is saved (JSON).
check --plain A --other B [--echo] [--log LOG] [--header NAME]
    Parse both captures response by response. Without --echo: B must equal A byte for byte
    (Date values masked). With --echo: every final response of B carries exactly one NAME header
    whose value is the request's ID (or, for a request without one, a distinct 32-hex ID); a
    response whose A head already has NAME is unchanged; any other B head is A's head with
    "NAME: <id>\r\n" inserted right before its blank line; 1xx heads unchanged; bodies identical.
    --loose-framing: ignore Content-Length/Transfer-Encoding lines and compare de-chunked bodies.
    --log: every line of LOG naming a request's path must start with "[<echoed id>] " (lines of
    pipelined requests may be untagged, never wrongly tagged), and each path must be named by
    at least one line. Paths must be unique.
slow --port P --ids A,B,C --expect FILE [--echo] [--rcvbuf N] [--chunk N] [--pause-ms N]
    Pipelined requests /slow/<n> with the IDs in one write; read the replies slowly with a tiny
    receive buffer; they must equal FILE (what the program meant to send), with --echo with
    "X-Request-ID: <id>\r\n" inserted before each head's blank line.
"""
import argparse
import base64
import hashlib
import json
import re
import socket
import sys
import time

TIMEOUT = 30.0
DATE_RE = re.compile(rb"(?im)^(date|expires):[^\r\n]*")
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def parse_spec(path):
    conns = []
    with open(path, encoding="ascii") as f:
        for line in f:
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            mode, reqs = words[0], []
            if mode not in ("seq", "pipe"):
                raise SystemExit(f"bad mode {mode!r}")
            for w in words[1:]:
                parts = w.split(":", 2)
                reqs.append({"method": parts[0], "path": parts[1], "id": parts[2] if len(parts) == 3 else None})
            conns.append({"mode": mode, "reqs": reqs})
    return conns


def request_bytes(port, req, last):
    lines = [f"{req['method']} {req['path']} HTTP/1.1", f"Host: 127.0.0.1:{port}", "User-Agent: echo.py"]
    if req["id"] is not None:
        lines.append(f"X-Request-ID: {req['id']}")
    if last:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


class Incomplete(Exception):
    pass


def header_values(head, name):
    """Values of header `name` (any case) in a head (bytes, status line first)."""
    out = []
    for line in head.split(b"\r\n")[1:]:
        n, sep, v = line.partition(b":")
        if sep and n.strip().lower() == name.lower().encode():
            out.append(v.strip().decode("latin-1"))
    return out


def parse_one(buf, at, method, eof):
    """One response starting at buf[at:]: (head, body, end, status). Raises Incomplete."""
    end = buf.find(b"\r\n\r\n", at)
    if end < 0:
        raise Incomplete()
    head = buf[at:end + 4]
    status = int(head.split(b" ", 2)[1])
    pos = end + 4
    if 100 <= status < 200 or method == "HEAD" or status in (204, 304):
        return head, b"", pos, status
    cl = header_values(head, "content-length")
    te = header_values(head, "transfer-encoding")
    if te and "chunked" in te[-1].lower():
        body = bytearray()
        while True:
            le = buf.find(b"\r\n", pos)
            if le < 0:
                raise Incomplete()
            size = int(buf[pos:le].split(b";")[0], 16)
            if size == 0:
                tr = buf.find(b"\r\n\r\n", le)
                if tr < 0 and buf[le:le + 4] != b"\r\n\r\n":
                    raise Incomplete()
                stop = le + 4 if buf[le:le + 4] == b"\r\n\r\n" else tr + 4
                return head, buf[end + 4:stop], stop, status
            if len(buf) < le + 2 + size + 2:
                raise Incomplete()
            pos = le + 2 + size + 2
    if cl:
        n = int(cl[0])
        if len(buf) < pos + n:
            raise Incomplete()
        return head, buf[pos:pos + n], pos + n, status
    if not eof:
        raise Incomplete()
    return head, buf[pos:], len(buf), status


def parse_all(buf, methods):
    """Every response in buf (the whole conversation); 1xx heads are returned as extra entries."""
    out, at, i = [], 0, 0
    while at < len(buf):
        if i >= len(methods):
            raise SystemExit(f"more bytes than responses: {buf[at:at + 200]!r}")
        head, body, at, status = parse_one(buf, at, methods[i], True)
        out.append((head, body, status, i))
        if not 100 <= status < 200:
            i += 1
    if i != len(methods):
        raise SystemExit(f"{i} responses for {len(methods)} requests")
    return out


def capture(args):
    conns = parse_spec(args.script)
    for c in conns:
        reqs = c["reqs"]
        data = bytearray()
        with socket.create_connection(("127.0.0.1", args.port), timeout=TIMEOUT) as s:
            if c["mode"] == "pipe":
                s.sendall(b"".join(request_bytes(args.port, r, i == len(reqs) - 1) for i, r in enumerate(reqs)))
            else:
                for i, r in enumerate(reqs):
                    s.sendall(request_bytes(args.port, r, i == len(reqs) - 1))
                    if i == len(reqs) - 1:
                        break
                    # Read until this request's final response is whole.
                    while True:
                        try:
                            at, k = 0, 0
                            while k <= i:
                                _, _, at, st = parse_one(bytes(data), at, reqs[k]["method"], False)
                                if not 100 <= st < 200:
                                    k += 1
                            break
                        except Incomplete:
                            got = s.recv(65536)
                            if not got:
                                raise SystemExit(f"closed before response {i} of {reqs}")
                            data += got
            while True:
                got = s.recv(65536)
                if not got:
                    break
                data += got
        c["raw"] = base64.b64encode(bytes(data)).decode("ascii")
    with open(args.out, "w", encoding="ascii") as f:
        json.dump(conns, f)


def mask(head):
    return DATE_RE.sub(lambda m: m.group(1) + b": <masked>", head)


FRAMING_RE = re.compile(rb"(?im)^(content-length|transfer-encoding):[^\r\n]*\r\n")


def dechunk(head, body):
    """The payload of a body, chunked or not."""
    te = header_values(head, "transfer-encoding")
    if not te or "chunked" not in te[-1].lower():
        return body
    out, pos = bytearray(), 0
    while True:
        le = body.find(b"\r\n", pos)
        size = int(body[pos:le].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += body[le + 2:le + 2 + size]
        pos = le + 2 + size + 2


def check(args):
    global mask
    if args.loose_framing:
        strict = mask
        mask = lambda h: FRAMING_RE.sub(b"", strict(h))  # noqa: E731
    with open(args.plain, encoding="ascii") as f:
        plain = json.load(f)
    with open(args.other, encoding="ascii") as f:
        other = json.load(f)
    if [c["reqs"] for c in plain] != [c["reqs"] for c in other]:
        raise SystemExit("the captures are of different conversations")
    errors, echoed, total, bodies = [], {}, 0, 0
    for ci, (pc, oc) in enumerate(zip(plain, other)):
        reqs = pc["reqs"]
        methods = [r["method"] for r in reqs]
        praw, oraw = base64.b64decode(pc["raw"]), base64.b64decode(oc["raw"])
        presp, oresp = parse_all(praw, methods), parse_all(oraw, methods)
        if len(presp) != len(oresp):
            errors.append(f"conn {ci}: {len(presp)} vs {len(oresp)} heads")
            continue
        for (ph, pb, pst, i), (oh, ob, ost, _) in zip(presp, oresp):
            req = reqs[i]
            where = f"conn {ci} ({pc['mode']}) {req['method']} {req['path']} id={req['id']}"
            total += 1
            if args.loose_framing:
                pb, ob = dechunk(ph, pb), dechunk(oh, ob)
            if pb != ob:
                errors.append(f"{where}: body differs: {len(pb)} bytes sha256 {hashlib.sha256(pb).hexdigest()[:16]}"
                              f" vs {len(ob)} bytes sha256 {hashlib.sha256(ob).hexdigest()[:16]}")
            bodies += len(ob)
            if not args.echo or 100 <= pst < 200:
                if mask(ph) != mask(oh):
                    errors.append(f"{where}: head differs:\n  want {mask(ph)!r}\n  got  {mask(oh)!r}")
                continue
            vals = header_values(oh, args.header)
            if len(vals) != 1:
                errors.append(f"{where}: {len(vals)} {args.header} headers in {oh!r}")
                continue
            v = vals[0]
            if req["id"] is not None and v != req["id"]:
                errors.append(f"{where}: echoed {v!r}, sent {req['id']!r}")
            if req["id"] is None and not HEX32.match(v):
                errors.append(f"{where}: echoed {v!r}, not a generated 32-hex ID")
            if header_values(ph, args.header):
                want = ph
            else:
                want = ph[:-2] + f"{args.header}: {v}\r\n".encode("latin-1") + b"\r\n"
            if mask(want) != mask(oh):
                errors.append(f"{where}: head is not the program's head with one line inserted:\n"
                              f"  want {mask(want)!r}\n  got  {mask(oh)!r}")
            if req["path"] in echoed:
                errors.append(f"{where}: path used twice")
            echoed[req["path"]] = (v, pc["mode"] == "pipe", req["id"] is None)
    gen = [v for v, _, g in echoed.values() if g]
    if len(set(gen)) != len(gen):
        errors.append(f"generated IDs repeat: {gen}")
    if args.log:
        with open(args.log, encoding="latin-1") as f:
            lines = f.read().splitlines()
        for path, (v, may_untag, _) in echoed.items():
            pat = re.compile(re.escape(path) + r'(?=[\s"?]|$)')
            named = [ln for ln in lines if pat.search(ln)]
            if not named:
                errors.append(f"{path}: no log line names it")
            for ln in named:
                if ln.startswith(f"[{v}] "):
                    continue
                if may_untag and not ln.startswith("[") or may_untag and re.match(r"^\[[A-Z][a-z]{2} ", ln):
                    continue
                errors.append(f"{path}: echoed {v}, log line {ln!r}")
    for e in errors[:40]:
        print(e)
    print(f"responses={total} body_bytes={bodies} generated={len(gen)} errors={len(errors)}")
    return 1 if errors else 0


def slow(args):
    ids = args.ids.split(",")
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
    s.settimeout(TIMEOUT)
    s.connect(("127.0.0.1", args.port))
    reqs = [{"method": "GET", "path": f"/slow/{i}", "id": v} for i, v in enumerate(ids)]
    s.sendall(b"".join(request_bytes(args.port, r, i == len(reqs) - 1) for i, r in enumerate(reqs)))
    data = bytearray()
    n = 0
    while True:
        got = s.recv(args.chunk)
        if not got:
            break
        data += got
        n += 1
        if args.pause_ms and (len(data) < 65536 or n % 8 == 0):
            time.sleep(args.pause_ms / 1000.0)
    s.close()
    with open(args.expect, "rb") as f:
        meant = f.read()
    want, at = bytearray(), 0
    for r in reqs:
        head, body, at, _ = parse_one(meant, at, "GET", True)
        if args.echo:
            head = head[:-2] + f"X-Request-ID: {r['id']}\r\n".encode("ascii") + b"\r\n"
        want += head + body
    if at != len(meant):
        print(f"the program meant {len(meant)} bytes, {at} parsed as {len(reqs)} responses")
        return 1
    if bytes(data) == bytes(want):
        print(f"identical: received {len(data)} bytes in {n} reads, sha256 {hashlib.sha256(data).hexdigest()}")
        return 0
    i = next((k for k in range(min(len(data), len(want))) if data[k] != want[k]), min(len(data), len(want)))
    print(f"MISMATCH: received {len(data)} bytes, expected {len(want)}; first difference at {i}")
    print(f"  want {bytes(want[max(0, i - 60):i + 60])!r}")
    print(f"  got  {bytes(data[max(0, i - 60):i + 60])!r}")
    return 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--script", required=True)
    c.add_argument("--out", required=True)
    k = sub.add_parser("check")
    k.add_argument("--plain", required=True)
    k.add_argument("--other", required=True)
    k.add_argument("--echo", action="store_true")
    k.add_argument("--log")
    k.add_argument("--header", default="X-Request-ID")
    k.add_argument("--loose-framing", action="store_true",
                   help="Content-Length vs chunked may differ between runs (apache's CGI): compare payloads")
    s = sub.add_parser("slow")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--ids", required=True, help="comma-separated IDs, one request each, pipelined")
    s.add_argument("--expect", required=True, help="the bytes the program meant to send")
    s.add_argument("--echo", action="store_true", help="expect the ID line in each head")
    s.add_argument("--rcvbuf", type=int, default=2048)
    s.add_argument("--chunk", type=int, default=997)
    s.add_argument("--pause-ms", type=int, default=2)
    a = p.parse_args()
    return {"capture": capture, "check": check, "slow": slow}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())

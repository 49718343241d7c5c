# summary.py -- raw-socket client that records what each response delivered, and the checker of reqtag's summary lines.
r"""summary.py -- tests for REQTAG_SUMMARY.

  summary.py client --port P --server tpc|nginx|python --tag T --out EXPECT [--only SCENARIO]...
      Sends the scenarios below over raw sockets, counts the exact bytes of each response the
      client received (status line + headers + body) and its round trip (from the write that sent
      the request to the arrival of the response's last byte), and writes one JSON object per
      request to EXPECT: id (null: no X-Request-ID sent, the shim generates one), key (the path,
      unique, as it appears in the server's own log lines), method, target (hex of the raw request
      target), status (0: nothing received), bytes, or bytes_min/bytes_max when the client closed
      in the middle of the response, rtt_us and min_us (a lower bound for duration_us).
      Scenarios: basic (200, 404, HEAD on fresh connections), gen (no ID), keepalive (several
      requests one after another on one connection), pipelined (three in one write), closed (the
      client closes before the response is complete), hostile (a 300-byte target with quotes, %,
      backslash, control and non-ASCII bytes).
  summary.py check LOG --expect EXPECT [--output text|json] [--margin-us N]
      Every `reqtag: summary` line of LOG (text: "[ID] msg"; json: one record per line, req_id and
      msg) must be exactly `reqtag: summary method=M path=P status=S bytes=B duration_us=D` under a
      request ID, one per expected request and no other: M the method, P the first 96 bytes of
      the target with bytes outside printable ASCII and `"` `%` `\` as %XX, S and B what the client
      received, 0 < D <= rtt_us + margin (and D >= min_us). A request sent without an ID must
      carry the generated ID (32 lowercase hex) that tags the server's other lines naming its path.
"""
import argparse
import json
import re
import socket
import sys
import time

TIMEOUT = 20.0
MAX_PATH = 96
# nginx and python serve these from <docs>/files/ (the test creates them); name -> size.
FILES = {"s0.bin": 0, "s1.bin": 1, "s4096.bin": 4096, "s300000.bin": 300000}
BIG = ("big.bin", 16 * 1024 * 1024)


def now_us():
    return time.monotonic_ns() // 1000


class Conn:
    """A raw connection that parses responses out of what it receives, timing each one's end."""

    def __init__(self, port, rcvbuf=None):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.settimeout(TIMEOUT)
        self.s.connect(("127.0.0.1", port))
        self.buf = b""
        self.eof = False

    def send(self, data):
        t = now_us()
        self.s.sendall(data)
        return t

    def _more(self):
        if self.eof:
            return False
        try:
            d = self.s.recv(65536)
        except ConnectionResetError:
            d = b""
        if not d:
            self.eof = True
            return False
        self.buf += d
        return True

    def response(self, method):
        """Read one response; returns (status, bytes, end time in us). (0, 0, t) at EOF."""
        while b"\r\n\r\n" not in self.buf:
            if not self._more():
                if self.buf:
                    raise ValueError(f"connection closed inside a response head: {self.buf[:200]!r}")
                return 0, 0, now_us()
        hl = self.buf.index(b"\r\n\r\n") + 4
        head = self.buf[:hl].decode("latin-1")
        lines = head.split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                hdrs[name.strip().lower()] = value.strip()
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            n = hl
        elif hdrs.get("transfer-encoding", "").lower() == "chunked":
            n = self._chunked_end(hl)
        elif "content-length" in hdrs:
            n = hl + int(hdrs["content-length"])
            while len(self.buf) < n:
                if not self._more():
                    raise ValueError("connection closed inside a body")
        else:
            while self._more():
                pass
            n = len(self.buf)
        t = now_us()
        self.buf = self.buf[n:]
        return status, n, t

    def _chunked_end(self, pos):
        while True:
            while b"\r\n" not in self.buf[pos:]:
                if not self._more():
                    raise ValueError("connection closed inside a chunk size")
            eol = self.buf.index(b"\r\n", pos)
            size = int(self.buf[pos:eol].split(b";")[0], 16)
            pos = eol + 2
            if size == 0:
                while True:  # trailers up to the empty line
                    while b"\r\n" not in self.buf[pos:]:
                        if not self._more():
                            raise ValueError("connection closed inside trailers")
                    eol = self.buf.index(b"\r\n", pos)
                    empty = eol == pos
                    pos = eol + 2
                    if empty:
                        return pos
            pos += size + 2
            while len(self.buf) < pos:
                if not self._more():
                    raise ValueError("connection closed inside a chunk")

    def close(self):
        self.s.close()


def req_bytes(method, target, rid, port, version="HTTP/1.1", close=False, extra=b""):
    h = method.encode() + b" " + target + b" " + version.encode() + b"\r\n"
    h += b"Host: 127.0.0.1:%d\r\n" % port
    if rid is not None:
        h += b"X-Request-ID: " + rid.encode() + b"\r\n"
    if close:
        h += b"Connection: close\r\n"
    return h + extra + b"\r\n"


class Client:
    def __init__(self, args):
        self.a = args
        self.port = args.port
        self.version = "HTTP/1.0" if args.server == "python" else "HTTP/1.1"
        self.records = []
        self.n = 0

    def new_id(self, name):
        self.n += 1
        return f"{self.a.tag}-{name}-{self.n}"

    def target(self, kind, rid):
        """A unique target for a request; kind: ok (200), miss (404), file:NAME, head."""
        srv = self.a.server
        if kind == "ok":
            return f"/r/{rid}" if srv != "python" else f"/files/s4096.bin?{rid}"
        if kind == "miss":
            return f"/miss/{rid}" if srv == "nginx" else f"/nope/{rid}"
        if kind.startswith("file:"):
            return f"/files/{kind[5:]}?{rid}"
        raise ValueError(kind)

    def record(self, rid, key, method, target, status, nbytes, t0, t1, **kw):
        rec = {"id": rid, "key": key, "method": method, "target": target.hex(),
               "status": status, "bytes": nbytes, "rtt_us": t1 - t0, "min_us": 0}
        rec.update(kw)
        self.records.append(rec)

    def one(self, method, kind, rid, key=None):
        """One request on a fresh connection (closed by the server or after the response)."""
        key = key or rid
        target = self.target(kind, key).encode()
        c = Conn(self.port)
        t0 = c.send(req_bytes(method, target, rid, self.port, self.version, close=True))
        status, n, t1 = c.response(method)
        c.close()
        self.record(rid, target.decode(), method, target, status, n, t0, t1)

    def kinds(self):
        if self.a.server == "tpc":
            return ["ok"]
        if self.a.server == "nginx":
            return ["ok", "miss"] + [f"file:{f}" for f in FILES]
        return ["miss"] + [f"file:{f}" for f in FILES]

    def sc_basic(self):
        for kind in self.kinds():
            self.one("GET", kind, self.new_id("get"))
            self.one("HEAD", kind, self.new_id("head"))

    def sc_gen(self):
        for kind in self.kinds():
            self.one("GET", kind, None, key=self.new_id("gen"))
            self.one("HEAD", kind, None, key=self.new_id("genhead"))

    def sc_keepalive(self):
        if self.a.server == "python":
            return  # HTTP/1.0: one request per connection
        c = Conn(self.port)
        plan = [("GET", k) for k in self.kinds()] + [("HEAD", k) for k in self.kinds()]
        plan += [("GET", self.kinds()[0])]
        for i, (method, kind) in enumerate(plan):
            rid = self.new_id("ka")
            target = self.target(kind, rid).encode()
            t0 = c.send(req_bytes(method, target, rid, self.port, close=i == len(plan) - 1))
            status, n, t1 = c.response(method)
            self.record(rid, target.decode(), method, target, status, n, t0, t1)
        c.close()

    def sc_pipelined(self):
        kinds = self.kinds()
        plan = [("GET", kinds[0]), ("HEAD", kinds[-1]), ("GET", kinds[1 % len(kinds)])]
        reqs = []
        for i, (method, kind) in enumerate(plan):
            rid = self.new_id("p")
            reqs.append((rid, method, self.target(kind, rid).encode()))
        data = b"".join(req_bytes(m, t, r, self.port, self.version, close=i == 2)
                        for i, (r, m, t) in enumerate(reqs))
        c = Conn(self.port)
        t0 = c.send(data)
        for rid, method, target in reqs:
            status, n, t1 = c.response(method)
            self.record(rid, target.decode(), method, target, status, n, t0, t1)
        c.close()

    def sc_closed(self):
        rid = self.new_id("closed")
        if self.a.server == "tpc":
            # The head announces a body that never comes: tpcserver waits for it, gets EOF,
            # closes without answering.
            target = f"/r/{rid}".encode()
            c = Conn(self.port)
            t0 = c.send(req_bytes("POST", target, rid, self.port,
                                  extra=b"Content-Length: 100\r\n") + b"0123456789")
            time.sleep(0.05)
            c.s.shutdown(socket.SHUT_WR)
            status, n, t1 = c.response("POST")
            c.close()
            self.record(rid, target.decode(), "POST", target, status, n, t0, t1,
                        min_us=50000 - self.a.margin_us)
            return
        # A 16 MB file through a 64 KB receive window: the client reads the head and some of the
        # body, then closes with unread data (a reset); the response was not complete.
        target = f"/files/{BIG[0]}?{rid}".encode()
        c = Conn(self.port, rcvbuf=65536)
        t0 = c.send(req_bytes("GET", target, rid, self.port, self.version, close=True))
        while b"\r\n\r\n" not in c.buf or len(c.buf) < c.buf.index(b"\r\n\r\n") + 5:
            if not c._more():
                raise ValueError("closed before the head")
        head = c.buf[:c.buf.index(b"\r\n\r\n") + 4]
        status = int(head.split()[1])
        total = len(head) + BIG[1]
        got = len(c.buf)
        c.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        c.close()
        time.sleep(0.3)  # the server notices the reset and closes within this
        self.record(rid, target.decode(), "GET", target, status, None, t0, now_us(),
                    bytes_min=got, bytes_max=total - 1)

    def sc_hostile(self):
        rid = self.new_id("hostile")
        first = b'/h/' + rid.encode() + b'/q"u%25o\\t\x01\x02\x1b\x7f\x80\xc3\xa9\xff~'
        target = first + b"a" * (MAX_PATH - len(first)) + b'"%\\\x01\xff'
        target += b"z" * (300 - len(target))
        assert len(target) == 300 and len(first) < MAX_PATH
        c = Conn(self.port)
        t0 = c.send(req_bytes("GET", target, rid, self.port, self.version, close=True))
        status, n, t1 = c.response("GET")
        c.close()
        self.record(rid, rid, "GET", target, status, n, t0, t1)

    def run(self):
        order = ["basic", "gen", "keepalive", "pipelined", "closed", "hostile"]
        for name in order:
            if not self.a.only or name in self.a.only:
                getattr(self, "sc_" + name)()
        with open(self.a.out, "w", encoding="ascii") as f:
            for r in self.records:
                f.write(json.dumps(r) + "\n")
        print(f"summary client: {len(self.records)} requests")


def encode_path(raw):
    out = []
    for b in raw[:MAX_PATH]:
        if 0x21 <= b <= 0x7e and b not in b'"%\\':
            out.append(chr(b))
        else:
            out.append(f"%{b:02X}")
    return "".join(out)


SUMMARY = re.compile(r"reqtag: summary method=(\S+) path=(\S+) status=(\d+) bytes=(\d+) "
                     r"duration_us=(\d+)")
TEXT_TAG = re.compile(rb"\[([^\]]*)\] (.*)", re.S)
GENERATED = re.compile(r"[0-9a-f]{32}")


def read_entries(path, output, bad):
    """The log as a list of (tag or None, msg str)."""
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        bad.append("the log does not end with a newline")
    entries = []
    for raw in data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n"):
        if output == "json":
            try:
                rec = json.loads(raw)
            except ValueError:
                bad.append(f"not a JSON record: {raw[:300]!r}")
                continue
            if not isinstance(rec, dict) or not isinstance(rec.get("msg"), str):
                bad.append(f"not a reqtag record: {raw[:300]!r}")
                continue
            entries.append((rec.get("req_id"), rec["msg"]))
        else:
            m = TEXT_TAG.fullmatch(raw)
            if m:
                entries.append((m.group(1).decode("latin-1"), m.group(2).decode("latin-1")))
            else:
                entries.append((None, raw.decode("latin-1")))
    return entries


def cmd_check(a):
    bad = []
    entries = read_entries(a.log, a.output, bad)
    expect = []
    with open(a.expect, encoding="ascii") as f:
        expect = [json.loads(line) for line in f]
    summaries = {}
    for tag, msg in entries:
        if "reqtag: summary" not in msg:
            continue
        m = SUMMARY.fullmatch(msg)
        if not m:
            bad.append(f"malformed summary: {tag!r} {msg!r}")
            continue
        if tag is None:
            bad.append(f"summary without a request ID: {msg!r}")
            continue
        summaries.setdefault(tag, []).append(m)
    seen = set()
    for r in expect:
        rid = r["id"]
        what = f"{r['method']} {r['key']}"
        if rid is None:
            # The generated ID is the one on the server's own lines naming this path.
            tags = {t for t, msg in entries
                    if "reqtag: summary" not in msg and (r["key"] + " ") in msg}
            if len(tags) != 1 or None in tags:
                bad.append(f"{what}: the server's lines for it carry tags {sorted(map(str, tags))}, "
                           "expected one generated ID")
                continue
            rid = tags.pop()
            if not GENERATED.fullmatch(rid):
                bad.append(f"{what}: tag {rid!r} is not a generated ID")
                continue
        seen.add(rid)
        got = summaries.get(rid, [])
        if len(got) != 1:
            bad.append(f"{what}: {len(got)} summary lines under [{rid}], expected 1")
            continue
        m = got[0]
        method, path, status, nbytes, dur = m.group(1), m.group(2), int(m.group(3)), \
            int(m.group(4)), int(m.group(5))
        want_path = encode_path(bytes.fromhex(r["target"]))
        line = f"[{rid}] {m.group(0)}"
        if method != r["method"]:
            bad.append(f"{line}: method, expected {r['method']}")
        if path != want_path:
            bad.append(f"{line}: path, expected {want_path}")
        if status != r["status"]:
            bad.append(f"{line}: status, the client received {r['status']}")
        if r["bytes"] is not None:
            if nbytes != r["bytes"]:
                bad.append(f"{line}: bytes, the client received {r['bytes']}")
        elif not r["bytes_min"] <= nbytes <= r["bytes_max"]:
            bad.append(f"{line}: bytes, expected {r['bytes_min']}..{r['bytes_max']} (the client "
                       f"received {r['bytes_min']} and closed before the end)")
        if not 0 < dur <= r["rtt_us"] + a.margin_us:
            bad.append(f"{line}: duration_us, expected 1..{r['rtt_us'] + a.margin_us} (round trip "
                       f"{r['rtt_us']} us)")
        if dur < r["min_us"]:
            bad.append(f"{line}: duration_us, expected at least {r['min_us']}")
    for tag, ms in summaries.items():
        if tag not in seen:
            for m in ms:
                bad.append(f"summary for no request sent: [{tag}] {m.group(0)}")
    for b in bad:
        print("FAIL " + b)
    print(f"summary check: {len(expect)} requests, {sum(map(len, summaries.values()))} summary "
          f"lines, {len(bad)} failures")
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("client")
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--server", choices=["tpc", "nginx", "python"], required=True)
    c.add_argument("--tag", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--only", action="append", default=[])
    c.add_argument("--margin-us", type=int, default=5000)
    k = sub.add_parser("check")
    k.add_argument("log")
    k.add_argument("--expect", required=True)
    k.add_argument("--output", choices=["text", "json"], default="text")
    k.add_argument("--margin-us", type=int, default=5000)
    a = p.parse_args()
    if a.cmd == "client":
        Client(a).run()
        return 0
    return cmd_check(a)


if __name__ == "__main__":
    sys.exit(main())

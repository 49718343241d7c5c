# records.py -- check a stream of reqtag JSON or logfmt records: strict parse, canonical escaping, exact bytes back.
r"""records.py -- check a stream of reqtag structured records (REQTAG_OUTPUT=json|logfmt).

  records.py check LOG --output json|logfmt [--pid N] [--since EPOCH] [--min-lines N] [--text OUT]
      Every line of LOG (which must end in a newline) must be one record:
        json:   {"time":"...","req_id":"...","pid":N,"tid":N,"msg":"..."} (req_id optional), keys
                in that order and nothing else, parsed with json.loads;
        logfmt: time=... req_id=... pid=N tid=N msg="..." (req_id optional), parsed by logfmt.py.
      time is RFC 3339 UTC with microseconds (YYYY-MM-DDTHH:MM:SS.ffffffZ), between --since - 2 s
      and now + 2 s; pid (= --pid when given) and tid are positive decimal numbers; req_id is a
      safe ID. msg is decoded back to bytes from the record's raw text (\\u00XX / \\xNN escapes are
      single bytes, raw UTF-8 stays UTF-8), and escape(bytes) must give back exactly the raw text
      (the documented escaping is the only one accepted). --text OUT writes each record as the text
      mode line it stands for: "[req_id] msg" or "msg" (bytes). --fields OUT writes
      "req_id pid tid" per record ("-" for no req_id). Exit 1 with the bad lines on any failure.
  records.py escape json|logfmt HEX
      Print the escaped msg text for the bytes given in hex.

Escaping (record.h): '"' and '\\' get a backslash; \\n \\r \\t; JSON also \\b \\f, any other control
byte (< 0x20, 0x7f) as \\u00XX; logfmt any other control byte as \\xNN. A byte that is not part
of a valid UTF-8 sequence (lone continuation, overlong, surrogate, > U+10FFFF, truncated) is
\\u00XX in JSON, \\xNN in logfmt; valid multi-byte sequences are copied as they are.
"""
import argparse
import datetime
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import logfmt  # noqa: E402

TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
SAFE_ID = re.compile(r"^[A-Za-z0-9_.:/+=@-]{1,200}$")
DIGITS = re.compile(rb"^[1-9][0-9]*$")


def utf8_seq(b, i):
    """Length (2..4) of the valid multi-byte UTF-8 sequence at b[i], else 0 (Python's strict decoder)."""
    c = b[i]
    want = 2 if 0xC0 <= c <= 0xDF else 3 if 0xE0 <= c <= 0xEF else 4 if 0xF0 <= c <= 0xF7 else 0
    if want == 0 or i + want > len(b):
        return 0
    try:
        b[i:i + want].decode("utf-8")
    except UnicodeDecodeError:
        return 0
    return want


def escape(b, kind):
    out, i = bytearray(), 0
    simple = {0x22: b'\\"', 0x5C: b"\\\\", 0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t"}
    if kind == "json":
        simple.update({0x08: b"\\b", 0x0C: b"\\f"})
    while i < len(b):
        c = b[i]
        if c >= 0x80:
            n = utf8_seq(b, i)
            if n:
                out += b[i:i + n]
                i += n
                continue
        i += 1
        if c in simple:
            out += simple[c]
        elif 0x20 <= c < 0x7F:
            out.append(c)
        elif kind == "json":
            out += b"\\u00%02x" % c
        else:
            out += b"\\x%02x" % c
    return bytes(out)


def unescape_json(raw):
    """Bytes of a JSON string body as reqtag writes it: \\u00XX is one byte, raw UTF-8 stays."""
    out, i = bytearray(), 0
    simple = {ord('"'): 0x22, ord("\\"): 0x5C, ord("/"): 0x2F, ord("n"): 0x0A, ord("r"): 0x0D,
              ord("t"): 0x09, ord("b"): 0x08, ord("f"): 0x0C}
    while i < len(raw):
        c = raw[i]
        if c != 0x5C:
            out.append(c)
            i += 1
            continue
        e = raw[i + 1]
        if e in simple:
            out.append(simple[e])
            i += 2
        elif e == ord("u"):
            cp = int(raw[i + 2:i + 6], 16)
            if cp > 0xFF:
                raise ValueError(f"\\u{cp:04x}: not a byte escape")
            out.append(cp)
            i += 6
        else:
            raise ValueError(f"bad escape \\{chr(e)}")
    return bytes(out)


def parse_json(line):
    text = line.decode("utf-8")  # a record is valid UTF-8 text
    pairs = json.loads(text, object_pairs_hook=lambda p: p)
    if not isinstance(pairs, list):
        raise ValueError("not an object")
    keys = [k for k, _ in pairs]
    if keys not in (["time", "req_id", "pid", "tid", "msg"], ["time", "pid", "tid", "msg"]):
        raise ValueError(f"keys {keys}")
    rec = dict(pairs)
    for k in ("pid", "tid"):
        if type(rec[k]) is not int or rec[k] <= 0:
            raise ValueError(f"{k} {rec[k]!r}")
    for k in ("time", "req_id", "msg"):
        if k in rec and not isinstance(rec[k], str):
            raise ValueError(f"{k} not a string")
    at = line.find(b',"msg":"')
    if at < 0 or not line.endswith(b'"}'):
        raise ValueError("msg is not the last member")
    raw = line[at + 8:-2]
    msg = unescape_json(raw)
    # Our byte view must agree with json.loads: escaped bytes as U+00XX, raw UTF-8 decoded.
    if decode_view(raw) != rec["msg"]:
        raise ValueError("msg decodes differently than json.loads")
    return rec.get("req_id"), rec["time"], rec["pid"], rec["tid"], msg, raw


def decode_view(raw):
    s, i = [], 0
    while i < len(raw):
        j = raw.find(b"\\", i)
        if j < 0:
            s.append(raw[i:].decode("utf-8"))
            break
        s.append(raw[i:j].decode("utf-8"))
        s.append(unescape_json(raw[j:j + (6 if raw[j + 1] == ord("u") else 2)]).decode("latin-1"))
        i = j + (6 if raw[j + 1] == ord("u") else 2)
    return "".join(s)


def parse_logfmt(line):
    pairs = logfmt.parse(line)
    keys = [k for k, _ in pairs]
    if keys not in (["time", "req_id", "pid", "tid", "msg"], ["time", "pid", "tid", "msg"]):
        raise ValueError(f"keys {keys}")
    rec = dict(pairs)
    for k in ("pid", "tid"):
        if not DIGITS.match(rec[k]):
            raise ValueError(f"{k} {rec[k]!r}")
    at = line.find(b' msg="')
    if at < 0 or not line.endswith(b'"'):
        raise ValueError("msg is not the last pair, quoted")
    raw = line[at + 6:-1]
    rid = rec["req_id"].decode("utf-8") if "req_id" in rec else None
    return rid, rec["time"].decode("utf-8"), int(rec["pid"]), int(rec["tid"]), rec["msg"], raw


def check(args):
    with open(args.log, "rb") as f:
        data = f.read()
    bad, text, fields = [], [], []
    if data and not data.endswith(b"\n"):
        bad.append("the stream does not end in a newline")
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    now = time.time()
    for n, line in enumerate(lines, 1):
        try:
            if args.output == "json":
                rid, ts, pid, tid, msg, raw = parse_json(line)
            else:
                rid, ts, pid, tid, msg, raw = parse_logfmt(line)
            if not TIME.match(ts):
                raise ValueError(f"time {ts!r}")
            t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=datetime.timezone.utc).timestamp()
            if args.since is not None and not args.since - 2 <= t <= now + 2:
                raise ValueError(f"time {ts} outside the run ({args.since:.0f} .. {now:.0f})")
            if rid is not None and not SAFE_ID.match(rid):
                raise ValueError(f"req_id {rid!r}")
            if args.pid is not None and pid != args.pid:
                raise ValueError(f"pid {pid}, expected {args.pid}")
            if escape(msg, args.output) != raw:
                raise ValueError(f"msg escaped as {raw!r}, documented: {escape(msg, args.output)!r}")
        except (ValueError, KeyError, IndexError, UnicodeDecodeError) as e:
            bad.append(f"line {n}: {e}: {line[:300]!r}")
            continue
        text.append((b"[" + rid.encode() + b"] " if rid is not None else b"") + msg + b"\n")
        fields.append(f"{rid or '-'} {pid} {tid}\n")
    if args.text:
        with open(args.text, "wb") as f:
            f.write(b"".join(text))
    if args.fields:
        with open(args.fields, "w", encoding="ascii") as f:
            f.write("".join(fields))
    print(f"{len(lines)} lines, {len(lines) - len(bad)} records, {len(bad)} bad")
    for b in bad[:20]:
        print(b)
    if len(lines) < args.min_lines:
        print(f"fewer than {args.min_lines} lines")
        return 1
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("log")
    c.add_argument("--output", choices=["json", "logfmt"], required=True)
    c.add_argument("--pid", type=int)
    c.add_argument("--since", type=float)
    c.add_argument("--min-lines", type=int, default=1)
    c.add_argument("--text")
    c.add_argument("--fields")
    e = sub.add_parser("escape")
    e.add_argument("kind", choices=["json", "logfmt"])
    e.add_argument("hex")
    args = p.parse_args()
    if args.cmd == "escape":
        sys.stdout.buffer.write(escape(bytes.fromhex(args.hex), args.kind) + b"\n")
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())

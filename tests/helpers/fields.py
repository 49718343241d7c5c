# fields.py -- REQTAG_FIELDS / --field tests: send requests with hostile field headers, then check every stderr line (json, logfmt, text) against them.
r"""fields.py -- client and checker for reqtag's request fields (REQTAG_FIELDS, --field NAME=Header).

  fields.py send --port P --tag T --set SET --out EXPECT [--docs DIR] [--skip CASE]...
      Send the requests of SET to 127.0.0.1:P, every one with "X-Request-ID: T-<n>" and target
      /r/T-<n>, each answer read whole and required to be 200. Sets:
        corpus     every CASE on its own connection (Connection: close), then every CASE again on
                   one keep-alive connection, each followed there by a request without the header;
        keepalive  one keep-alive connection: tenant acme, none, beta, a hostile one, none, acme;
        two        the two-field cases (tenant from X-Tenant-ID, region from X-Region), fresh
                   connections and one keep-alive connection.
      --docs DIR: create DIR/r/T-<n> (a static-file server answers 200). --skip CASE: leave a case
      out (a server that cannot take it). EXPECT gets one JSON object per request:
      {"id", "case", "fields": {name: value or null}, "markers": [bytes that must never be printed]}.
  fields.py check LOG --output json|logfmt|text --expect EXPECT --fields NAME[,NAME...]
              --line REGEX COUNT [--line REGEX COUNT]... [--format TEMPLATE] [--min-other N]
      Every line of LOG (ending in a newline) is checked:
        json    json.loads parses it; its keys are exactly time, [req_id], pid, tid, then one key per
                present field in --fields order, then msg; the line is byte for byte the canonical
                rendering (records.py escaping) of those values;
        logfmt  logfmt.py parses it; the same keys; byte for byte the canonical rendering: a field
                value quoted (msg escaping) when it holds a space, '"', '=' or '\', else bare;
        text    a line whose message matches a --line REGEX starts with TEMPLATE rendered with the
                request's ID and fields ({name} empty when absent).
      A message matching a --line REGEX fully (named group "id": the request) must be under that
      request's req_id with exactly that request's present fields; each REGEX must match exactly
      COUNT lines per request of EXPECT. Every record with a req_id of EXPECT has exactly its
      fields; a record without req_id has no field key; a req_id not in EXPECT is an error. No
      marker of EXPECT (the distinctive bytes of every value that must be absent) occurs anywhere
      in the raw bytes of LOG.
  fields.py self-test
      The checker against streams rendered as the spec says (accepted) and broken ones (rejected).
"""
import argparse
import json
import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import logfmt  # noqa: E402
import records  # noqa: E402

TIMEOUT = 20.0
H = b"X-Tenant-ID"
R = b"X-Region"
EXACT64 = bytes(range(0x21, 0x61))  # 64 printable bytes, '"' '=' '\' among them
assert len(EXACT64) == 64

# (name, header lines, expected {field: value or None}, markers that must never appear in stderr)
CORPUS = [
    ("plain", [H + b": acme"], "acme", []),
    ("name-lower", [b"x-tenant-id: lower-case"], "lower-case", []),
    ("name-upper", [b"X-TENANT-ID: UPPER"], "UPPER", []),
    ("no-space", [H + b":tight"], "tight", []),
    ("quotes", [H + b': say "hi" there'], 'say "hi" there', []),
    ("backslash", [H + b": back\\slash\\\\ end\\"], "back\\slash\\\\ end\\", []),
    ("equals", [H + b": k=v"], "k=v", []),
    ("json-like", [H + b': {"a":1}'], '{"a":1}', []),
    ("trim", [H + b": \t  padded value \t "], "padded value", []),
    ("exact64", [H + b": " + EXACT64], EXACT64.decode(), []),
    ("exact64-padded", [H + b":  \t" + b"s" * 64 + b"\t  "], "s" * 64, []),
    ("one-byte", [H + b": 1"], "1", []),
    ("after-3kb", [b"X-Pad: " + b"p" * 3000, H + b": after-pad"], "after-pad", []),
    ("len65", [H + b": " + b"y" * 65], None, [b"y" * 65]),
    ("big-8k", [H + b": big-" + b"z" * 7996], None, [b"z" * 65]),
    ("inner-tab", [H + b": tab\tmark-tab"], None, [b"mark-tab"]),
    ("ctl", [H + b": ctl\x01mark-ctl"], None, [b"mark-ctl"]),
    ("ctl-1f", [H + b": \x1fmark-unit"], None, [b"mark-unit"]),
    ("esc", [H + b": \x1b[31mmark-esc\x1b[0m"], None, [b"mark-esc", b"\x1b"]),
    ("osc", [H + b": \x1b]0;mark-osc\x07"], None, [b"mark-osc"]),
    ("del", [H + b": del\x7fmark-del"], None, [b"mark-del", b"\x7f"]),
    ("invalid-utf8", [H + b": inv\xff\xfemark-inv\xc0\xaf"], None, [b"mark-inv"]),
    ("valid-utf8", [H + b": caf\xc3\xa9-mark-utf"], None, [b"mark-utf"]),
    ("latin1", [H + b": \xe9mark-lat"], None, [b"mark-lat"]),
    ("empty", [H + b":"], None, []),
    ("blank", [H + b":    \t  "], None, []),
    ("dup", [H + b": dup-first", H + b": mark-dup-second"], "dup-first", [b"mark-dup-second"]),
    ("dup-first-bad", [H + b": \x01mark-dupbad", H + b": mark-dup-fallback"], None,
     [b"mark-dupbad", b"mark-dup-fallback"]),
    ("obs-fold", [H + b": fold-start", b"  mark-fold-cont"], None, [b"fold-start", b"mark-fold-cont"]),
    ("obs-fold-tab", [H + b": fold2-start", b"\tmark-fold2-cont"], None,
     [b"fold2-start", b"mark-fold2-cont"]),
    ("longer-name", [b"X-Tenant-IDs: mark-longer"], None, [b"mark-longer"]),
    ("shorter-name", [b"X-Tenant: mark-shorter"], None, [b"mark-shorter"]),
    ("none", [], None, []),
]

KEEPALIVE = [
    ("ka-acme", [H + b": acme"], "acme", []),
    ("ka-none", [], None, []),
    ("ka-beta", [H + b": beta"], "beta", []),
    ("ka-ctl", [H + b": \x1b[1mmark-ka-esc"], None, [b"mark-ka-esc"]),
    ("ka-none2", [], None, []),
    ("ka-acme2", [H + b": acme"], "acme", []),
]

# (name, header lines, {tenant, region}, markers)
TWO = [
    ("both", [H + b": acme", R + b": eu-west"], {"tenant": "acme", "region": "eu-west"}, []),
    ("both-reversed", [R + b": us east", H + b": globex"], {"tenant": "globex", "region": "us east"}, []),
    ("tenant-only", [H + b": initech"], {"tenant": "initech", "region": None}, []),
    ("region-only", [b"x-region: ap"], {"tenant": None, "region": "ap"}, []),
    ("region-bad", [H + b": umbrella", R + b": \x1b[2Jmark-region"], {"tenant": "umbrella", "region": None},
     [b"mark-region"]),
    ("tenant-bad", [H + b": \x7fmark-tenant2", R + b': r"q'], {"tenant": None, "region": 'r"q'},
     [b"mark-tenant2"]),
    ("neither", [], {"tenant": None, "region": None}, []),
]


def read_response(f):
    line = f.readline(65537)
    if not line:
        raise ConnectionError("connection closed before the response")
    status = int(line.split()[1])
    length = None
    while True:
        h = f.readline(65537)
        if h in (b"\r\n", b"\n", b""):
            break
        name, _, value = h.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length is None:
        raise ValueError(f"no Content-Length in the response to {line!r}")
    body = f.read(length)
    return status, body


def plan(set_name, skip):
    """[(connection: [(case, lines, fields, markers)])]"""
    def norm(cases, one):
        out = []
        for name, lines, exp, marks in cases:
            if name in skip:
                continue
            out.append((name, lines, {"tenant": exp} if one else exp, marks))
        return out
    if set_name == "corpus":
        cases = norm(CORPUS, True)
        ka = []
        for c in cases:
            ka.append(c)
            ka.append((c[0] + "+next", [], {"tenant": None}, []))
        return [[c] for c in cases] + [ka]
    if set_name == "keepalive":
        return [norm(KEEPALIVE, True)]
    if set_name == "two":
        cases = norm(TWO, False)
        return [[c] for c in cases] + [cases]
    raise ValueError(set_name)


def send(args):
    conns = plan(args.set, set(args.skip))
    n, expect, bad = 0, [], []
    for conn in conns:
        reqs = []
        for i, (name, lines, exp, marks) in enumerate(conn):
            rid = f"{args.tag}-{n}"
            n += 1
            last = i == len(conn) - 1
            head = [f"GET /r/{rid} HTTP/1.1".encode(), b"Host: 127.0.0.1",
                    f"X-Request-ID: {rid}".encode()] + lines
            head.append(b"Connection: close" if last and len(conn) == 1 else b"Connection: keep-alive")
            reqs.append((rid, b"\r\n".join(head) + b"\r\n\r\n"))
            expect.append({"id": rid, "case": name, "fields": exp,
                           "markers": [m.hex() for m in marks]})
            if args.docs:
                os.makedirs(os.path.join(args.docs, "r"), exist_ok=True)
                with open(os.path.join(args.docs, "r", rid), "wb") as f:
                    f.write(b"ok\n")
        with socket.create_connection(("127.0.0.1", args.port), timeout=TIMEOUT) as s:
            f = s.makefile("rb")
            for rid, req in reqs:
                s.sendall(req)
                try:
                    status, _ = read_response(f)
                except (OSError, ValueError) as e:
                    bad.append(f"{rid}: {e}")
                    break
                if status != 200:
                    bad.append(f"{rid}: status {status}")
                    break
    with open(args.out, "w", encoding="utf-8") as f:
        for e in expect:
            f.write(json.dumps(e) + "\n")
    for b in bad:
        print(b)
    print(f"sent {n} requests on {len(conns)} connections, {len(bad)} failures")
    return 1 if bad else 0


# ---- checking ----

def logfmt_value(b):
    if any(c in b for c in b' "=\\') or not b:
        return b'"' + records.escape(b, "logfmt") + b'"'
    return b


def render_json(time_, rid, pid, tid, fields, msg):
    out = b'{"time":"' + time_.encode() + b'"'
    if rid is not None:
        out += b',"req_id":"' + rid.encode() + b'"'
    out += b',"pid":%d,"tid":%d' % (pid, tid)
    for k, v in fields:
        out += b',"' + k.encode() + b'":"' + records.escape(v, "json") + b'"'
    return out + b',"msg":"' + records.escape(msg, "json") + b'"}'


def render_logfmt(time_, rid, pid, tid, fields, msg):
    out = b"time=" + time_.encode()
    if rid is not None:
        out += b" req_id=" + rid.encode()
    out += b" pid=%d tid=%d" % (pid, tid)
    for k, v in fields:
        out += b" " + k.encode() + b"=" + logfmt_value(v)
    return out + b' msg="' + records.escape(msg, "logfmt") + b'"'


def parse_record(line, kind, names):
    """-> (req_id or None, [(field, value bytes)], msg bytes); raises ValueError."""
    if kind == "json":
        pairs = json.loads(line.decode("utf-8"), object_pairs_hook=lambda p: p)
        if not isinstance(pairs, list):
            raise ValueError("not a JSON object")
        vals = [(k, v) for k, v in pairs]
    else:
        vals = [(k, v) for k, v in logfmt.parse(line)]
    keys = [k for k, _ in vals]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate keys {keys}")
    head = ["time", "req_id", "pid", "tid"] if "req_id" in keys else ["time", "pid", "tid"]
    if keys[:len(head)] != head or keys[-1] != "msg":
        raise ValueError(f"keys {keys}")
    fkeys = keys[len(head):-1]
    if [k for k in names if k in fkeys] != fkeys:
        raise ValueError(f"field keys {fkeys} are not configured fields in order {names}")
    d = dict(vals)
    if kind == "json":
        for k in ("pid", "tid"):
            if type(d[k]) is not int or d[k] <= 0:
                raise ValueError(f"{k} {d[k]!r}")
        for k in ["time", "msg"] + fkeys + (["req_id"] if "req_id" in d else []):
            if not isinstance(d[k], str):
                raise ValueError(f"{k} is not a string")
        at = line.find(b',"msg":"')
        msg = records.unescape_json(line[at + 8:-2])
        if records.decode_view(line[at + 8:-2]) != d["msg"]:
            raise ValueError("msg decodes differently than json.loads")
        fields = [(k, d[k].encode("utf-8")) for k in fkeys]
        rid, t, pid, tid = d.get("req_id"), d["time"], d["pid"], d["tid"]
        canon = render_json(t, rid, pid, tid, fields, msg)
    else:
        for k in ("pid", "tid"):
            if not records.DIGITS.match(d[k]):
                raise ValueError(f"{k} {d[k]!r}")
        msg = d["msg"]
        fields = [(k, d[k]) for k in fkeys]
        rid = d["req_id"].decode() if "req_id" in d else None
        t, pid, tid = d["time"].decode(), int(d["pid"]), int(d["tid"])
        canon = render_logfmt(t, rid, pid, tid, fields, msg)
    if canon != line:
        raise ValueError(f"not the canonical rendering: {canon[:300]!r}")
    if not records.TIME.match(t):
        raise ValueError(f"time {t!r}")
    if rid is not None and not records.SAFE_ID.match(rid):
        raise ValueError(f"req_id {rid!r}")
    if fields and rid is None:
        raise ValueError("field keys on a record without req_id")
    return rid, fields, msg


def render_text(template, rid, exp):
    def sub(m):
        name = m.group(1)
        if name == "id":
            return rid
        return exp.get(name) or ""
    return re.sub(r"\{([a-z][a-z0-9_]*)\}", sub, template).encode()


def check_data(data, kind, expect, names, line_specs, template=None):
    """-> list of failure strings."""
    bad = []
    byid = {e["id"]: e for e in expect}
    want = {rid: [(k, e["fields"][k].encode()) for k in names if e["fields"].get(k) is not None]
            for rid, e in byid.items()}
    specs = [(re.compile(rx.encode()), int(n)) for rx, n in line_specs]
    counts = {}
    if data and not data.endswith(b"\n"):
        bad.append("the stream does not end in a newline")
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for n, line in enumerate(lines, 1):
        where = f"line {n}: {line[:200]!r}"
        if kind == "text":
            for si, (rx, _) in enumerate(specs):
                m = None
                for start in [i for i, c in enumerate(line) if i == 0 or line[i - 1] == 0x20]:
                    m = rx.fullmatch(line, start)
                    if m:
                        break
                if m:
                    rid = m.group("id").decode("ascii", "replace")
                    if rid not in byid:
                        bad.append(f"{where}: request {rid} was not sent")
                        break
                    counts[(rid, si)] = counts.get((rid, si), 0) + 1
                    tag = render_text(template, rid, byid[rid]["fields"])
                    if line[:m.start()] != tag:
                        bad.append(f"{where}: tag {line[:m.start()]!r}, expected {tag!r}")
                    break
            continue
        try:
            rid, fields, msg = parse_record(line, kind, names)
        except (ValueError, KeyError, IndexError, UnicodeDecodeError) as e:
            bad.append(f"{where}: {e}")
            continue
        if rid is not None and rid not in byid:
            bad.append(f"{where}: req_id {rid} was not sent")
            continue
        for si, (rx, _) in enumerate(specs):
            m = rx.fullmatch(msg)
            if m:
                sent = m.group("id").decode("ascii", "replace")
                counts[(sent, si)] = counts.get((sent, si), 0) + 1
                if rid != sent:
                    bad.append(f"{where}: req_id {rid}, the line is request {sent}'s")
                break
        if rid is not None and fields != want[rid]:
            bad.append(f"{where}: fields {fields!r}, expected {want[rid]!r} ({byid[rid]['case']})")
    for rid, e in byid.items():
        for si, (rx, cnt) in enumerate(specs):
            got = counts.get((rid, si), 0)
            if got != cnt:
                bad.append(f"request {rid} ({e['case']}): {got} lines matching {rx.pattern!r}, expected {cnt}")
        for mk in e["markers"]:
            mb = bytes.fromhex(mk)
            if mb in data:
                at = data.find(mb)
                bad.append(f"request {rid} ({e['case']}): absent value's bytes {mb[:40]!r} printed: "
                           f"{data[max(0, at - 80):at + 80]!r}")
    return bad, len(lines)


def check(args):
    with open(args.log, "rb") as f:
        data = f.read()
    with open(args.expect, encoding="utf-8") as f:
        expect = [json.loads(x) for x in f if x.strip()]
    names = args.fields.split(",")
    if args.output == "text" and args.format is None:
        print("--output text needs --format")
        return 2
    bad, nlines = check_data(data, args.output, expect, names, args.line, args.format)
    print(f"{nlines} lines, {len(expect)} requests, {len(bad)} failures")
    for b in bad[:30]:
        print(b)
    return 1 if bad else 0


def self_test():
    """Render streams the way the spec says, check that they pass, then break them one way each."""
    expect = []
    for conn in plan("corpus", set()):
        for name, _, exp, marks in conn:
            expect.append({"id": f"st-{len(expect)}", "case": name, "fields": exp,
                           "markers": [m.hex() for m in marks]})
    names = ["tenant"]
    spec = [(r"path=/r/(?P<id>[^ ]+) via=.+", "2")]
    fails = []

    def stream(kind, mutate=None):
        out = []
        if kind == "text":
            out.append(b"listening on 1")
        else:
            r = render_json if kind == "json" else render_logfmt
            out.append(r("2026-11-21T10:00:00.000000Z", None, 5, 5, [], b"listening on 1"))
        for e in expect:
            f = [(k, e["fields"][k].encode()) for k in names if e["fields"].get(k) is not None]
            for via in (b"write", b'perror: "x" \x01\xff'):
                msg = b"path=/r/" + e["id"].encode() + b" via=" + via
                if kind == "text":
                    line = render_text("[{id} {tenant}] ", e["id"], e["fields"]) + msg
                else:
                    line = r("2026-11-21T10:00:00.000000Z", e["id"], 5, 6, f, msg)
                out.append(line)
        if mutate:
            out = mutate(out)
        return b"\n".join(out) + b"\n"

    def run(kind, data):
        return check_data(data, kind, expect, names, spec, "[{id} {tenant}] ")[0]

    for kind in ("json", "logfmt", "text"):
        got = run(kind, stream(kind))
        if got:
            fails.append(f"{kind}: a conforming stream rejected: {got[:3]}")
    i_acme = 1 + 2 * [e["case"] for e in expect].index("plain")
    i_none = 1 + 2 * [e["case"] for e in expect].index("none")
    i_ctl = 1 + 2 * [e["case"] for e in expect].index("ctl")
    i_q = 1 + 2 * [e["case"] for e in expect].index("quotes")
    broken = {
        "json: field after msg": ("json", lambda o: o[:i_acme] + [o[i_acme].replace(b',"tenant":"acme"', b"")
                                   .replace(b'"}', b'","tenant":"acme"}')] + o[i_acme + 1:]),
        "json: field missing": ("json", lambda o: o[:i_acme] + [o[i_acme].replace(b',"tenant":"acme"', b"")]
                                + o[i_acme + 1:]),
        "json: field on an absent request": ("json", lambda o: o[:i_none] + [o[i_none].replace(
            b',"msg"', b',"tenant":"acme","msg"')] + o[i_none + 1:]),
        "json: raw hostile marker": ("json", lambda o: o + [b"mark-ctl"]),
        "json: field before tid": ("json", lambda o: o[:i_acme] + [o[i_acme].replace(b',"tenant":"acme"', b"")
                                   .replace(b',"pid"', b',"tenant":"acme","pid"')] + o[i_acme + 1:]),
        "json: field on a line without request": ("json", lambda o: [o[0].replace(
            b',"msg"', b',"tenant":"acme","msg"')] + o[1:]),
        "json: a line lost": ("json", lambda o: o[:i_acme] + o[i_acme + 1:]),
        "json: wrong req_id": ("json", lambda o: o[:i_acme] + [o[i_acme].replace(b'"req_id":"st-', b'"req_id":"st-1')]
                               + o[i_acme + 1:]),
        "json: not JSON": ("json", lambda o: o[:i_q] + [o[i_q].replace(b'\\"hi\\"', b'"hi"')] + o[i_q + 1:]),
        "json: ctl value printed escaped": ("json", lambda o: o[:i_ctl] + [o[i_ctl].replace(
            b',"msg"', b',"tenant":"ctl\\u0001mark-ctl","msg"')] + o[i_ctl + 1:]),
        "logfmt: quoted value unquoted": ("logfmt", lambda o: o[:i_q] + [o[i_q].replace(
            b'tenant="say \\"hi\\" there"', b'tenant=say')] + o[i_q + 1:]),
        "logfmt: bare value needlessly quoted": ("logfmt", lambda o: o[:i_acme] + [o[i_acme].replace(
            b"tenant=acme", b'tenant="acme"')] + o[i_acme + 1:]),
        "text: field missing from the tag": ("text", lambda o: o[:i_acme] + [o[i_acme].replace(b" acme]", b" ]")]
                                             + o[i_acme + 1:]),
    }
    for what, (kind, mut) in broken.items():
        data = stream(kind, mut)
        if data == stream(kind):
            fails.append(f"{what}: the mutation changed nothing")
        elif not run(kind, data):
            fails.append(f"{what}: accepted")
    for f in fails:
        print(f)
    print(f"self-test: 3 conforming streams, {len(broken)} broken ones, {len(fails)} failures")
    return 1 if fails else 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--tag", required=True)
    s.add_argument("--set", choices=["corpus", "keepalive", "two"], required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--docs")
    s.add_argument("--skip", action="append", default=[])
    c = sub.add_parser("check")
    c.add_argument("log")
    c.add_argument("--output", choices=["json", "logfmt", "text"], required=True)
    c.add_argument("--expect", required=True)
    c.add_argument("--fields", required=True)
    c.add_argument("--line", nargs=2, action="append", default=[], metavar=("REGEX", "COUNT"))
    c.add_argument("--format")
    sub.add_parser("self-test")
    args = p.parse_args()
    if args.cmd == "send":
        return send(args)
    if args.cmd == "check":
        return check(args)
    return self_test()


if __name__ == "__main__":
    sys.exit(main())

# check_chain.py -- check service B's log (and A's) against what the chain's client sent: IDs and traceparents propagated as specified.
"""check_chain.py MODE ...

  ids B_LOG --expect-ids FILE [--only-prefix P] [--name NAME]
                                  every ID in FILE has exactly one "B GET path=/r/<ID>" line, tagged
                                  [ID], with xrid=<ID> (once), tp=- and NAME (default X-Request-ID)
                                  once among the header names as received; no other B line under
                                  /r/<P>
  trace B_LOG CLIENT_OUT          for each client request (sent_tp=00-T-S-F): exactly one B line for its
                                  path, tagged [T], xrid=-, tp=00-T-S2-F once, S2 16 lowercase hex, not all
                                  zero, S2 != S; all S2 distinct
  generated A_LOG B_LOG CLIENT_OUT  for each client request (no header sent): A's line "A path=<p>" is
                                  tagged [G] (32 lowercase hex); B's line for <p> is tagged [G] with
                                  xrid=- and tp=00-G-S2-01; all G and all S2 distinct
  none B_LOG CLIENT_OUT           for each client request: one B line for its path with xrid=- and tp=-
Prints a summary and the first problems; exit 1 on any.
"""
import argparse
import re
import sys

TAG = re.compile(r"^\[([^\]\s]+)\] (.*)$")
BLINE = re.compile(r"^B (GET|POST) path=(\S+) xrid=(\S+) tp=(\S+) names=(\S*)")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def read_lines(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace").splitlines()


def b_lines(path):
    """path -> list of (tag or None, xrid, tp, names, raw line)"""
    out = {}
    for line in read_lines(path):
        m = TAG.match(line)
        tag, body = (m.group(1), m.group(2)) if m else (None, line)
        b = BLINE.match(body)
        if b:
            out.setdefault(b.group(2), []).append((tag, b.group(3), b.group(4), b.group(5), line))
    return out


def client_lines(path):
    rows = []
    for line in read_lines(path):
        rows.append(dict(kv.split("=", 1) for kv in line.split(" ")))
    return rows


def one_b(blog, p, problems):
    got = blog.get(p, [])
    if len(got) != 1:
        problems.append(f"{p}: {len(got)} B lines, want 1: {[g[4] for g in got]}")
        return None
    return got[0]


def main():
    mode, rest = sys.argv[1], sys.argv[2:]
    problems, checked = [], 0
    if mode == "ids":
        ap = argparse.ArgumentParser(prog="check_chain.py ids")
        ap.add_argument("blog")
        ap.add_argument("--expect-ids", required=True)
        ap.add_argument("--only-prefix", default="", help="B lines of other IDs under /r/ are not checked")
        ap.add_argument("--name", default="X-Request-ID", help="the header name B must receive, as written")
        a = ap.parse_args(rest)
        blog = b_lines(a.blog)
        ids = read_lines(a.expect_ids)
        base = "/r/"
        for rid in ids:
            b = one_b(blog, base + rid, problems)
            if b is None:
                continue
            tag, xrid, tp, names, raw = b
            if tag != rid or xrid != rid or tp != "-" or names.split(",").count(a.name) != 1:
                problems.append(f"{rid}: want tag [{rid}] xrid={rid} tp=- and one {a.name} in names, got: {raw}")
            checked += 1
        extra = [p for p in blog if p.startswith(base + a.only_prefix) and p[len(base):] not in set(ids)]
        problems += [f"unexpected B line: {blog[p][0][4]}" for p in extra]
    elif mode == "trace":
        blog, spans = b_lines(rest[0]), {}
        for row in client_lines(rest[1]):
            _, tid, span, flags = row["sent_tp"].split("-")
            b = one_b(blog, row["path"], problems)
            if b is None:
                continue
            tag, xrid, tp, _, raw = b
            parts = tp.split("-")
            ok = (tag == tid and xrid == "-" and len(parts) == 4 and parts[0] == "00" and parts[1] == tid
                  and HEX16.match(parts[2]) and parts[2] != "0" * 16 and parts[2] != span and parts[3] == flags)
            if not ok:
                problems.append(f"{row['path']}: sent {row['sent_tp']}; want tag [{tid}] xrid=- "
                                f"tp=00-{tid}-<new span>-{flags}, got: {raw}")
            elif parts[2] in spans:
                problems.append(f"span-id {parts[2]} of {row['path']} also in {spans[parts[2]]}")
            else:
                spans[parts[2]] = row["path"]
            checked += 1
    elif mode == "generated":
        alog = {}
        for line in read_lines(rest[0]):
            m = TAG.match(line)
            tag, body = (m.group(1), m.group(2)) if m else (None, line)
            a = re.match(r"^A path=(\S+) ", body)
            if a:
                alog.setdefault(a.group(1), []).append((tag, line))
        blog, gens, spans = b_lines(rest[1]), set(), set()
        for row in client_lines(rest[2]):
            p = row["path"]
            a = alog.get(p, [])
            if len(a) != 1 or a[0][0] is None or not HEX32.match(a[0][0]):
                problems.append(f"{p}: want one A line tagged with a generated 32-hex ID, got: {a}")
                continue
            gen = a[0][0]
            b = one_b(blog, p, problems)
            if b is None:
                continue
            tag, xrid, tp, _, raw = b
            parts = tp.split("-")
            ok = (tag == gen and xrid == "-" and len(parts) == 4 and parts[0] == "00" and parts[1] == gen
                  and HEX16.match(parts[2]) and parts[2] != "0" * 16 and parts[3] == "01")
            if not ok:
                problems.append(f"{p}: A generated {gen}; want B tag [{gen}] xrid=- tp=00-{gen}-<span>-01, got: {raw}")
            if gen in gens or (len(parts) == 4 and parts[2] in spans):
                problems.append(f"{p}: generated ID or span-id repeated: {raw}")
            gens.add(gen)
            if len(parts) == 4:
                spans.add(parts[2])
            checked += 1
    elif mode == "none":
        blog = b_lines(rest[0])
        for row in client_lines(rest[1]):
            b = one_b(blog, row["path"], problems)
            if b is None:
                continue
            if b[1] != "-" or b[2] != "-":
                problems.append(f"{row['path']}: want xrid=- tp=-, got: {b[4]}")
            checked += 1
    else:
        sys.exit(f"unknown mode {mode}")
    print(f"{mode}: {checked} requests checked, {len(problems)} problems")
    for p in problems[:10]:
        print(f"  {p}")
    sys.exit(0 if not problems and checked > 0 else 1)


if __name__ == "__main__":
    main()

# checklines.py -- check a server's stderr log: each request's lines tagged once with its own ID.
"""checklines.py -- check a server's stderr log: each request's lines tagged once with its own ID."""
import argparse
import collections
import re
import sys

# The lines tpcserver writes per request, after `path=<path> via=`.
TPC_VIAS = ["write", "fprintf", "perror: No such file or directory", "devstderr",
            "devstderr-once", "helper", "pieces"]


def read_lines(path):
    """The log's lines (bytes as latin-1) and a list of problems: a last line without its newline."""
    with open(path, "rb") as f:
        data = f.read()
    bad = []
    if data and not data.endswith(b"\n"):
        bad.append("log does not end with a newline (a line was cut)")
    lines = data.decode("latin-1").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines, bad


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("log")
    p.add_argument("--kind", choices=["tpc", "python"], required=True)
    p.add_argument("--prefix", default="id-", help="request i carries the ID <prefix><i>")
    p.add_argument("--first", type=int, default=1)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--format", default="[{id}] ", help="the tag template")
    p.add_argument("--untagged", action="append", default=[],
                   help="a line starting with this text must occur exactly once, untagged")
    args = p.parse_args()

    lines, bad = read_lines(args.log)

    before, _, after = args.format.partition("{id}")
    tag_re = re.escape(before) + r"(?P<id>[A-Za-z0-9_.:/+=@-]{1,200})" + re.escape(after)
    pfx = re.escape(args.prefix)
    if args.kind == "tpc":
        vias = "|".join(re.escape(v) for v in TPC_VIAS)
        body_re = r"path=/r/(?P<n>\d+) via=(?P<via>" + vias + ")"
        mention = re.compile(r"path=|via=")
    else:
        body_re = (r"127\.0\.0\.1 - - \[[^\]]+\] (?:\"GET /r/(?P<n>\d+) HTTP/1\.1\" 404 -"
                   r"|code 404, message File not found)")
        mention = re.compile(r"GET |code 404|127\.0\.0\.1")
    full = re.compile(tag_re + body_re)

    seen = collections.Counter()
    untagged_seen = collections.Counter()
    wanted = set(range(args.first, args.first + args.count))
    for no, line in enumerate(lines, 1):
        m = full.fullmatch(line)
        if m:
            the_id = m.group("id")
            if not the_id.startswith(args.prefix) or not the_id[len(args.prefix):].isdigit():
                bad.append(f"line {no}: tag {the_id!r} is not one of ours: {line!r}")
                continue
            idn = int(the_id[len(args.prefix):])
            if m.group("n") is not None and int(m.group("n")) != idn:
                bad.append(f"line {no}: request /r/{m.group('n')} tagged with {the_id!r}: {line!r}")
                continue
            if idn not in wanted:
                bad.append(f"line {no}: unexpected request {idn}: {line!r}")
                continue
            key = m.group("via") if args.kind == "tpc" else ("access" if m.group("n") else "error")
            seen[(idn, key)] += 1
            continue
        starts = [u for u in args.untagged if line.startswith(u)]
        if starts:
            untagged_seen[starts[0]] += 1
            continue
        if any(u in line for u in args.untagged):
            bad.append(f"line {no}: start-up line tagged or damaged: {line!r}")
        elif mention.search(line):
            bad.append(f"line {no}: torn, mis-tagged or double-tagged: {line!r}")
        else:
            bad.append(f"line {no}: unexpected line: {line!r}")

    keys = TPC_VIAS if args.kind == "tpc" else ["access", "error"]
    missing = 0
    for i in sorted(wanted):
        for k in keys:
            c = seen[(i, k)]
            if c != 1:
                missing += 1
                if missing <= 30:
                    bad.append(f"request {i}: {c} lines of kind {k!r}, expected 1")
    if missing > 30:
        bad.append(f"... {missing - 30} more requests with a wrong line count")
    for u in args.untagged:
        if untagged_seen[u] != 1:
            bad.append(f"untagged start-up line {u!r} seen {untagged_seen[u]} times, expected 1")

    total = sum(seen.values())
    if bad:
        print(f"checklines: {args.log}: {len(lines)} lines, {total} good request lines, "
              f"{len(bad)} problems:")
        for b in bad[:60]:
            print("  " + b)
        if len(bad) > 60:
            print(f"  ... and {len(bad) - 60} more")
        return 1
    print(f"checklines: {args.log}: {len(lines)} lines, {total} request lines, all tagged once")
    return 0


if __name__ == "__main__":
    sys.exit(main())

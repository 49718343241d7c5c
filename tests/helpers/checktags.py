# checktags.py -- check a server log: every line naming a request's path carries that request's tag.
"""checktags.py -- check the tags in a server's log against the request paths in its lines.

A line names a request when it contains <base><ID> (ID: letters, digits, '-', '_', '.').
Rules: such a line must start with exactly "[ID] " (default format), once; a line tagged with
any other ID is a WRONG tag (always a failure); an untagged request line is a failure unless
--allow-untagged matches it (documented cases). Lines before --startup-lines N are start-up
lines and must be untagged. --expect-ids FILE (one ID per line) requires that every ID appears
tagged at least once. Prints a summary and the first bad lines; exit 1 on any failure.
"""
import argparse
import re
import sys

TAG = re.compile(r"^\[([^\]\s]+)\] ")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("log")
    p.add_argument("--base", default="/r/")
    p.add_argument("--startup-lines", type=int, default=0)
    p.add_argument("--allow-untagged", action="append", default=[], metavar="REGEX")
    p.add_argument("--expect-ids", metavar="FILE")
    p.add_argument("--expect-prefix", action="append", default=[], metavar="PREFIX",
                   help="every request line whose ID starts with PREFIX must be seen at least once")
    p.add_argument("--min-lines", type=int, default=1, help="at least this many request lines")
    args = p.parse_args()

    named = re.compile(re.escape(args.base) + r"([A-Za-z0-9_.-]+)")
    allow = [re.compile(a) for a in args.allow_untagged]
    with open(args.log, "rb") as f:
        lines = f.read().decode("utf-8", "replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()

    wrong, untagged, double, startup_bad, good = [], [], [], [], 0
    seen = set()
    for n, line in enumerate(lines, 1):
        m = TAG.match(line)
        body = line[m.end():] if m else line
        if n <= args.startup_lines:
            if m:
                startup_bad.append(f"{n}: {line}")
            continue
        ids = named.findall(body)
        if not ids:
            continue
        rid = ids[0]
        if m is None:
            if not any(a.search(line) for a in allow):
                untagged.append(f"{n}: {line}")
            continue
        if m.group(1) != rid:
            wrong.append(f"{n}: tag {m.group(1)} on a line of {rid}: {line}")
            continue
        if TAG.match(body):
            double.append(f"{n}: {line}")
            continue
        good += 1
        seen.add(rid)

    missing = []
    if args.expect_ids:
        with open(args.expect_ids) as f:
            missing = [i for i in f.read().split() if i not in seen]
    print(f"{good} lines tagged right, {len(wrong)} wrong, {len(untagged)} untagged, "
          f"{len(double)} tagged twice, {len(startup_bad)} tagged start-up lines, "
          f"{len(missing)} expected IDs never seen")
    for title, items in (("WRONG", wrong), ("UNTAGGED", untagged), ("TWICE", double),
                         ("STARTUP", startup_bad), ("MISSING", missing)):
        for item in items[:10]:
            print(f"  {title}: {item}")
    ok = not (wrong or untagged or double or startup_bad or missing) and good >= args.min_lines
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

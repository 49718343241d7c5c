# stresscheck.py -- check a stress run's server log: every line whole and tagged with the ID its own request carried.
"""stresscheck.py LOG KIND REQUESTS

KIND says what the fixture logs per request, each line naming the request's target /r/ID:
  pool   poolserver: "pool path=/r/ID worker=N" and "pool done path=/r/ID worker=N" (2 lines)
  epoll  epollserver: "epoll path=/r/ID" and "epoll done path=/r/ID" (2 lines)
  tpc    tpcserver: "path=/r/ID via=..." (7 lines)
  fork   proctree: "request", "child", three "spawned" and "parent ... children=ok" (6 lines)
Every such line must start with "[ID] " for the same ID; the only other lines allowed are the
fixture's untagged start-up banner. Anything else (a torn or interleaved line, a missing or
wrong tag, a line saying something failed) is reported. Exits 0 when all is right and the number
of request lines is REQUESTS times the lines per request.
"""
import re
import sys

PER_REQUEST = {"pool": 2, "epoll": 2, "tpc": 7, "fork": 6}
# The tag, then the line, which names the request's target /r/ID (the first one it names).
LINE = re.compile(r"^\[([^\]]+)\] [^/]*/r/([A-Za-z0-9._-]+)(?:$| )")
BANNER = re.compile(r"^(poolserver listening on|epollserver listening on|listening on|proctree listening on)")


def main():
    log, kind, requests = sys.argv[1], sys.argv[2], int(sys.argv[3])
    per = PER_REQUEST[kind]
    tagged = bad = 0
    shown = 0
    with open(log, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            m = LINE.match(line)
            if m and m.group(1) == m.group(2) and "failed" not in line:
                tagged += 1
                continue
            if not m and BANNER.match(line):
                continue
            bad += 1
            if shown < 10:
                print(f"bad line: {line[:200]!r}")
                shown += 1
    want_ok = tagged == requests * per
    print(f"stresscheck: {tagged} lines tagged with their own request, {bad} bad; expected {requests * per}")
    return 0 if bad == 0 and want_ok else 1


if __name__ == "__main__":
    sys.exit(main())

# corpus.py -- hostile bytes for the structured-output tests: send them in tpcserver paths, or write them raw to stderr, then check the records.
"""corpus.py -- a corpus of hostile bytes for reqtag's JSON and logfmt records.

  corpus.py send PORT TAG
      One request per corpus path to tpcserver on 127.0.0.1:PORT (X-Request-ID: TAG-<n>, own
      connection); each answer must be 200 with "ok <path>" as its body.
  corpus.py check LOG json|logfmt TAG
      Every line of LOG is a record (records.py rules: strict parse, documented escaping); for each
      corpus path n, the records with req_id TAG-<n> are exactly tpcserver's 7 lines of that path,
      byte for byte after decoding msg.
  corpus.py write
      Write the raw corpus lines to fd 2 with os.write (no request): control bytes, tab, CR, NUL,
      (\b and \f, which JSON may spell two ways, have a test of their own),
      an 8 KB line, a UTF-8 sequence split across two writes, an empty line, and a last line without
      a newline.
  corpus.py check-raw LOG json|logfmt
      LOG holds exactly the raw corpus lines, in order, as records without req_id.
tpcserver reads the path with sscanf("%511s"): paths hold no whitespace or NUL and at most 511 bytes.
"""
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import records  # noqa: E402

MIX = b'q"b\\s\x01\x1b[1m\x7f\xe9\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff\x80-'
PATHS = [
    b'/c/quote"in"path"',
    b'/c/back\\slash\\\\end\\',
    b"/c/ctl\x01\x02\x1b[31mred\x1b[0m\x1b]0;title\x07\x7f",
    b"/c/invalid\x80\xbf\xc0\xaf\xe9x\xed\xa0\x80\xf4\x90\x80\x80\xf5\xf8\xfe\xff\xc3(\xe2\x82",
    b"/c/utf8-\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80-\xc2\x85-\xef\xbb\xbf-\xf4\x8f\xbf\xbf",
    b"/c/lone-\xe9-next-to-\xc3\xa9",
    (b"/c/long-" + MIX * 40)[:511],
]
VIAS = [b"write", b"fprintf", b"perror: No such file or directory", b"devstderr", b"devstderr-once",
        b"helper", b"pieces"]

RAW = [
    b"plain ascii line",
    b"tab\there cr\rmid vt\x0b nul\x00 del\x7f esc\x1b[0m",
    b"",
    b'quote" backslash\\ \\n-literal \\u00e9-literal',
    b"invalid \x80 \xbf \xc0\xaf \xe9 \xed\xa0\x80 \xf4\x90\x80\x80 \xff and valid \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
    (b"eight-kb " + MIX * 400)[:8192],
    b"split \xe2\x82\xac across writes",
    b"crlf\r",
]
LAST = b"last line without a newline"


def send(port, tag):
    bad = []
    for n, path in enumerate(PATHS):
        req = (b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nX-Request-ID: " + f"{tag}-{n}".encode()
               + b"\r\nConnection: close\r\n\r\n")
        with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
            s.sendall(req)
            reply = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
        head, _, body = reply.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200 ") or body != b"ok " + path + b"\n":
            bad.append(f"{n}: {reply[:200]!r}")
    for b in bad:
        print(b)
    return 1 if bad else 0


def load(log, kind, text):
    class A:
        pass
    a = A()
    a.log, a.output, a.pid, a.since, a.min_lines, a.text, a.fields = log, kind, None, None, 1, text, None
    return records.check(a)


def check(log, kind, tag):
    tmp = log + ".text"
    if load(log, kind, tmp) != 0:
        return 1
    with open(tmp, "rb") as f:
        lines = f.read().split(b"\n")[:-1]
    os.unlink(tmp)
    fails = []
    for n, path in enumerate(PATHS):
        tagp = f"[{tag}-{n}] ".encode()
        got = sorted(line[len(tagp):] for line in lines if line.startswith(tagp))
        want = sorted(b"path=" + path + b" via=" + v for v in VIAS)
        if got != want:
            fails.append(f"path {n}: got {got!r}\n  want {want!r}")
    for f in fails:
        print(f)
    print(f"corpus: {len(PATHS)} paths, {len(fails)} failures")
    return 1 if fails else 0


def write():
    for line in RAW:
        if line.startswith(b"split "):
            cut = line.index(b"\xe2") + 2
            os.write(2, line[:cut])
            os.write(2, line[cut:] + b"\n")
        else:
            os.write(2, line + b"\n")
    os.write(2, LAST)
    return 0


def check_raw(log, kind):
    tmp = log + ".text"
    if load(log, kind, tmp) != 0:
        return 1
    with open(tmp, "rb") as f:
        got = f.read().split(b"\n")[:-1]
    os.unlink(tmp)
    want = RAW + [LAST]
    if got != want:
        for i in range(max(len(got), len(want))):
            g = got[i] if i < len(got) else None
            w = want[i] if i < len(want) else None
            if g != w:
                print(f"record {i + 1}: got {g!r}\n  want {w!r}")
        return 1
    print(f"raw corpus: {len(want)} records, all exact")
    return 0


def main():
    a = sys.argv[1:]
    if len(a) == 3 and a[0] == "send":
        return send(int(a[1]), a[2])
    if len(a) == 4 and a[0] == "check":
        return check(a[1], a[2], a[3])
    if a == ["write"]:
        return write()
    if len(a) == 3 and a[0] == "check-raw":
        return check_raw(a[1], a[2])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())

# logfmt.py -- a strict logfmt parser for the tests (key=value pairs, quoted values with \" \\ \n \r \t \xNN escapes).
r"""logfmt.py -- a strict logfmt parser written for the tests.

parse(line: bytes) -> list of (key str, value bytes), in order. A line is key=value pairs separated
by single spaces, no leading or trailing space, no newline. A key is [A-Za-z_][A-Za-z0-9_]*, unique.
A value is either bare (one or more bytes other than space, '"', '=', '\\' and control bytes) or
quoted: "..." where '"' and '\\' appear only escaped, control bytes (< 0x20, 0x7f) never appear
raw, and the escapes are \" \\ \n \r \t and \xNN (two lowercase or uppercase hex digits, any byte).
Raw bytes in a value must be valid UTF-8 (the writer escapes invalid ones). Anything else raises
ValueError. `python3 logfmt.py --self-test` checks the parser on good and malformed lines.
"""
import re
import sys

KEY = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
ESCAPES = {ord('"'): b'"', ord("\\"): b"\\", ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t"}
HEX = b"0123456789abcdefABCDEF"


def _raw_ok(chunk):
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"invalid UTF-8 in a value: {chunk!r}") from e


def parse(line):
    if not isinstance(line, bytes):
        raise TypeError("bytes expected")
    if not line:
        raise ValueError("empty line")
    out, keys, i, n = [], set(), 0, len(line)
    while True:
        m = KEY.match(line, i)
        if m is None:
            raise ValueError(f"no key at {i}")
        key = m.group().decode("ascii")
        if key in keys:
            raise ValueError(f"duplicate key {key}")
        keys.add(key)
        i = m.end()
        if i >= n or line[i] != ord("="):
            raise ValueError(f"key {key} without '='")
        i += 1
        if i < n and line[i] == ord('"'):
            i += 1
            val, raw = bytearray(), bytearray()
            while True:
                if i >= n:
                    raise ValueError(f"unterminated quoted value of {key}")
                c = line[i]
                if c == ord('"'):
                    i += 1
                    break
                if c == ord("\\"):
                    _raw_ok(bytes(raw))
                    val += raw
                    raw.clear()
                    if i + 1 >= n:
                        raise ValueError("backslash at the end")
                    e = line[i + 1]
                    if e in ESCAPES:
                        val += ESCAPES[e]
                        i += 2
                    elif e == ord("x"):
                        h = line[i + 2:i + 4]
                        if len(h) != 2 or any(b not in HEX for b in h):
                            raise ValueError(f"bad \\x escape in {key}")
                        val.append(int(h, 16))
                        i += 4
                    else:
                        raise ValueError(f"unknown escape \\{chr(e)} in {key}")
                    continue
                if c < 0x20 or c == 0x7F:
                    raise ValueError(f"raw control byte 0x{c:02x} in {key}")
                raw.append(c)
                i += 1
            _raw_ok(bytes(raw))
            val += raw
            value = bytes(val)
        else:
            j = i
            while j < n and line[j] not in b' "=\\' and 0x20 < line[j] != 0x7F:
                j += 1
            if j == i:
                raise ValueError(f"empty bare value of {key}")
            value = line[i:j]
            _raw_ok(value)
            i = j
        out.append((key, value))
        if i == n:
            return out
        if line[i] != ord(" "):
            raise ValueError(f"junk after the value of {key} at {i}")
        i += 1
        if i == n:
            raise ValueError("trailing space")


def self_test():
    good = {
        b'a=1': [("a", b"1")],
        b'time=x req_id=a-1 msg="q\\"b\\\\s\\n\\r\\t\\x01\\xff \xc3\xa9"':
            [("time", b"x"), ("req_id", b"a-1"), ("msg", b'q"b\\s\n\r\t\x01\xff \xc3\xa9')],
        b'msg=""': [("msg", b"")],
    }
    bad = [b'', b' a=1', b'a=1 ', b'a=1  b=2', b'a', b'a=', b'=1', b'a=1 a=2', b'a="x', b'a="x\\q"',
           b'a="x\\x4"', b'a="x\\xZZ"', b'a="x"y', b'a="\x01"', b'a="\xff"', b'a=x"y', b'a=b=c',
           b'a="x\\"', b'a="tab\there"', b'a="\x7f"', b'1a=2', b'a=1\n', b'a="\xc3"', b'a=\xe9']
    fails = []
    for line, want in good.items():
        try:
            got = parse(line)
        except ValueError as e:
            fails.append(f"rejected good {line!r}: {e}")
            continue
        if got != want:
            fails.append(f"{line!r}: got {got!r}, want {want!r}")
    for line in bad:
        try:
            got = parse(line)
            fails.append(f"accepted malformed {line!r} as {got!r}")
        except ValueError:
            pass
    for f in fails:
        print(f)
    print(f"self-test: {len(good)} good, {len(bad)} malformed, {len(fails)} failures")
    return 1 if fails else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    print(__doc__)
    sys.exit(2)

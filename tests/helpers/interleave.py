# interleave.py -- many keep-alive connections at once, each request sent in two halves interleaved across connections.
"""interleave.py -- open N connections to 127.0.0.1:PORT; for each of R rounds send the first half
of one request on every connection (cut inside the X-Request-ID value), then the second halves in
reverse order, then read the responses in a shuffled order. Request IDs are <tag>-i-<conn>-<round>
and paths <base><ID>. Exits 1 unless every response is 200 and names its own path."""
import argparse
import random
import socket
import sys


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tag", default="il")
    p.add_argument("--base", default="/r/")
    p.add_argument("--conns", type=int, default=100)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    rng = random.Random(7)
    socks = [socket.create_connection(("127.0.0.1", args.port), timeout=30) for _ in range(args.conns)]
    files = [s.makefile("rb") for s in socks]
    bad = []
    for rnd in range(args.rounds):
        reqs = []
        for c in range(args.conns):
            rid = f"{args.tag}-i-{c}-{rnd}"
            last = rnd == args.rounds - 1
            head = (f"GET {args.base}{rid} HTTP/1.1\r\nHost: x\r\nX-Request-ID: {rid}\r\n"
                    + ("Connection: close\r\n" if last else "") + "\r\n").encode()
            cut = head.index(b"X-Request-ID: ") + 16
            reqs.append((rid, head[:cut], head[cut:]))
        for c, (_, first, _) in enumerate(reqs):
            socks[c].sendall(first)
        for c in reversed(range(args.conns)):
            socks[c].sendall(reqs[c][2])
        order = list(range(args.conns))
        rng.shuffle(order)
        for c in order:
            f = files[c]
            status = f.readline()
            length = 0
            while True:
                line = f.readline()
                if line in (b"\r\n", b""):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = f.read(length)
            want = f"{args.base}{reqs[c][0]}".encode()
            if b" 200 " not in status or want not in body:
                bad.append(f"{reqs[c][0]}: {status!r} {body!r}")
    for s in socks:
        s.close()
    print(f"interleave: {args.conns * args.rounds} requests over {args.conns} connections, {len(bad)} bad")
    for b in bad[:5]:
        print("  " + b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

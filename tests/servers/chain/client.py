# client.py -- the chain's client: sends GETs to service A with an X-Request-ID, a traceparent or no ID header, and prints what it sent and got.
"""client.py --port P [--count N] [--parallel K] [--tag T] [--mode xrid|trace|none] [--flags FF] [--base B]

Request i asks for <base><tag>-<i> (one connection each, K in flight) and carries, by mode:
  xrid   X-Request-ID: <tag>-<i>
  trace  traceparent: 00-<random 32 hex>-<random 16 hex>-<flags>
  none   no ID header
Prints one line per request, in order:
  path=<p> sent_xrid=<v|-> sent_tp=<v|-> status=<code> echo=<X-Request-ID values of the response
  joined by '|', or -> body=<first line of the body with spaces as '_'>
Exits 1 if any status is not 200.
"""
import argparse
import http.client
import secrets
import sys
from concurrent.futures import ThreadPoolExecutor


def one(args, i):
    path = f"{args.base}{args.tag}-{i}"
    headers, xrid, tp = {}, "-", "-"
    if args.mode == "xrid":
        xrid = f"{args.tag}-{i}"
        headers["X-Request-ID"] = xrid
    elif args.mode == "trace":
        tp = f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-{args.flags}"
        headers["traceparent"] = tp
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        body = r.read().decode("latin-1").split("\n")[0].replace(" ", "_")
        echo = "|".join(r.headers.get_all("X-Request-ID") or []) or "-"
        return f"path={path} sent_xrid={xrid} sent_tp={tp} status={r.status} echo={echo} body={body}"
    finally:
        conn.close()


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--parallel", type=int, default=1)
    p.add_argument("--tag", default="c")
    p.add_argument("--mode", choices=["xrid", "trace", "none"], default="xrid")
    p.add_argument("--flags", default="01")
    p.add_argument("--base", default="/r/")
    args = p.parse_args()
    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        lines = list(pool.map(lambda i: one(args, i), range(args.count)))
    print("\n".join(lines))
    sys.exit(0 if all(" status=200 " in ln for ln in lines) else 1)


if __name__ == "__main__":
    main()

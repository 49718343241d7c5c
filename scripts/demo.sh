#!/usr/bin/env bash
# demo.sh -- build reqtag, run python3's http.server under it and show the tagged access log.
set -euo pipefail

port=${1:-8000}
case "$port" in
'' | *[!0-9]*)
    echo "usage: $0 [PORT]" >&2
    exit 2
    ;;
esac

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

scripts/deps.sh demo
make --no-print-directory all

server=
stop_server() {
    if [ -n "$server" ]; then
        kill -TERM "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
        server=
    fi
}
trap stop_server EXIT

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "demo: something already listens on 127.0.0.1:$port; try: $0 OTHER_PORT" >&2
    exit 1
fi

echo "demo: starting build/reqtag -- python3 -m http.server $port --bind 127.0.0.1"
# The server's stderr (its access log, tagged by reqtag) goes straight to this terminal.
build/reqtag -- python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null &
server=$!

ready=0
for _ in $(seq 100); do
    if ! kill -0 "$server" 2>/dev/null; then
        break
    fi
    # A bare connection: the server logs nothing for it.
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        ready=1
        break
    fi
    sleep 0.1
done
if [ "$ready" -ne 1 ]; then
    echo "demo: the server did not start on 127.0.0.1:$port (see its error above)" >&2
    exit 1
fi

# request [ID]: one GET, with an X-Request-ID header when ID is given.
request() {
    local url="http://127.0.0.1:$port/"
    if [ $# -gt 0 ]; then
        echo "demo: curl -H 'X-Request-ID: $1' $url"
        curl -s -o /dev/null -H "X-Request-ID: $1" "$url"
    else
        echo "demo: curl $url"
        curl -s -o /dev/null "$url"
    fi
    sleep 0.2
}

request demo-1
request demo-2
request

sleep 0.5
stop_server
echo "demo: done; the access-log lines above start with demo-1, demo-2 and a generated ID"

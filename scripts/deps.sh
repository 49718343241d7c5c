#!/usr/bin/env bash
# deps.sh -- install the Debian 12 packages reqtag needs for a mode (build, test, demo, bench, fuzz), if missing.
set -euo pipefail

usage() {
    echo "usage: $0 build|test|demo|bench|fuzz" >&2
    exit 2
}

[ $# -eq 1 ] || usage

build_pkgs=(gcc make libc6-dev libunwind-dev)
case "$1" in
build) want=("${build_pkgs[@]}") ;;
test)
    want=("${build_pkgs[@]}" g++ clang bats bats-assert bats-support python3 curl procps iproute2
        binutils man-db libunwind-dev shellcheck nodejs ruby ruby-webrick apache2 nginx lighttpd civetweb wrk strace)
    ;;
demo) want=("${build_pkgs[@]}" python3 curl) ;;
bench) want=("${build_pkgs[@]}" wrk valgrind nginx lighttpd nodejs python3 util-linux procps) ;;
# libFuzzer's runtime is in libclang-rt-14-dev, which clang-14 only recommends.
fuzz) want=("${build_pkgs[@]}" clang libclang-rt-14-dev) ;;
*) usage ;;
esac

# installed PKG: is PKG fully installed?
installed() {
    local status
    status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
    [ "$status" = "install ok installed" ]
}

missing=()
for pkg in "${want[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

as_root=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    else
        echo "deps.sh: missing packages: ${missing[*]}; run as root or install sudo" >&2
        exit 1
    fi
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"

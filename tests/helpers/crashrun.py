# crashrun.py -- send one request that crashes a server, or run a server through its crash and report how it died.
"""crashrun.py -- send one request that crashes a server, or run a server through its crash and
report how it died.

  crashrun.py send PORT PATH ID
      Send "GET PATH" with X-Request-ID: ID to 127.0.0.1:PORT and read until the connection ends
      (a crashing server answers nothing; errors are ignored). Exit 0.

  crashrun.py run PORT PATH ID STDERR_FILE -- CMD [ARGS...]
      Start CMD (stdout a pipe, stderr appended to STDERR_FILE), wait for its "ready" line, send the
      request, wait for CMD to end and print "termsig=N coredump=0|1 exit=N" from its raw wait
      status (os.WTERMSIG, os.WCOREDUMP, os.WEXITSTATUS). Every step is bounded in time.
"""
import os
import select
import signal
import socket
import subprocess
import sys
import time

TIMEOUT = 20.0


def send(port, path, rid):
    """Send one request and read until the peer closes or resets."""
    req = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-ID: {rid}\r\nConnection: close\r\n\r\n"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
            s.sendall(req.encode("ascii"))
            while s.recv(4096):
                pass
    except OSError:
        pass


def wait_ready(proc, deadline):
    """Read proc's stdout until a "ready" line; False at EOF or the deadline."""
    buf = b""
    fd = proc.stdout.fileno()
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if not r:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            return False
        buf += chunk
        if b"ready" in buf.split(b"\n")[:-1]:
            return True
    return False


def wait_status(pid, deadline):
    """The raw wait status of pid, or None if it is still running at the deadline."""
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return status
        time.sleep(0.02)
    return None


def run(port, path, rid, errfile, cmd):
    """Start cmd, crash it with one request, print how it ended."""
    with open(errfile, "ab") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
    deadline = time.monotonic() + TIMEOUT
    if not wait_ready(proc, deadline):
        proc.kill()
        os.waitpid(proc.pid, 0)
        print("never ready", file=sys.stderr)
        return 1
    send(port, path, rid)
    status = wait_status(proc.pid, deadline)
    if status is None:
        os.kill(proc.pid, signal.SIGKILL)
        os.waitpid(proc.pid, 0)
        print("still running after the request", file=sys.stderr)
        return 1
    proc.returncode = 0  # reaped here: keep subprocess from waiting again
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
    core = 1 if os.WIFSIGNALED(status) and os.WCOREDUMP(status) else 0
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
    print(f"termsig={sig} coredump={core} exit={code}")
    return 0


def main(argv):
    if len(argv) == 5 and argv[1] == "send":
        send(int(argv[2]), argv[3], argv[4])
        return 0
    if len(argv) >= 8 and argv[1] == "run" and argv[6] == "--":
        return run(int(argv[2]), argv[3], argv[4], argv[5], argv[7:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

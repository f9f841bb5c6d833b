#!/usr/bin/env python3
"""Memory per idle keep-alive client connection of an HTTP server or proxy (Linux, loopback only).

What it does
  1. Raises its own open-file limit (RLIMIT_NOFILE) from the soft to the hard limit.
  2. Reads the server's resident memory: VmRSS from /proc/PID/status, summed over every process in
     the given process group(s) (--pgid; e.g. an nginx master and its worker) and/or the given
     process(es) (--pid). It samples a few times over --settle seconds and takes the median: "before".
  3. Opens N TCP connections to HOST:PORT one after the other. On each it sends one complete
     HTTP/1.1 keep-alive request (GET PATH) and reads the whole response (Content-Length or chunked),
     so every connection is established at HTTP level and then sits idle in the server's keep-alive
     state. A response that is not 2xx, or that says "Connection: close", is an error.
     Source addresses: the kernel picks the source port from 127.0.0.1; if it runs out of ports
     (EADDRNOTAVAIL), the script binds the next connections to 127.0.0.2, 127.0.0.3, ... (all of
     127.0.0.0/8 is loopback on Linux). --sources K spreads them over K addresses from the start.
  4. Waits --settle seconds, then samples the same RSS every 0.5 s for --hold seconds and takes the
     median: "held". Then it checks (epoll, no blocking) that no held connection was closed by the
     server or got unexpected bytes during the hold, and closes them all.
  5. Prints a human-readable summary and one machine-readable line:
       RESULT n=N before_kib=B held_kib=H per_conn_kib=P closed=C sources=S open_s=T
     where P = (H - B) / N in KiB per idle connection (1 KiB = 1024 bytes). The kernel's socket
     buffers are not in VmRSS, so P is the server's own user-space cost of an idle connection.

Exit status: 0 on success (even if some connections were closed during the hold: see closed=),
1 on errors (a connection failed, a bad response, not enough file descriptors, no such process).

Usage
  idle-connections.py --port 18002 --pgid 12345 [-n 10000] [--hold 5] [--settle 1]
                      [--host 127.0.0.1] [--path /] [--sources 1]
Standard library only (Python 3.8+).
"""

import argparse
import errno
import os
import resource
import selectors
import socket
import statistics
import sys
import time


def processes(pgids, pids):
    """Pids of live processes that are in one of the process groups pgids, or listed in pids."""
    found = set(p for p in pids if os.path.exists(f"/proc/{p}"))
    if not pgids:
        return found
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                line = f.read()
        except OSError:
            continue  # it exited meanwhile
        # fields after the ")" that ends the command name: state ppid pgrp ...
        fields = line[line.rfind(b")") + 2:].split()
        if len(fields) > 2 and int(fields[2]) in pgids:
            found.add(int(name))
    return found


def rss_kib(pgids, pids):
    """VmRSS in KiB summed over the processes; raises if there are none."""
    total = 0
    members = processes(pgids, pids)
    if not members:
        raise RuntimeError(f"no live process in process group(s) {sorted(pgids)} / pid(s) {sorted(pids)}")
    for pid in members:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])  # "VmRSS:   1234 kB" (kB = KiB here)
                        break
        except OSError:
            continue
    return total


def sample_rss(pgids, pids, seconds):
    """Median of RSS samples taken every 0.5 s over `seconds` (at least one sample)."""
    samples = [rss_kib(pgids, pids)]
    end = time.monotonic() + seconds
    while time.monotonic() + 0.5 <= end:
        time.sleep(0.5)
        samples.append(rss_kib(pgids, pids))
    return statistics.median(samples)


def read_response(sock, buf=b""):
    """Reads one complete HTTP/1.1 response; returns (status, headers dict). Raises on errors."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("the server closed the connection before a complete response head")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise RuntimeError(f"bad status line {lines[0]!r}")
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if "chunked" in headers.get("transfer-encoding", ""):
        while not rest.endswith(b"0\r\n\r\n"):  # enough for the benchmark's origin (no trailers)
            chunk = sock.recv(65536)
            if not chunk:
                raise RuntimeError("the server closed the connection inside a chunked body")
            rest += chunk
    else:
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                raise RuntimeError("the server closed the connection inside the body")
            rest += chunk
        if len(rest) > length:
            raise RuntimeError("the server sent more bytes than the response's Content-Length")
    return status, headers


def main():
    ap = argparse.ArgumentParser(description="memory per idle keep-alive connection (see the module docstring)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/")
    ap.add_argument("--pgid", type=int, action="append", default=[], help="process group to measure (repeatable)")
    ap.add_argument("--pid", type=int, action="append", default=[], help="process to measure (repeatable)")
    ap.add_argument("-n", type=int, default=10000, help="connections to open and hold (10000)")
    ap.add_argument("--hold", type=float, default=5.0, help="seconds of RSS sampling while holding (5)")
    ap.add_argument("--settle", type=float, default=1.0, help="seconds to wait before each measurement (1)")
    ap.add_argument("--sources", type=int, default=1, help="spread over 127.0.0.1 .. 127.0.0.K from the start (1)")
    ap.add_argument("--max-sources", type=int, default=64, help="most source addresses to move on to (64)")
    ap.add_argument("--timeout", type=float, default=10.0, help="socket timeout per operation, seconds (10)")
    ap.add_argument("--label", default="", help="name to print in the summary")
    a = ap.parse_args()
    if not a.pgid and not a.pid:
        ap.error("give --pgid and/or --pid of the server to measure")
    if a.n < 1 or a.sources < 1 or a.max_sources < a.sources:
        ap.error("-n and --sources must be >= 1, and --max-sources >= --sources")
    label = a.label or f"{a.host}:{a.port}"
    pgids, pids = set(a.pgid), set(a.pid)

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    if soft != resource.RLIM_INFINITY and soft < a.n + 64:
        print(f"error: open-file limit {soft} is too low for {a.n} connections (need {a.n + 64}); "
              f"raise the hard limit (ulimit -Hn) or lower -n", file=sys.stderr)
        return 1

    try:
        time.sleep(a.settle)
        before = sample_rss(pgids, pids, 1.0)
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1

    request = (f"GET {a.path} HTTP/1.1\r\nHost: {a.host}:{a.port}\r\n"
               f"User-Agent: idle-connections.py\r\n\r\n").encode()
    socks = []
    source = 0  # index: 127.0.0.(source + 1); 0 and --sources 1 means: let the kernel choose (no bind)
    bound = a.sources > 1
    used_sources = 1
    start = time.monotonic()
    try:
        for i in range(a.n):
            while True:
                if a.sources > 1:
                    source = i % a.sources
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.settimeout(a.timeout)
                try:
                    if bound:
                        s.bind((f"127.0.0.{source + 1}", 0))
                    s.connect((a.host, a.port))
                    break
                except OSError as e:
                    s.close()
                    if e.errno in (errno.EADDRNOTAVAIL, errno.EADDRINUSE) and a.sources == 1 \
                            and source + 1 < a.max_sources:
                        source += 1  # out of ports on this source address: move on to the next one
                        bound = True
                        used_sources = max(used_sources, source + 1)
                        continue
                    raise RuntimeError(f"connection {i + 1}: connect: {e}") from None
            socks.append(s)
            try:
                s.sendall(request)
                status, headers = read_response(s)
            except (OSError, RuntimeError, ValueError) as e:
                raise RuntimeError(f"connection {i + 1}: {e}") from None
            if not 200 <= status < 300:
                raise RuntimeError(f"connection {i + 1}: status {status}")
            if "close" in headers.get("connection", ""):
                raise RuntimeError(f"connection {i + 1}: the server answered with Connection: close")
        used_sources = max(used_sources, a.sources)
        open_s = time.monotonic() - start

        time.sleep(a.settle)
        held = sample_rss(pgids, pids, a.hold)

        # A held connection that became readable was closed by the server (or got unexpected bytes).
        sel = selectors.DefaultSelector()
        for s in socks:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        closed = len(sel.select(timeout=0))
        sel.close()
    except RuntimeError as e:
        print(f"error: {label}: {e} (after {len(socks)} connections)", file=sys.stderr)
        return 1
    finally:
        for s in socks:
            s.close()

    per_conn = (held - before) / a.n
    print(f"{label}: {a.n} idle keep-alive connections opened in {open_s:.1f} s from {used_sources} source "
          f"address(es); RSS {before / 1024:.1f} MiB before, {held / 1024:.1f} MiB held: "
          f"{per_conn:.2f} KiB per connection" + (f"; {closed} closed during the hold" if closed else ""))
    print(f"RESULT n={a.n} before_kib={before:.0f} held_kib={held:.0f} per_conn_kib={per_conn:.3f} "
          f"closed={closed} sources={used_sources} open_s={open_s:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

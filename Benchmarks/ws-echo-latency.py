#!/usr/bin/env python3
"""WebSocket echo server and round-trip latency client for Benchmarks/http2.sh (loopback only).

Needs the `websockets` package (PyPI, 13+ for the asyncio API used here): Bulwark's test venv has it,
/opt/bulwark-moto/bin/python (see Tests/BulwarkGatewayTests/Upgrade/PythonWebSockets.swift).

  ws-echo-latency.py server
      Serves a WebSocket echo on 127.0.0.1 at a free port (picked by the kernel), prints that port on
      one line, then echoes every message back until it is killed. No compression, no pings.

  ws-echo-latency.py client URL MESSAGES [--warmup W] [--size BYTES]
      Opens one connection to URL (ws://HOST:PORT/PATH; no compression, no pings), sends W untimed
      messages (default 200), then MESSAGES messages one after the other: each is BYTES (default 32)
      of text, sent only after the previous echo arrived, and its round trip (send until the echo is
      received, time.perf_counter_ns) is recorded. Every echo is checked against what was sent.
      Prints one machine-readable line:
        RESULT messages=M sent=S p50_us=.. p90_us=.. p99_us=.. mean_us=.. min_us=.. max_us=.. secs=..
      where sent = W + M (every message that crossed the connection, for CPU per message) and secs is
      the wall time of the timed part. Percentiles: nearest rank over the M round trips.
      Exit status 1 (with a message on stderr) if the connection fails or an echo is wrong.
"""
import argparse
import asyncio
import math
import sys
import time


def percentile(sorted_values, q):
    """Nearest-rank percentile (q in 0..100) of an ascending list."""
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


async def serve_forever():
    from websockets.asyncio.server import serve

    async def echo(ws):
        try:
            async for message in ws:
                await ws.send(message)
        except Exception:
            pass

    async with serve(echo, "127.0.0.1", 0, compression=None, ping_interval=None, max_size=None) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()


async def measure(url, messages, warmup, size):
    from websockets.asyncio.client import connect

    payload_base = "x" * max(0, size - 8)
    rtts = []
    async with connect(url, compression=None, ping_interval=None, max_size=None, open_timeout=10, close_timeout=2) as ws:
        for i in range(warmup):
            message = f"{i:08d}{payload_base}"
            await ws.send(message)
            if await ws.recv() != message:
                raise RuntimeError(f"warm-up echo {i} differs from what was sent")
        clock = time.perf_counter_ns
        start = clock()
        for i in range(messages):
            message = f"{i:08d}{payload_base}"
            t0 = clock()
            await ws.send(message)
            echo = await ws.recv()
            t1 = clock()
            if echo != message:
                raise RuntimeError(f"echo {i} differs from what was sent")
            rtts.append(t1 - t0)
        secs = (clock() - start) / 1e9
    rtts.sort()
    us = lambda ns: ns / 1000
    print(
        f"RESULT messages={messages} sent={warmup + messages}"
        f" p50_us={us(percentile(rtts, 50)):.1f} p90_us={us(percentile(rtts, 90)):.1f}"
        f" p99_us={us(percentile(rtts, 99)):.1f} mean_us={us(sum(rtts) / len(rtts)):.1f}"
        f" min_us={us(rtts[0]):.1f} max_us={us(rtts[-1]):.1f} secs={secs:.3f}",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    sub.add_parser("server")
    client = sub.add_parser("client")
    client.add_argument("url")
    client.add_argument("messages", type=int)
    client.add_argument("--warmup", type=int, default=200)
    client.add_argument("--size", type=int, default=32)
    args = parser.parse_args()
    if args.mode == "server":
        asyncio.run(serve_forever())
        return
    if args.messages < 1 or args.warmup < 0 or args.size < 8:
        parser.error("messages must be >= 1, --warmup >= 0, --size >= 8")
    try:
        asyncio.run(asyncio.wait_for(measure(args.url, args.messages, args.warmup, args.size), 120))
    except Exception as error:  # a failed connection or a wrong echo: say what happened, exit 1
        print(f"ws-echo-latency: {args.url}: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

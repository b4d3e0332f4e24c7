"""Server load benchmark: concurrent clients against a served agent over loopback HTTP.

The server runs in its own process; the clients (asyncio + httpx, one connection pool each) run
in this one. Besides the measured clients, "disconnecters" open streaming requests and drop them
after the first chunk, over and over; only the measured clients' errors are counted.

    python benchmarks/server.py scripted               # 50 clients x 10 requests, scripted agent
    python benchmarks/server.py embedded               # 50 clients x 1 request, SmolLM2
    python benchmarks/server.py embedded --no-batching # the same, one request per generate
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time

import httpx

SERVER = """
import sys
from sdialog.agents import Agent
from sdialog.llm import ScriptedBackend
from sdialog.server import Server
mode, port, window, batch = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
if mode == "scripted":
    agent = Agent(name="Bot", model=ScriptedBackend(lambda m: "Sure, I can help with that order."))
else:
    agent = Agent(persona={"name": "Bot", "role": "support agent"}, model="smollm2",
                  temperature=0.7, max_tokens=16)
    agent.backend.load()
Server(agent, port=port, api_key="", batch_window_ms=window, max_batch_size=batch).run()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def client(url: str, n: int, i: int, latencies: list[float], errors: list[str]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=600) as http:
        for j in range(n):
            body = {
                "model": "Bot",
                "messages": [{"role": "user", "content": f"Customer {i}: where is order {j}?"}],
                "stream": j % 2 == 1,  # half the requests stream
                "seed": i * 1000 + j,
            }
            started = time.perf_counter()
            try:
                response = await http.post("/v1/chat/completions", json=body)
                if response.status_code != 200:
                    errors.append(f"status {response.status_code}")
                elif body["stream"] and not response.text.rstrip().endswith("data: [DONE]"):
                    errors.append("stream without [DONE]")
                else:
                    latencies.append(time.perf_counter() - started)
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)


async def disconnecter(url: str, stop: asyncio.Event, count: list[int]) -> None:
    body = {"model": "Bot", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    while not stop.is_set():
        try:
            async with (
                httpx.AsyncClient(base_url=url, timeout=600) as http,
                http.stream("POST", "/v1/chat/completions", json=body) as response,
            ):
                async for _ in response.aiter_bytes():
                    break  # drop the connection mid-stream
            count[0] += 1
        except httpx.HTTPError:
            count[0] += 1


async def load(url: str, clients: int, requests: int, disconnecters: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    stop, dropped = asyncio.Event(), [0]
    droppers = [
        asyncio.ensure_future(disconnecter(url, stop, dropped)) for _ in range(disconnecters)
    ]
    started = time.perf_counter()
    await asyncio.gather(*(client(url, requests, i, latencies, errors) for i in range(clients)))
    wall = time.perf_counter() - started
    stop.set()
    await asyncio.gather(*droppers)
    latencies.sort()
    return {
        "requests": clients * requests,
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "dropped_streams": dropped[0],
        "wall_s": wall,
        "rps": len(latencies) / wall,
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["scripted", "embedded"])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=None, help="per client")
    parser.add_argument("--disconnecters", type=int, default=5)
    parser.add_argument("--no-batching", action="store_true", help="max_batch_size=1")
    args = parser.parse_args()
    requests = args.requests or (10 if args.mode == "scripted" else 1)
    window, batch = (0.0, 1) if args.no_batching else (20.0 if args.mode == "embedded" else 5.0, 64)
    port = free_port()
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, args.mode, str(port), str(window), str(batch)],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        result = asyncio.run(load(url, args.clients, requests, args.disconnecters))
    finally:
        server.terminate()
        server.wait(30)
    label = f"{args.mode}{' (no batching)' if args.no_batching else ''}"
    print(
        f"| {label} | {args.clients} x {requests} | {result['errors']} | "
        f"{result['dropped_streams']} | {result['p50_ms']:.0f} | {result['p95_ms']:.0f} | "
        f"{result['rps']:.1f} | {result['wall_s']:.1f} |"
    )
    if result["errors"]:
        print("errors:", result["error_kinds"])


if __name__ == "__main__":
    main()

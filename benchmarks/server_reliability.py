"""Server reliability under hostile clients (issue 12): slow connections and aborted streams.

The server runs in its own process on loopback; this process plays the clients. Loopback only;
every loop is bounded in count and in time.

    python benchmarks/server_reliability.py slow [--connections 1000] [--seconds 15]
    python benchmarks/server_reliability.py aborts [--streams 200]

``slow``: ``--connections`` sockets send their request headers one line a second, for
``--seconds``, while one client sends ordinary requests (alternating a kept-alive connection
and a fresh one). Reported: latency of those requests (p50/p95), how many failed, the server's
peak open file descriptors and RSS. Run against the guarded server (defaults) and an unguarded
one (no connection limit, no header deadline: what uvicorn does by itself).

``aborts``: ``--streams`` streaming requests to an agent on the tiny random model (real
``generate`` calls, 64 new tokens), 20 at a time, each dropped by its client (half during
generation, half after the first chunk). Reported: server RSS before and after each round, the
requests the server cancelled, and /health latency meanwhile.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

SERVER = """
import sys
from sdialog.agents import Agent
from sdialog.llm import ScriptedBackend
from sdialog.server import Server
mode, port, guarded = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "guarded"
if mode == "tiny":
    sys.path.insert(0, sys.argv[4])
    from sdialog.llm import LocalBackend, register_model
    from tests.tiny_model import build_model, build_tokenizer
    tokenizer = build_tokenizer()
    register_model("tiny", build_model(len(tokenizer)), tokenizer)
    model = LocalBackend("huggingface:tiny", temperature=0, max_tokens=64, cache=False)
else:
    model = ScriptedBackend(lambda m: "Sure, I can help with that order.")
options = {} if guarded else {"max_connections": 10**6, "header_timeout": 10**6}
Server(Agent(name="Bot", model=model), port=port, api_key="", **options).run()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(mode: str, guarded: bool) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    args = [sys.executable, "-c", SERVER, mode, str(port), "guarded" if guarded else "open"]
    process = subprocess.Popen([*args, str(ROOT)], env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


def fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


BODY = {"model": "Bot", "messages": [{"role": "user", "content": "Where is my order?"}]}


# -- slow connections ---------------------------------------------------------------------------
def slow(connections: int, seconds: float, guarded: bool) -> dict:
    process, url = start_server("scripted", guarded)
    port = int(url.rsplit(":", 1)[1])
    try:
        with httpx.Client(base_url=url, timeout=10) as warm:
            for _ in range(20):
                warm.post("/v1/chat/completions", json=BODY)
        idle_fds = fds(process.pid)
        socks: list[socket.socket] = []
        for _ in range(connections):
            sock = socket.socket()
            sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                sock.connect(("127.0.0.1", port))
            socks.append(sock)
        time.sleep(0.5)
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.send(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")
        latencies: list[float] = []
        failures = [0]
        stop = threading.Event()

        def ordinary() -> None:
            with httpx.Client(base_url=url, timeout=10) as kept:
                for i in range(400):  # bounded in count and time
                    if stop.is_set():
                        return
                    started = time.perf_counter()
                    try:
                        if i % 2:
                            response = kept.post("/v1/chat/completions", json=BODY)
                        else:
                            response = httpx.post(
                                url + "/v1/chat/completions", json=BODY, timeout=10
                            )
                        if response.status_code == 200:
                            latencies.append(time.perf_counter() - started)
                        else:
                            failures[0] += 1
                    except httpx.HTTPError:
                        failures[0] += 1
                    time.sleep(0.02)

        worker = threading.Thread(target=ordinary)
        worker.start()
        peak_fds, peak_rss, closed = 0, 0.0, set()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for i, sock in enumerate(socks):
                if i in closed:
                    continue
                try:
                    readable, _, _ = select.select([sock], [], [], 0)
                    if readable and not sock.recv(4096):
                        closed.add(i)
                        continue
                    sock.send(b"X-Slow: 1\r\n")
                except OSError:
                    closed.add(i)
            peak_fds = max(peak_fds, fds(process.pid))
            peak_rss = max(peak_rss, rss_mb(process.pid))
            time.sleep(1.0)
        stop.set()
        worker.join(30)
        result = {
            "server": "guarded (defaults)" if guarded else "unguarded",
            "slow connections": connections,
            "closed by server": len(closed),
            "ordinary requests": len(latencies) + failures[0],
            "failed": failures[0],
            "p50 ms": round(p(latencies, 0.5) * 1000, 1),
            "p95 ms": round(p(latencies, 0.95) * 1000, 1),
            "fds idle": idle_fds,
            "fds peak": peak_fds,
            "fds end": fds(process.pid),
            "rss peak MB": round(peak_rss, 1),
        }
        for sock in socks:
            sock.close()
        return result
    finally:
        process.terminate()
        process.wait(10)


# -- aborted streams ----------------------------------------------------------------------------
def aborts(streams: int) -> dict:
    process, url = start_server("tiny", True)
    try:
        with httpx.Client(base_url=url, timeout=120) as http:
            for _ in range(10):  # warm-up: complete requests
                http.post("/v1/chat/completions", json=BODY)
        rows = [("after warm-up", rss_mb(process.pid))]
        health: list[float] = []

        def drop(i: int) -> None:
            body = {**BODY, "stream": True, "seed": i}
            try:
                with (
                    httpx.Client(base_url=url, timeout=60) as http,
                    http.stream("POST", "/v1/chat/completions", json=body) as response,
                ):
                    for _ in response.iter_bytes():
                        break  # after the first chunk
            except httpx.HTTPError:
                pass

        def drop_early(i: int) -> None:
            body = {**BODY, "stream": True, "seed": i}
            with contextlib.suppress(httpx.HTTPError):  # gives up during generation
                httpx.post(url + "/v1/chat/completions", json=body, timeout=0.05)

        for round_ in (1, 2):
            for start in range(0, streams, 20):
                threads = [
                    threading.Thread(target=drop if i % 2 else drop_early, args=(i,))
                    for i in range(start, min(start + 20, streams))
                ]
                for thread in threads:
                    thread.start()
                started = time.perf_counter()
                httpx.get(url + "/health", timeout=30)
                health.append(time.perf_counter() - started)
                for thread in threads:
                    thread.join(60)
            deadline = time.monotonic() + 60
            while httpx.get(url + "/health").json()["in_flight"] and time.monotonic() < deadline:
                time.sleep(0.2)
            rows.append((f"after {round_ * streams} aborted streams", rss_mb(process.pid)))
        state = httpx.get(url + "/health").json()
        return {
            "rss MB": [(label, round(mb, 1)) for label, mb in rows],
            "cancelled by the server": state["cancelled"],
            "in flight at the end": state["in_flight"],
            "/health p95 ms during aborts": round(p(health, 0.95) * 1000, 1),
        }
    finally:
        process.terminate()
        process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["slow", "aborts"])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--unguarded-too", action="store_true")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    if args.what == "slow":
        print(slow(args.connections, args.seconds, guarded=True))
        if args.unguarded_too:
            print(slow(args.connections, args.seconds, guarded=False))
    else:
        print(aborts(args.streams))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

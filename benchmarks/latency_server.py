"""An OpenAI-compatible chat server that answers every request after a fixed delay.

The remote simulation benchmark runs it in its own process (as a real remote system would be), on
uvicorn with HTTP keep-alive, so that the client's cost is measured, not a test server sharing its
interpreter. ``GET /stats`` returns the number of chat requests and the peak number in flight.

Usage:
    python benchmarks/latency_server.py --port 8765 --delay 0.2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time


class LatencyServer:
    """A minimal ASGI app: ``POST .../chat/completions`` and ``GET /stats``."""

    def __init__(self, delay: float):
        self.delay = delay
        self.requests = 0
        self.in_flight = 0
        self.peak = 0

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if scope["path"] == "/stats":
            await _send_json(send, {"requests": self.requests, "peak_in_flight": self.peak})
        elif scope["path"].endswith("/chat/completions"):
            await _send_json(send, await self._chat(json.loads(body)))
        else:
            await _send_json(send, {"error": {"message": "not found"}}, status=404)

    async def _chat(self, request: dict) -> dict:
        self.requests += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        messages = request.get("messages") or []
        text = f"{str(messages[0].get('content'))[:11]} reply {len(messages)}"
        return {
            "id": f"chatcmpl-{self.requests}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", "stub"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13},
        }


async def _send_json(send, payload: dict, status: int = 200) -> None:
    data = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay", type=float, default=0.2)
    args = parser.parse_args()
    uvicorn.run(
        LatencyServer(args.delay),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        backlog=2048,
        timeout_keep_alive=30,
    )


if __name__ == "__main__":
    main()

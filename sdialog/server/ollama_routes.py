"""Ollama-compatible routes: ``POST /api/chat`` (NDJSON streaming by default, as in Ollama, or one
JSON object with ``"stream": false``), ``GET /api/tags``, ``POST /api/show``, ``GET /api/version``.

Errors under ``/api/`` are ``{"error": "message"}``, the shape Ollama clients read.

Example:
    >>> ollama_time(0)
    '1970-01-01T00:00:00Z'
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from sdialog.server.app import Serving, as_messages, read_body, unless_disconnected
from sdialog.server.openai_routes import text_pieces
from sdialog.server.runner import Reply
from sdialog.server.schemas import (
    OllamaChatRequest,
    OllamaShowRequest,
    RequestError,
    parse_request,
)

router = APIRouter()


def ollama_time(seconds: float | None = None) -> str:
    """A timestamp in the form Ollama writes (RFC 3339, UTC)."""
    moment = datetime.fromtimestamp(time.time() if seconds is None else seconds, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (
        f".{moment.microsecond:06d}Z" if moment.microsecond else "Z"
    )


@router.get("/api/version")
async def version() -> dict[str, str]:
    from sdialog import __version__

    # semver with a pre-release tag naming us (the reference answers "...-sdialog" too)
    return {"version": f"{__version__}-sdialog"}


@router.get("/api/tags")
async def tags(request: Request) -> dict[str, Any]:
    serving: Serving = request.app.state.serving
    return {"models": [_tag(serving, name) for name in serving.agents]}


@router.post("/api/show")
async def show(request: Request) -> dict[str, Any]:
    serving: Serving = request.app.state.serving
    body = parse_request(OllamaShowRequest, await read_body(request))
    if not (body.model or body.name):
        raise RequestError("model: required", param="model")
    name, agent = serving.agent(body.model or body.name)
    backend = getattr(agent, "backend", None)
    info = backend.provenance() if backend is not None else {}
    persona = getattr(getattr(agent, "persona", None), "name", None)
    return {
        # "license": sdialog's (MIT), as the reference answers; not the underlying model's
        "license": "MIT",
        "modelfile": f"# sdialog agent: {name}\n# persona: {persona or 'none'}\n",
        "parameters": "",
        "template": "{{ .Prompt }}",
        "details": _details(),
        "model_info": {
            "general.architecture": "sdialog",
            "general.name": name,
            "sdialog.backend": info.get("backend"),
            "sdialog.model": info.get("model"),
        },
        "capabilities": ["completion"],
        "modified_at": ollama_time(serving.created),
    }


@router.post("/api/chat")
async def chat(request: Request) -> Any:
    serving: Serving = request.app.state.serving
    body = parse_request(OllamaChatRequest, await read_body(request))
    name, agent = serving.agent(body.model)
    conversation = serving.conversation(request, body.conversation_id)
    messages = as_messages(body.messages)
    if not messages and conversation is None:
        # Ollama answers an empty chat with a "model loaded" message and no generation
        return {"model": name, "created_at": ollama_time(), "message": _message(""), "done": True,
                "done_reason": "load"}  # fmt: skip
    params = body.generation_params()
    serving.check(body.messages, params)
    started = time.perf_counter_ns()
    if serving.is_task(body.messages):
        reply = Reply(text="")
    else:
        work = serving.runner.reply(
            agent, messages, params, seed=body.options.seed, conversation_id=conversation
        )
        reply = await unless_disconnected(request, work)
    final = _final(name, reply, time.perf_counter_ns() - started)
    headers = {"x-conversation-id": conversation} if conversation else None
    if not body.stream:
        return JSONResponse({**final, "message": _message(reply.text)}, headers=headers)
    return StreamingResponse(
        _ndjson(name, reply, final), media_type="application/x-ndjson", headers=headers
    )


async def _ndjson(name: str, reply: Reply, final: dict[str, Any]) -> AsyncIterator[bytes]:
    for piece in text_pieces(reply.text):
        line = {"model": name, "created_at": ollama_time(), "message": _message(piece)}
        yield (json.dumps({**line, "done": False}) + "\n").encode()
    yield (json.dumps({**final, "message": _message("")}) + "\n").encode()


def _final(name: str, reply: Reply, duration_ns: int) -> dict[str, Any]:
    return {
        "model": name,
        "created_at": ollama_time(),
        "done": True,
        "done_reason": reply.finish_reason,
        "total_duration": duration_ns,
        "load_duration": 0,
        "prompt_eval_count": reply.usage.prompt_tokens,
        "prompt_eval_duration": 0,
        "eval_count": reply.usage.completion_tokens,
        "eval_duration": duration_ns,
    }


def _message(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


def _details() -> dict[str, Any]:
    return {
        "parent_model": "",
        "format": "sdialog",
        "family": "sdialog-agent",
        "families": ["sdialog-agent"],
        "parameter_size": "",
        "quantization_level": "",
    }


def _tag(serving: Serving, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "model": name,
        "modified_at": ollama_time(serving.created),
        "size": 0,
        "digest": hashlib.sha256(name.encode()).hexdigest(),
        "details": _details(),
    }

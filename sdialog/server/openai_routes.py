"""OpenAI-compatible routes: ``POST /v1/chat/completions`` (plain and SSE streaming),
``GET /v1/models`` and ``GET /v1/models/{id}``.

The reply is computed first (so errors keep their HTTP status), then sent whole or streamed as
``chat.completion.chunk`` events, word by word, ending with ``data: [DONE]``.

Example:
    >>> [piece for piece in text_pieces("Hello there, friend.")]
    ['Hello ', 'there, ', 'friend.']
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from sdialog.server.app import Serving, as_messages, read_body, unless_disconnected
from sdialog.server.runner import Reply
from sdialog.server.schemas import ChatCompletionRequest, RequestError, parse_request

router = APIRouter()


def text_pieces(text: str) -> Iterator[str]:
    """Split ``text`` into stream pieces (a word and the whitespace after it)."""
    yield from re.findall(r"\s*\S+\s*", text) or ([text] if text else [])


@router.get("/v1/models")
async def list_models(request: Request) -> dict[str, Any]:
    serving: Serving = request.app.state.serving
    return {"object": "list", "data": [_model_card(serving, name) for name in serving.agents]}


@router.get("/v1/models/{model_id:path}")
async def get_model(model_id: str, request: Request) -> dict[str, Any]:
    serving: Serving = request.app.state.serving
    name, _ = serving.agent(model_id)
    return _model_card(serving, name)


@router.post("/v1/chat/completions")
async def chat_completions(request: Request) -> Any:
    serving: Serving = request.app.state.serving
    body = parse_request(ChatCompletionRequest, await read_body(request))
    name, agent = serving.agent(body.model)
    conversation = serving.conversation(request, body.conversation_id, body.user)
    params = body.generation_params()
    serving.check(body.messages, params)
    messages = as_messages(body.messages)
    if not messages and conversation is None:
        raise RequestError("messages: at least one message is required", param="messages")
    if serving.is_task(body.messages):
        reply = Reply(text="")
    else:
        work = serving.runner.reply(
            agent, messages, params, seed=body.seed, conversation_id=conversation
        )
        reply = await unless_disconnected(request, work)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    headers = {"x-conversation-id": conversation} if conversation else None
    if not body.stream:
        return JSONResponse(
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": name,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply.text},
                        "logprobs": None,
                        "finish_reason": reply.finish_reason,
                    }
                ],
                "usage": _usage(reply),
                "system_fingerprint": None,
            },
            headers=headers,
        )
    include_usage = bool((body.stream_options or {}).get("include_usage"))
    events = _sse(reply, completion_id, created, name, include_usage)
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", **(headers or {})},
    )


async def _sse(
    reply: Reply, completion_id: str, created: int, model: str, include_usage: bool
) -> AsyncIterator[bytes]:
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        data = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(data)}\n\n".encode()

    yield chunk({"role": "assistant", "content": ""})
    for piece in text_pieces(reply.text):
        yield chunk({"content": piece})
    yield chunk({}, reply.finish_reason)
    if include_usage:
        data = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [],
            "usage": _usage(reply),
        }
        yield f"data: {json.dumps(data)}\n\n".encode()
    yield b"data: [DONE]\n\n"


def _usage(reply: Reply) -> dict[str, int]:
    return {
        "prompt_tokens": reply.usage.prompt_tokens,
        "completion_tokens": reply.usage.completion_tokens,
        "total_tokens": reply.usage.total_tokens,
    }


def _model_card(serving: Serving, name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": serving.created, "owned_by": "sdialog"}

"""Tool specs: from plain Python functions to OpenAI-style tool schemas, and the JSON tool-call
protocol used by local models (decoded under a grammar, so it is always well formed).

Example:
    >>> def get_weather(city: str, unit: str = "C") -> str:
    ...     '''Current weather in a city.
    ...
    ...     Args:
    ...         city: the city name.
    ...         unit: C or F.
    ...     '''
    ...     return "sunny"
    >>> spec = function_to_tool(get_weather)
    >>> spec["function"]["name"], spec["function"]["parameters"]["required"]
    ('get_weather', ['city'])
"""

from __future__ import annotations

import inspect
import json
import re
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import create_model

from sdialog.llm.base import ToolCall

ToolSpec = dict[str, Any]


def _docstring_parts(fn: Callable[..., Any]) -> tuple[str, dict[str, str]]:
    """Split a Google/NumPy-style docstring into (summary, {argument: description})."""
    doc = inspect.getdoc(fn) or ""
    summary_lines: list[str] = []
    arg_docs: dict[str, str] = {}
    section = "summary"
    for line in doc.splitlines():
        stripped = line.strip()
        if re.fullmatch(r"(Args|Arguments|Parameters|Params):?", stripped):
            section = "args"
            continue
        if re.fullmatch(r"(Returns?|Raises|Yields|Examples?|Notes?):?", stripped):
            section = "other"
            continue
        if section == "summary":
            summary_lines.append(stripped)
        elif section == "args":
            match = re.match(r"^(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$", stripped)
            if match:
                arg_docs[match.group(1)] = match.group(2)
    summary = " ".join(line for line in summary_lines if line).strip()
    return summary, arg_docs


def function_to_tool(fn: Callable[..., Any]) -> ToolSpec:
    """Build an OpenAI-style tool spec from a function's name, signature and docstring."""
    summary, arg_docs = _docstring_parts(fn)
    fields: dict[str, Any] = {}
    try:  # resolves string annotations (``from __future__ import annotations``)
        hints = typing.get_type_hints(fn, include_extras=True)
    except (NameError, TypeError) as exc:
        raise TypeError(f"cannot resolve the type hints of tool {fn.__name__!r}: {exc}") from None
    for name, param in inspect.signature(fn).parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotation = hints.get(name, Any)
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[name] = (annotation, default)
    model = create_model(f"{fn.__name__}_arguments", **fields)
    parameters = model.model_json_schema()
    parameters.pop("title", None)
    for name, prop in parameters.get("properties", {}).items():
        prop.pop("title", None)
        if name in arg_docs:
            prop["description"] = arg_docs[name]
    parameters.setdefault("required", [])
    return {
        "type": "function",
        "function": {"name": fn.__name__, "description": summary, "parameters": parameters},
    }


def normalize_tools(
    tools: Sequence[Callable[..., Any] | Mapping[str, Any]] | None,
) -> list[ToolSpec]:
    """Accept functions or OpenAI-style specs; return specs (validated to have a name)."""
    specs: list[ToolSpec] = []
    for i, tool in enumerate(tools or []):
        spec = function_to_tool(tool) if callable(tool) else dict(tool)
        function = spec.get("function")
        if (
            spec.get("type") != "function"
            or not isinstance(function, Mapping)
            or not function.get("name")
        ):
            raise ValueError(
                f"tools[{i}] must be a function or an OpenAI tool spec {{'type': 'function', "
                f"'function': {{'name': ..., 'parameters': ...}}}}, got {tool!r}"
            )
        specs.append(spec)
    return specs


REPLY_PATTERN = r"^[A-Za-z0-9\"'][^{}<>|#*_=~\[\]\\\n]*$"
"""What a constrained plain reply may look like: it starts like a sentence and holds no braces,
brackets, pipes, markup or line breaks (small models otherwise fill the string with template
debris such as ``{{messageText|repeat(``)."""


def local_protocol_schema(tools: Sequence[ToolSpec], allow_reply: bool = True) -> dict[str, Any]:
    """JSON schema of the local tool-call protocol: one tool call or (optionally) a reply."""
    options: list[dict[str, Any]] = []
    for spec in tools:
        function = spec["function"]
        arguments = function.get("parameters") or {"type": "object", "properties": {}}
        options.append(
            {
                "type": "object",
                "properties": {"tool": {"const": function["name"]}, "arguments": arguments},
                "required": ["tool", "arguments"],
                "additionalProperties": False,
            }
        )
    if allow_reply:
        options.append(
            {
                "type": "object",
                "properties": {"reply": {"type": "string", "pattern": REPLY_PATTERN}},
                "required": ["reply"],
                "additionalProperties": False,
            }
        )
    return {"anyOf": options}


def local_protocol_prompt_items(tools: Sequence[ToolSpec]) -> list[dict[str, str]]:
    """Describe tools for the local tool prompt template."""
    return [
        {
            "name": spec["function"]["name"],
            "description": spec["function"].get("description") or "",
            "parameters_json": json.dumps(spec["function"].get("parameters") or {}),
        }
        for spec in tools
    ]


def parse_local_protocol(data: Mapping[str, Any], call_id: str) -> tuple[str, list[ToolCall]]:
    """Turn a decoded protocol object into ``(reply_text, tool_calls)``."""
    if "tool" in data:
        call = ToolCall(
            id=call_id, name=str(data["tool"]), arguments=dict(data.get("arguments") or {})
        )
        return "", [call]
    return str(data.get("reply", "")), []

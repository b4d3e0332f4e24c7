"""Tool specs from Python functions and the local tool-call protocol."""

from __future__ import annotations

from typing import Literal

import pytest

from sdialog.llm.tools import (
    function_to_tool,
    local_protocol_schema,
    normalize_tools,
    parse_local_protocol,
)


def refund(order_id: str, amount: float, reason: Literal["late", "broken"] = "late") -> str:
    """Refund an order.

    Args:
        order_id: the order to refund.
        amount (float): how much, in euros.
        reason: why.

    Returns:
        A confirmation.
    """
    return "ok"


def test_function_to_tool_reads_signature_and_docstring():
    spec = function_to_tool(refund)
    function = spec["function"]
    assert spec["type"] == "function" and function["name"] == "refund"
    assert function["description"] == "Refund an order."
    params = function["parameters"]
    assert params["required"] == ["order_id", "amount"]
    assert params["properties"]["amount"]["type"] == "number"
    assert params["properties"]["amount"]["description"] == "how much, in euros."
    assert params["properties"]["reason"]["enum"] == ["late", "broken"]
    assert "Returns" not in function["description"]


def test_normalize_tools_accepts_functions_and_specs_and_rejects_junk():
    specs = normalize_tools([refund, function_to_tool(refund)])
    assert specs[0] == specs[1]
    with pytest.raises(ValueError, match=r"tools\[0\]"):
        normalize_tools([{"name": "x"}])


def test_local_protocol_round_trip():
    schema = local_protocol_schema(normalize_tools([refund]))
    assert len(schema["anyOf"]) == 2
    text, calls = parse_local_protocol({"tool": "refund", "arguments": {"order_id": "1"}}, "c0")
    assert text == "" and calls[0].name == "refund" and calls[0].id == "c0"
    assert parse_local_protocol({"reply": "hello"}, "c1") == ("hello", [])

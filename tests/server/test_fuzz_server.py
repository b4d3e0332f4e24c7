"""Fuzzed JSON bodies against a real server on loopback: never a 5xx, /health stays responsive,
memory stays bounded (issue 12, hostile-client suite).

Deterministic (``derandomize``); a few hundred requests in all.
"""

from __future__ import annotations

import json
import resource

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdialog.agents import Agent
from sdialog.llm import ScriptedBackend
from sdialog.server import Server

ROUTES = ("/v1/chat/completions", "/api/chat", "/api/show")

# any character, lone surrogates included (json.dumps sends them as \ud800 escapes)
SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"])
TEXT = st.text(st.characters() | SURROGATES, max_size=40)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | TEXT
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
MESSAGE = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "system", "developer", "tool", ""]) | VALUES},
    optional={"content": TEXT | VALUES, "name": TEXT | VALUES},
)
PARAMS = {
    name: VALUES | st.floats(-3, 3) | st.integers(-5, 10**6)
    for name in (
        "temperature",
        "top_p",
        "top_k",
        "max_tokens",
        "seed",
        "n",
        "stream",
        "stop",
        "options",
        "user",
        "conversation_id",
        "stream_options",
        "tools",
    )
}
REQUESTS = st.fixed_dictionaries(
    {
        "model": st.sampled_from(["Sam", "Sam:latest", "", "nobody"]) | VALUES,
        "messages": st.lists(MESSAGE, max_size=4) | VALUES,
    },
    optional=PARAMS,
)
# well-formed requests with fuzzed text: these reach the agent (which echoes them back)
VALID = st.fixed_dictionaries(
    {
        "model": st.sampled_from(["Sam", "Sam:latest"]),
        "messages": st.lists(
            st.fixed_dictionaries(
                {"role": st.sampled_from(["user", "assistant", "system"]), "content": TEXT}
            ),
            min_size=1,
            max_size=4,
        ),
    },
    optional={
        "stream": st.booleans(),
        "temperature": st.floats(0, 2),
        "stop": st.lists(TEXT, max_size=4),
        "options": st.fixed_dictionaries({}, optional={"stop": st.lists(TEXT, max_size=4)}),
    },
)
BODIES = (
    VALID.map(lambda r: json.dumps(r).encode())
    | REQUESTS.map(lambda r: json.dumps(r).encode())
    | VALUES.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=200)
)


@pytest.fixture(scope="module")
def server():
    def echo(messages):  # echoes what the client sent, never an empty reply
        last = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        return f"You said: {last}"

    agent = Agent(name="Sam", model=ScriptedBackend(echo))
    with Server(agent, port=0, api_key="", stateful=True, max_conversations=50) as running:
        yield running


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=BODIES, route=st.sampled_from(ROUTES))
def test_fuzzed_bodies_get_4xx_never_5xx(server, body, route):
    with httpx.Client(base_url=server.url, timeout=10) as http:
        response = http.post(route, content=body, headers={"content-type": "application/json"})
        assert response.status_code < 500, (route, body[:200], response.text[:300])
        if response.status_code >= 400:
            assert "detail" in response.json()
        assert http.get("/health").status_code == 200


def test_memory_stays_bounded_under_fuzzing(server):
    """Peak RSS grows by less than 100 MB over 200 fuzzed requests (after a warm-up)."""
    examples = st.tuples(BODIES, st.sampled_from(ROUTES))
    drawn = []

    @settings(max_examples=200, deadline=None, derandomize=True, database=None)
    @given(examples)
    def collect(example):
        drawn.append(example)

    collect()
    with httpx.Client(base_url=server.url, timeout=10) as http:
        for body, route in drawn[:50]:
            http.post(route, content=body, headers={"content-type": "application/json"})
        before = _rss_mb()
        for body, route in drawn:
            response = http.post(route, content=body, headers={"content-type": "application/json"})
            assert response.status_code < 500
        assert http.get("/health").json()["in_flight"] == 0
    assert _rss_mb() - before < 100
    assert len(server.runner.conversations) <= 50

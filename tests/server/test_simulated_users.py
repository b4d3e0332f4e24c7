"""Simulated users talking to a served agent through the OpenAI-compatible endpoint."""

from __future__ import annotations

import pytest

from sdialog.agents import END_MARKER, Agent
from sdialog.llm import ScriptedBackend
from sdialog.simulation import simulate


def support_reply(messages):
    said = [m["content"] for m in messages if m["role"] == "user"]
    if len(said) >= 3:
        return f"Glad I could help, goodbye! {END_MARKER}"
    return f"Support here ({len(said)}): tell me more about '{said[-1][:30]}'."


@pytest.mark.parametrize("transport", ["openai", "litellm"])
def test_customer_holds_a_full_dialog_with_a_served_agent(serve, transport):
    support = Agent(name="Support", model=ScriptedBackend(support_reply))
    server = serve(support)
    customer = Agent(
        name="Customer",
        first_utterance="Hi, my order A102 arrived damaged.",
        model=ScriptedBackend(["It is a cracked bowl.", "Yes, a refund please.", "Thanks!"]),
    )
    remote_support = Agent(
        name="Support",
        model="openai:Support",
        openai_api_base=server.url + "/v1",
        openai_api_key="unused",
        transport=transport,
    )
    dialog = customer.dialog_with(remote_support, max_turns=12, seed=3)
    assert dialog.complete
    speakers = [t.speaker for t in dialog.turns]
    assert speakers == ["Customer", "Support"] * 3
    assert dialog.turns[1].text.startswith("Support here (1)")
    assert dialog.turns[-1].text == "Glad I could help, goodbye!"
    assert dialog.model["Support"]["backend"] == "remote"


def test_persona_batch_probe_over_http_with_auth(serve):
    support = Agent(name="Support", model=ScriptedBackend(support_reply))
    server = serve(support, api_key="probe-key")
    customer = Agent(name="Customer", model=ScriptedBackend(lambda m: f"Customer line {len(m)}"))
    remote = Agent(
        name="Support",
        model="openai:Support",
        openai_api_base=server.url + "/v1",
        openai_api_key="probe-key",
    )
    dialogs = simulate(customer, remote, n=6, max_turns=8, seed=10)
    assert len(dialogs) == 6 and all(d.complete for d in dialogs)
    assert all(d.turns[-1].speaker == "Support" for d in dialogs)
    assert "probe-key" not in str([d.json() for d in dialogs])

"""SDialog compatibility: Agent and orchestrator methods written for SDialog."""

from __future__ import annotations

import pytest

from sdialog import Context, Dialog, Turn
from sdialog.agents import Agent
from sdialog.llm import ScriptedBackend
from sdialog.orchestrators import BaseOrchestrator, BasePersistentOrchestrator


def echo_agent(name, **kwargs):
    return Agent(name=name, model="scripted:echo", **kwargs)


def test_names_first_utterances_and_memory_objects():
    ana = Agent(name="Ana", model=ScriptedBackend(["Fine, thanks."]))
    assert ana.get_name() == "Ana"
    ana.set_first_utterances("Good morning!")
    ben = echo_agent("Ben")
    dialog = ana.dialog_with(ben, max_turns=3, keep_bar=False)
    assert dialog.turns[0].text == "Good morning!"
    memory = ana.memory
    assert memory[0].role == "system" and memory[0]["content"] == memory[0].content
    assert memory[-1].content == dialog.turns[-1].text
    assert ana.memory_dump(as_dict=True) == [dict(m) for m in memory]
    assert type(ana.memory_dump(as_dict=True)[0]) is dict


def test_response_lookahead_leaves_the_conversation_untouched():
    bot = Agent(name="Bot", model=ScriptedBackend(["One.", "Two.", "Three."], cycle=False))
    bot("Hi")
    before = bot.memory_dump(as_dict=True)
    assert bot.response_lookahead("And?") == "Two."
    assert bot.memory_dump(as_dict=True) == before
    assert bot("Next") == "Three."


def test_reset_with_context_and_examples_changes_the_prompt():
    bot = echo_agent("Bot")
    example = Dialog(turns=[Turn("A", "An example line.")])
    bot.reset(seed=3, context=Context(location="a train station"), example_dialogs=[example])
    prompt = bot.prompt()
    assert "a train station" in prompt and "An example line." in prompt


def test_dialog_with_context_and_example_dialogs_reach_both_prompts():
    ana, ben = echo_agent("Ana", first_utterance="Hi"), echo_agent("Ben")
    example = Dialog(turns=[Turn("X", "Sample sentence here.")])
    dialog = ana.dialog_with(
        ben, context="On a boat.", example_dialogs=[example], max_turns=2, seed=4
    )
    assert len(dialog) == 2
    for agent in (ana, ben):
        assert "On a boat." in agent.prompt() and "Sample sentence here." in agent.prompt()
    assert ana.context is None  # the agents themselves are unchanged


def test_add_and_clear_orchestrators_in_place():
    class Shout(BaseOrchestrator):
        def instruct(self, dialog, utterance):
            return "Answer in capitals."

    bot = Agent(name="Bot", model=ScriptedBackend(["ok"]))
    orchestrator = Shout()
    bot.add_orchestrators(orchestrator)
    assert orchestrator.get_target_agent() is bot and orchestrator.agent is bot
    events = bot("Hello", return_events=True)
    assert any(e.action == "instruct" and e.content == "Answer in capitals." for e in events)
    bot.clear_orchestrators()
    events = bot("Again", return_events=True)
    assert not any(e.action == "instruct" for e in events)


def test_sdialog_style_orchestrator_runs_unchanged():
    """No super().__init__, reset(self) without a seed, self.agent, event label, persistence."""

    class CountQuestions(BasePersistentOrchestrator):
        def __init__(self, threshold=1):
            self.threshold = threshold
            self.count = 0

        def instruct(self, dialog, utterance):
            others = [t for t in dialog.turns if t.speaker != self.agent.name]
            self.count = sum("?" in t.text for t in others)
            if self.count >= self.threshold:
                return "Recap the questions so far."
            return None

        def reset(self):
            super().reset()
            self.count = 0

    orchestrator = CountQuestions()
    assert orchestrator.is_persistent() and orchestrator.get_event_label() == "CountQuestions"
    user = Agent(name="User", model=ScriptedBackend(["Why?"]), first_utterance="Why?")
    bot = Agent(name="Bot", model=ScriptedBackend(["Because."])) | orchestrator
    dialog = user.dialog_with(bot, max_turns=4, seed=1)
    instructs = [e for e in dialog.events if e.action == "instruct-persist"]
    assert instructs and instructs[0].agent == "CountQuestions"
    assert orchestrator.count == 0  # the original was forked per dialog, not mutated


def test_event_label_persistence_setters_and_lookahead_in_a_dialog():
    seen = []

    class Peek(BaseOrchestrator):
        def __init__(self):
            super().__init__(persistent=False, event_label="peek")

        def instruct(self, dialog, utterance):
            seen.append(self.agent_response_lookahead())
            return "Be brief."

    peek = Peek()
    peek.set_persistent(True)
    assert peek.is_persistent() and peek.get_event_label() == "peek"
    bot = Agent(name="Bot", model=ScriptedBackend(["Sure."])) | peek
    dialog = echo_agent("User", first_utterance="Hi").dialog_with(bot, max_turns=2, seed=2)
    assert seen == ["Sure."] and dialog.turns[1].text == "Sure."
    assert any(e.agent == "peek" and e.action == "instruct-persist" for e in dialog.events)


def test_base_constructor_keeps_a_persistent_class_persistent():
    class Keep(BasePersistentOrchestrator):
        def __init__(self):
            super().__init__(event_label="keep")  # SDialog: persistent=None made it one-shot

        def instruct(self, dialog, utterance):
            return None

    assert Keep().is_persistent() and Keep().fork(1).is_persistent()


def test_base_model_and_tokenizer_of_a_local_agent(tiny_model):
    model, tokenizer = tiny_model
    bot = Agent(name="Bot", model="huggingface:tiny")
    assert bot.base_model is model and bot.tokenizer is tokenizer


def test_inspectors_add_and_clear(tiny_model):
    from sdialog.interpretability import Inspector

    bot = Agent(name="Bot", model="huggingface:tiny", max_tokens=4)
    inspector = Inspector(target="model.layers.0")
    bot.add_inspectors([inspector, None])
    assert bot.inspectors == [inspector]
    bot("Hi")
    assert len(inspector) == 1
    bot.clear_inspectors()
    bot("Again")
    assert len(inspector) == 1
    with pytest.raises(ValueError, match="local model"):
        Agent(name="Remote", model="scripted:x").add_inspectors(inspector)


def test_successive_dialogs_without_a_seed_differ_and_replay():
    def seeds():
        ana, ben = echo_agent("Ana", first_utterance="Hi"), echo_agent("Ben")
        return [ana.dialog_with(ben, max_turns=2).seed for _ in range(3)]

    first = seeds()
    assert len(set(first)) == 3 and first == seeds()


def test_sdialog_docs_orchestrator_that_reads_the_utterance_runs_on_the_opening_turn():
    class FlipToneOrchestrator(BasePersistentOrchestrator):  # as in SDialog's docs
        def __init__(self, trigger=None):
            self.trigger = trigger

        def instruct(self, dialog, utterance):
            if self.trigger and self.trigger in utterance.lower():
                return "From now on adopt an annoyed, curt tone."

    alice = echo_agent("Alice", first_utterance="Hello dad") | FlipToneOrchestrator("sweet")
    bob = Agent(name="Bob", model=ScriptedBackend(["You are so sweet!"]))
    dialog = alice.dialog_with(bob, max_turns=4, seed=5)
    assert [e.action for e in dialog.events].count("instruct-persist") == 1

    class Broken(BaseOrchestrator):
        def instruct(self, dialog, utterance):
            return {}.missing  # an error of its own still propagates

    with pytest.raises(AttributeError, match="missing"):
        Broken().instruct(Dialog(), None)

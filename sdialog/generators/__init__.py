"""Generators: whole dialogs from one LLM, persona-driven dialogs, personas and contexts from
rules, and paraphrases.

- :class:`DialogGenerator` — one model writes a whole dialog.
- :class:`PersonaDialogGenerator` — two personas (or two Agents) talk; with Agents it is a real
  multi-agent simulation.
- :class:`PersonaGenerator`, :class:`ContextGenerator` — fill persona/context fields from a rule
  mini-language (random ints, lines of files, CSV columns, lists, callables, the LLM).
- :class:`Paraphraser` — rewrite a dialog as a whole or turn by turn.
- :class:`LLMDialogOutput` and :class:`~sdialog.dialog.Turn` — SDialog's names for a
  structured dialog reply (``LLMDialogOutput(dialog=[Turn(...)])``), accepted by the generators.

Heavy modules load on first use.
"""

from __future__ import annotations

from sdialog._lazy import lazy_exports

_LAZY = {
    "DialogGenerator": "sdialog.generators.dialog_generator",
    "PersonaDialogGenerator": "sdialog.generators.persona_dialog",
    "PersonaGenerator": "sdialog.generators.attributes",
    "ContextGenerator": "sdialog.generators.attributes",
    "Paraphraser": "sdialog.generators.paraphraser",
    "LLMDialogOutput": "sdialog.generators.dialog_output",
    "Turn": "sdialog.dialog",
}

__all__ = sorted(_LAZY)


__getattr__ = lazy_exports(__name__, _LAZY)

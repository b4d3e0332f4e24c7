"""The sdialog data model: :class:`Dialog` and its parts, with file and dataset I/O.

- :class:`Turn` — one utterance (``speaker``, ``text``, optional metadata).
- :class:`Event` — what happened while a dialog was made (utterances, instructions, thoughts,
  tool calls and outputs), in order.
- :class:`Context` — the shared setting; :class:`Instruction` — what an orchestrator returns.
- :class:`Dialog` — turns + events + provenance, with transformations and I/O (JSON, JSONL, txt,
  CSV/TSV, folders, Hugging Face datasets).
- :class:`DialogFormatError` — raised for malformed input, naming file, line and field.

Modules: ``model`` (Turn, Event, Context, Instruction), ``dialog`` (Dialog), ``io`` (files),
``hf`` (Hugging Face datasets, imported lazily), ``render`` (rich printing), ``errors``.
Importing this package has no side effects.

Example:
    >>> from sdialog.dialog import Dialog, Turn
    >>> d = Dialog(turns=[Turn("Alice", "Hi!"), Turn("Bob", "Hello, Alice.")])
    >>> print(d)
    Alice: Hi!
    Bob: Hello, Alice.
    >>> Dialog.from_json(d.json(string=True)) == d
    True
"""

from __future__ import annotations

from sdialog.dialog.dialog import SCHEMA_VERSION, WORDS_PER_MINUTE, Dialog
from sdialog.dialog.errors import DialogFormatError
from sdialog.dialog.io import SUPPORTED_FORMATS
from sdialog.dialog.model import ACTIONS, Context, Event, Instruction, Turn

__all__ = [
    "ACTIONS",
    "SCHEMA_VERSION",
    "SUPPORTED_FORMATS",
    "WORDS_PER_MINUTE",
    "Context",
    "Dialog",
    "DialogFormatError",
    "Event",
    "Instruction",
    "Turn",
]

"""sdialog: build, simulate, evaluate, inspect and voice LLM-based conversational agents.

Importing this package has no side effects: no logging configuration, no global seeding, no
network, disk or subprocess access. Heavy dependencies (torch, transformers, litellm) are imported
only when a component that needs them is used.

Example:
    >>> import sdialog
    >>> d = sdialog.Dialog(turns=[sdialog.Turn(speaker="A", text="Hi!")])
    >>> len(d)
    1
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sdialog import config
from sdialog._lazy import lazy_exports
from sdialog._version import __version__

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from sdialog.dialog import Context, Dialog, Event, Instruction, Turn

_LAZY = {
    "Dialog": "sdialog.dialog",
    "Turn": "sdialog.dialog",
    "Event": "sdialog.dialog",
    "Context": "sdialog.dialog",
    "Instruction": "sdialog.dialog",
    "_get_dynamic_version": "sdialog.util",  # SDialog's name; here no git subprocess
}

__all__ = ["Context", "Dialog", "Event", "Instruction", "Turn", "__version__", "config"]


__getattr__ = lazy_exports(__name__, _LAZY)

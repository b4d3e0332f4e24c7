"""Text cleaning before synthesis: markup, stage directions, parentheticals and emojis go.

Example:
    >>> clean_text("<b>Hi</b> *smiles* there (quietly) 😊 — how are you?")
    'Hi there — how are you?'
"""

from __future__ import annotations

import re
import unicodedata

_TAG = re.compile(r"<[^<>]{1,200}>")
_STAGE = re.compile(r"\*[^*\n]{1,200}\*")
_PAREN = re.compile(r"\([^()\n]{0,200}\)|\[[^\[\]\n]{0,200}\]")
_SPACE = re.compile(r"\s+")
_SPACE_PUNCT = re.compile(r"\s+([,.;:!?])")


def _is_emoji(char: str) -> bool:
    code = ord(char)
    if unicodedata.category(char) == "So":
        return True
    return code in (0x200D, 0xFE0F) or 0x1F1E6 <= code <= 0x1F1FF or 0x1F3FB <= code <= 0x1F3FF


def clean_text(text: str) -> str:
    """Remove what a voice should not read: ``<tags>``, ``*stage directions*``,
    ``(parentheticals)``/``[notes]``, emojis and symbols; collapse whitespace."""
    text = _TAG.sub(" ", text)
    text = _STAGE.sub(" ", text)
    text = _PAREN.sub(" ", text)
    text = "".join(" " if _is_emoji(c) else c for c in text)
    text = text.replace("*", " ").replace("_", " ")
    text = _SPACE.sub(" ", text).strip()
    return _SPACE_PUNCT.sub(r"\1", text)

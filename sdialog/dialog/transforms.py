"""Text transformations of a dialog (mixed into :class:`~sdialog.dialog.Dialog`).

Each method changes the dialog itself and returns it, for chaining (``in_place=True``, the
default, as in SDialog); with ``in_place=False`` it leaves the dialog alone and returns a clone
with lineage (new ``id``, ``parentId`` = the source's id). Case and text changes apply to every
turn and to the content of ``utter`` events, so both stay in step.

Example:
    >>> from sdialog.dialog import Dialog, Turn
    >>> d = Dialog(turns=[Turn("A", "Hello")])
    >>> d.upper(in_place=False)[0].text, d[0].text
    ('HELLO', 'Hello')
    >>> d.upper() is d, d[0].text
    (True, 'HELLO')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from sdialog.dialog.dialog import Dialog

__all__ = ["TextTransforms"]


class TextTransforms:
    """Mixin with ``lower``/``upper``/``title``/``capitalize``/``strip``/``replace``/``re_sub`` and
    ``rename_speaker``; see the module docstring.

    Example:
        >>> from sdialog.dialog import Dialog, Turn
        >>> Dialog(turns=[Turn("A", "Hi")]).lower()[0].text
        'hi'
    """

    def _target(self, in_place: bool) -> Dialog:
        return self if in_place else self.clone()

    def _map_text(self, fn: Callable[[str], str], in_place: bool) -> Dialog:
        """Apply ``fn`` to every turn text and to the text of every ``utter`` event."""
        target = self._target(in_place)
        for turn in target.turns:
            turn.text = fn(turn.text)
        for event in target.events:
            if event.action == "utter" and isinstance(event.content, str):
                event.content = fn(event.content)
        return target

    def lower(self, in_place: bool = True) -> Dialog:
        """Lower-case every turn (and ``utter`` event); in place unless ``in_place=False``.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> Dialog(turns=[Turn("A", "Hi")]).lower()[0].text
            'hi'
        """
        return self._map_text(str.lower, in_place)

    def upper(self, in_place: bool = True) -> Dialog:
        """Upper-case every turn (and ``utter`` event); in place unless ``in_place=False``.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> Dialog(turns=[Turn("A", "Hi")]).upper()[0].text
            'HI'
        """
        return self._map_text(str.upper, in_place)

    def title(self, in_place: bool = True) -> Dialog:
        """Title-case every turn (and ``utter`` event); in place unless ``in_place=False``.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> Dialog(turns=[Turn("A", "good day")]).title()[0].text
            'Good Day'
        """
        return self._map_text(str.title, in_place)

    def capitalize(self, in_place: bool = True) -> Dialog:
        """Capitalize every turn (and ``utter`` event); in place unless ``in_place=False``.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> Dialog(turns=[Turn("A", "good DAY")]).capitalize()[0].text
            'Good day'
        """
        return self._map_text(str.capitalize, in_place)

    def strip(self, chars: str | None = None, in_place: bool = True) -> Dialog:
        """Strip ``chars`` (default whitespace) from both ends of every turn (and utterance).

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> Dialog(turns=[Turn("A", "  Hi  ")]).strip()[0].text
            'Hi'
        """
        return self._map_text(lambda text: text.strip(chars), in_place)

    def replace(self, old: str, new: str, count: int = -1, in_place: bool = True) -> Dialog:
        """Replace ``old`` by ``new`` (at most ``count`` times per turn; -1 = all) in every turn.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> Dialog(turns=[Turn("A", "a cat")]).replace("cat", "dog")[0].text
            'a dog'
        """
        return self._map_text(lambda text: text.replace(old, new, count), in_place)

    def re_sub(
        self,
        pattern: str | re.Pattern[str],
        repl: str | Callable[[re.Match[str]], str],
        count: int = 0,
        flags: int = 0,
        in_place: bool = True,
    ) -> Dialog:
        """``re.sub(pattern, repl, text)`` on every turn (and ``utter`` event).

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> Dialog(turns=[Turn("A", "uh so um yes")]).re_sub(r"\\b(uh|um) ", "")[0].text
            'so yes'
        """
        regex = re.compile(pattern, flags) if isinstance(pattern, str) else pattern
        return self._map_text(lambda text: regex.sub(repl, text, count=count), in_place)

    def rename_speaker(
        self,
        old: str,
        new: str,
        case_sensitive: bool = False,
        in_events: bool = True,
        in_place: bool = True,
    ) -> Dialog:
        """Rename a speaker in turns, ``personas`` keys, per-speaker ``model`` keys and (with
        ``in_events``) event agents; in place unless ``in_place=False``.

        Names match case-insensitively unless ``case_sensitive=True``. Raises ``ValueError`` when
        both names already have a persona (they would collide).

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> d = Dialog(turns=[Turn("A", "hi")], personas={"A": {"name": "Ann"}})
            >>> d.rename_speaker("a", "Ann") is d
            True
            >>> d[0].speaker, list(d.personas)
            ('Ann', ['Ann'])
        """

        def same(name: Any) -> bool:
            if not isinstance(name, str):
                return False
            return name == old if case_sensitive else name.casefold() == old.casefold()

        persona_keys = [k for k in self.personas if same(k)]
        if persona_keys and new in self.personas and not same(new):
            raise ValueError(f"cannot rename {old!r} to {new!r}: both have a persona")
        target = self._target(in_place)
        for turn in target.turns:
            if same(turn.speaker):
                turn.speaker = new
        for event in target.events if in_events else ():
            if same(event.agent):
                event.agent = new
        target.personas = {new if same(k) else k: v for k, v in target.personas.items()}
        if isinstance(target.model, dict) and any(same(k) for k in target.model):
            target.model = {new if same(k) else k: v for k, v in target.model.items()}
        return target

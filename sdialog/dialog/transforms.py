"""Text transformations of a dialog (mixed into :class:`~sdialog.dialog.Dialog`).

Each method returns a **new** dialog by default, a clone with lineage (new ``id``, ``parentId`` =
the source's id); with ``in_place=True`` it changes the dialog itself and returns it. Case and
text changes apply to every turn and to the content of ``utter`` events, so both stay in step.

Example:
    >>> from sdialog.dialog import Dialog, Turn
    >>> d = Dialog(turns=[Turn("A", "Hello")])
    >>> d.upper()[0].text, d[0].text
    ('HELLO', 'Hello')
    >>> d.upper(in_place=True) is d, d[0].text
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

    def lower(self, in_place: bool = False) -> Dialog:
        """Lower-case every turn (and ``utter`` event); a new dialog unless ``in_place``.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> Dialog(turns=[Turn("A", "Hi")]).lower()[0].text
            'hi'
        """
        return self._map_text(str.lower, in_place)

    def upper(self, in_place: bool = False) -> Dialog:
        """Upper-case every turn (and ``utter`` event); a new dialog unless ``in_place``.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> Dialog(turns=[Turn("A", "Hi")]).upper()[0].text
            'HI'
        """
        return self._map_text(str.upper, in_place)

    def title(self, in_place: bool = False) -> Dialog:
        """Title-case every turn (and ``utter`` event); a new dialog unless ``in_place``.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> Dialog(turns=[Turn("A", "good day")]).title()[0].text
            'Good Day'
        """
        return self._map_text(str.title, in_place)

    def capitalize(self, in_place: bool = False) -> Dialog:
        """Capitalize every turn (and ``utter`` event); a new dialog unless ``in_place``.

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> Dialog(turns=[Turn("A", "good DAY")]).capitalize()[0].text
            'Good day'
        """
        return self._map_text(str.capitalize, in_place)

    def strip(self, chars: str | None = None, in_place: bool = False) -> Dialog:
        """Strip ``chars`` (default whitespace) from both ends of every turn (and utterance).

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> Dialog(turns=[Turn("A", "  Hi  ")]).strip()[0].text
            'Hi'
        """
        return self._map_text(lambda text: text.strip(chars), in_place)

    def replace(self, old: str, new: str, count: int = -1, in_place: bool = False) -> Dialog:
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
        in_place: bool = False,
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
        self, old: str, new: str, case_sensitive: bool = True, in_place: bool = False
    ) -> Dialog:
        """Rename a speaker in turns, event agents, ``personas`` keys and per-speaker ``model``
        keys.

        Raises ``ValueError`` when both names already have a persona (they would collide).

        Example:
            >>> from sdialog.dialog import Dialog, Turn
            >>> d = Dialog(turns=[Turn("A", "hi")], personas={"A": {"name": "Ann"}})
            >>> r = d.rename_speaker("A", "Ann")
            >>> r[0].speaker, list(r.personas)
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
        for event in target.events:
            if same(event.agent):
                event.agent = new
        target.personas = {new if same(k) else k: v for k, v in target.personas.items()}
        if isinstance(target.model, dict) and any(same(k) for k in target.model):
            target.model = {new if same(k) else k: v for k, v in target.model.items()}
        return target

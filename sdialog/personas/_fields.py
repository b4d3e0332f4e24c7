"""Field factories shared by the built-in persona classes (each call makes a fresh ``Field``)."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field

Number = int | str
"""A count or amount that may also be given in words ("about ten")."""

Measure = int | float | str
"""A measurement or score kept as a number when given one (175.0, 0.8) or as text ("1.75 m")."""

TextList = str | list[str]
"""Text, or a list of items (symptoms, medications, ...)."""


def text(description: str, default: Any = "") -> Any:
    """A field that is empty (``""``) unless given, described for generators."""
    return Field(default, description=description)


def renamed(field: str, old: str, description: str) -> Any:
    """A text field called ``field`` (SDialog's name) that also accepts sdialog's earlier name
    ``old`` as input, so older persona files and calls keep loading."""
    return Field("", description=description, validation_alias=AliasChoices(field, old))


def name() -> Any:
    return text("Full name of the person.")


def age() -> Any:
    return text("Age in years, or words such as 'middle-aged'.")


def race() -> Any:
    return text("Race or ethnicity.")


def gender() -> Any:
    return text("Gender.")


def language() -> Any:
    return text("Language the person speaks in this conversation.")


def politeness() -> Any:
    return text("How polite the person is (e.g. very polite, neutral, rude).")


def forgetfulness() -> Any:
    return text("How often the person forgets things (e.g. rarely, sometimes, often).")


def years_of_experience() -> Any:
    return text("Years of professional experience.")

"""The persona base class: a pydantic model with provenance, text views, file I/O and a class
registry that also knows subclasses defined after import.

- :class:`BasePersona` — subclass it (fields default to empty) to make a persona type.
- :class:`PersonaMetadata` — ``id``, ``parentId``, ``className``, ``model``, ``seed``, ``notes``.
- :func:`persona_class` / :func:`persona_classes` — the registry used when loading JSON.
- :class:`PersonaFormatError` — malformed persona data, naming the source and the field.

Example:
    >>> from pydantic import Field
    >>> class Barista(BasePersona):
    ...     name: str = Field("", description="Full name.")
    ...     favourite_drink: str = Field("", description="What they like to brew.")
    >>> ana = Barista(name="Ana", favourite_drink="flat white")
    >>> print(ana.prompt())
    Name: Ana
    Favourite drink: flat white
    >>> copy = BasePersona.from_json(ana.json(string=True))
    >>> type(copy).__name__, copy == ana
    ('Barista', True)
"""

from __future__ import annotations

import itertools
import json
import uuid
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

__all__ = [
    "BasePersona",
    "PersonaFormatError",
    "PersonaMetadata",
    "persona_class",
    "persona_classes",
]

PROMPT_VALUE_CHARS = 160
"""Longest value shown by :meth:`BasePersona.prompt` (longer values are cut with "…")."""

_ORDER: weakref.WeakKeyDictionary[type, int] = weakref.WeakKeyDictionary()
_COUNTER = itertools.count()


class PersonaFormatError(ValueError):
    """Malformed persona data: invalid JSON, an unknown ``className`` or a value that fails
    validation.

    The message names the source (a file path, ``<string>`` or ``<dict>``) and, for validation
    errors, the field; both are also attributes (``source``, ``field``).

    Example:
        >>> str(PersonaFormatError("not valid JSON", source="ana.json"))
        'ana.json: not valid JSON'
    """

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None):
        self.source = source
        self.field = field
        super().__init__(f"{source}: {message}" if source else message)


class PersonaMetadata(BaseModel):
    """Provenance of a persona, serialized under the ``"_metadata"`` key.

    ``id`` is a new UUID4 string, ``parentId`` the id of the persona it was cloned from,
    ``className`` the persona class (used to load it back), ``model`` and ``seed`` what generated
    it (``None`` when written by hand or by rules only). Unknown keys are kept.
    """

    model_config = ConfigDict(extra="allow")

    id: str | int = Field(default_factory=lambda: str(uuid.uuid4()))
    parentId: str | int | None = None
    className: str | None = None
    model: str | dict[str, Any] | None = None
    seed: int | None = None
    notes: str | None = None


_META_SHORTCUTS = ("id", "parentId")


def _as_metadata(value: Any, class_name: str) -> PersonaMetadata:
    """``persona._metadata = value``: a PersonaMetadata, a dict or any pydantic model with the
    same keys (e.g. SDialog's ``Metadata``); ``None`` gives fresh metadata."""
    if isinstance(value, PersonaMetadata):
        return value
    if value is None:
        return PersonaMetadata(className=class_name)
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if not isinstance(value, dict):
        raise TypeError(
            f"_metadata must be a PersonaMetadata or a dict, got {type(value).__name__}"
        )
    meta = PersonaMetadata.model_validate({k: v for k, v in value.items() if v is not None})
    meta.className = meta.className or class_name
    return meta


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict, tuple)) and len(value) == 0)


def _label(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def _as_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "; ".join(_as_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class BasePersona(BaseModel):
    """Base class of every persona: typed fields, provenance and text views.

    Every built-in field defaults to ``""`` (unknown); generators fill empty fields (``""``,
    ``None`` or an empty list). ``Field(description=...)`` tells generators what a field means.
    Unknown keys are accepted and kept. Provenance lives in ``persona._metadata``
    (:class:`PersonaMetadata`) and is written to JSON as ``"_metadata"``; ``persona.id`` and
    ``persona.parentId`` read and write it (unless the class has fields of those names). Two
    personas are equal when their fields and metadata are.

    Example:
        >>> from sdialog.personas import Persona
        >>> p = Persona(name="Ana", age=34, role="nurse")
        >>> p.description()
        'Name: Ana\\nAge: 34\\nRole: nurse'
        >>> child = p.clone(age=35)
        >>> child._metadata.parentId == p._metadata.id, child.age
        (True, 35)
    """

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True, protected_namespaces=())

    _metadata: PersonaMetadata = PrivateAttr(default_factory=PersonaMetadata)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        _ORDER[cls] = next(_COUNTER)

    @model_validator(mode="wrap")
    @classmethod
    def _take_metadata(cls, data: Any, handler: Any) -> Any:
        if isinstance(data, BasePersona):
            return handler(data)  # an existing persona keeps its own metadata
        meta = None
        if isinstance(data, dict) and "_metadata" in data:
            data = dict(data)
            meta = data.pop("_metadata")
        persona = handler(data)
        if isinstance(meta, PersonaMetadata):
            meta = meta.model_dump()
        if meta is not None and not isinstance(meta, dict):
            raise ValueError(f"'_metadata' must be an object, got {type(meta).__name__}")
        persona._metadata = PersonaMetadata.model_validate(meta or {})
        persona._metadata.className = type(persona).__name__
        return persona

    # -- provenance shortcuts ----------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)  # type: ignore[misc]
        except AttributeError:
            if name in _META_SHORTCUTS:
                return getattr(self._metadata, name)
            raise

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "_metadata":
            value = _as_metadata(value, type(self).__name__)
        elif (
            name in _META_SHORTCUTS
            and name not in type(self).model_fields
            and name not in (self.__pydantic_extra__ or {})
        ):
            setattr(self._metadata, name, value)
            return
        super().__setattr__(name, value)

    # -- text views ------------------------------------------------------------------------------
    def _filled(self, exclude: Iterable[str] = ()) -> list[tuple[str, Any]]:
        data = self.model_dump(mode="json", exclude=set(exclude))
        return [(key, value) for key, value in data.items() if not _is_empty(value)]

    def description(self, exclude: Iterable[str] = ()) -> str:
        """Readable text: one ``"Label: value"`` line per non-empty field (extras included),
        leaving out the fields named in ``exclude``.

        Example:
            >>> from sdialog.personas import Doctor
            >>> print(Doctor(name="Dr. Lee", specialty="cardiology").description())
            Name: Dr. Lee
            Specialty: cardiology
        """
        filled = self._filled(exclude)
        return "\n".join(f"{_label(key)}: {_as_text(value)}" for key, value in filled)

    def prompt(self, exclude: Iterable[str] = ()) -> str:
        """Compact text for a system prompt: one short line per non-empty field, leaving out the
        fields named in ``exclude`` (e.g. ``("name", "role")`` when the prompt states them).

        Whitespace is collapsed to single spaces and values longer than
        :data:`PROMPT_VALUE_CHARS` characters are cut, so small models keep the whole persona
        in view.

        Example:
            >>> from sdialog.personas import Customer
            >>> print(Customer(name="Bo", issue="late   parcel\\n(3rd time)").prompt())
            Name: Bo
            Issue: late parcel (3rd time)
            >>> Customer(name="Bo", issue="refund").prompt(exclude=["name"])
            'Issue: refund'
        """
        lines = []
        for key, value in self._filled(exclude):
            text = " ".join(_as_text(value).split())
            if len(text) > PROMPT_VALUE_CHARS:
                text = text[: PROMPT_VALUE_CHARS - 1].rstrip() + "…"
            lines.append(f"{_label(key)}: {text}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.description()

    def json(  # type: ignore[override]
        self, string: bool = False, indent: int | None = 2, output_metadata: bool = True
    ) -> Any:
        """Return every field (empty ones too), extras and ``"_metadata"`` (unless
        ``output_metadata=False``) as a JSON-compatible dict, or as JSON text when
        ``string=True``.

        Example:
            >>> from sdialog.personas import Persona
            >>> data = Persona(name="Ana").json()
            >>> data["name"], data["_metadata"]["className"]
            ('Ana', 'Persona')
        """
        data = self.model_dump(mode="json")
        if output_metadata:
            data["_metadata"] = self._metadata.model_dump(mode="json")
        return json.dumps(data, indent=indent, ensure_ascii=False) if string else data

    @classmethod
    def attributes(cls, print: bool = False) -> list[str] | None:
        """The field names of this class, in order (SDialog's helper); ``print=True`` prints
        them instead, one per line.

        Example:
            >>> from sdialog.personas import Doctor
            >>> Doctor.attributes()[:3]
            ['name', 'age', 'race']
        """
        names = list(cls.model_fields)
        if not print:
            return names
        import builtins

        builtins.print("\n".join(names))
        return None

    def print(self, console: Any = None) -> None:
        """Pretty-print the non-empty fields with rich (``console``: a ``rich.console.Console``).

        Example:
            >>> from rich.console import Console
            >>> from sdialog.personas import Persona
            >>> console = Console(width=60, color_system=None)
            >>> with console.capture() as cap:
            ...     Persona(name="Ana [admin]").print(console=console)
            >>> "Ana [admin]" in cap.get()
            True
        """
        from rich.console import Console
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold")
        table.add_column()
        for key, value in self._filled():
            table.add_row(Text(_label(key)), Text(_as_text(value)))
        title = Text(f"{type(self).__name__} {str(self._metadata.id)[:8]}")
        (console or Console()).print(Panel(table, title=title, title_align="left"))

    # -- lineage -----------------------------------------------------------------------------
    def clone(self, new_id: str | int | None = None, **overrides: Any) -> BasePersona:
        """Return a copy with ``overrides`` applied, a new id (``new_id`` or a UUID4) and
        ``parentId`` = this id.

        ``model``, ``seed`` and ``notes`` are copied from this persona's metadata.

        Example:
            >>> from sdialog.personas import Patient
            >>> p = Patient(name="Sam", symptoms="cough")
            >>> q = p.clone(symptoms="fever")
            >>> (q.name, q.symptoms, q._metadata.parentId == p._metadata.id)
            ('Sam', 'fever', True)
        """
        data = self.model_dump()
        data.update(overrides)
        meta = self._metadata.model_dump(exclude={"id"})
        meta["parentId"] = self._metadata.id
        if new_id is not None:
            meta["id"] = new_id
        return type(self).model_validate({**data, "_metadata": meta})

    # -- files -------------------------------------------------------------------------------
    def to_file(self, path: str | Path, makedir: bool = True) -> None:
        """Write :meth:`json` to ``path`` atomically (parent folders are created; with
        ``makedir=False`` a missing folder is an error)."""
        from sdialog.dialog.io import atomic_write

        if not makedir and not Path(path).parent.is_dir():
            raise FileNotFoundError(f"folder not found: {Path(path).parent} (makedir=False)")
        text = self.json(string=True) + "\n"
        atomic_write(path, lambda handle: handle.write(text))

    @classmethod
    def from_dict(
        cls,
        data: dict[str, Any],
        object_class: type[BaseModel] | None = None,
        *,
        source: str = "<dict>",
    ) -> BasePersona:
        """Build a persona from a dict as written by :meth:`json`.

        The class is ``object_class`` when given (SDialog's second argument); else it comes from
        ``data["_metadata"]["className"]``, looked up among all subclasses of
        :class:`BasePersona` (also ones defined after import). Called on a concrete class, data
        without a ``className`` is loaded as that class.

        Raises:
            PersonaFormatError: naming the source and, for invalid values, the field.

        Example:
            >>> from sdialog.personas import Customer
            >>> type(BasePersona.from_dict({"name": "Bo", "_metadata": {"className": "Customer"}}))
            <class 'sdialog.personas.core.Customer'>
            >>> Customer.from_dict({"name": "Bo"}).name
            'Bo'
            >>> type(BasePersona.from_dict({"name": "Bo"}, Customer)).__name__
            'Customer'
        """
        if not isinstance(data, dict):
            raise PersonaFormatError(
                f"expected a JSON object, got {type(data).__name__}", source=source
            )
        if object_class is not None:
            if not (isinstance(object_class, type) and issubclass(object_class, BaseModel)):
                raise TypeError(f"object_class must be a persona class, got {object_class!r}")
            target = object_class
            if not issubclass(target, BasePersona):  # e.g. a Context: no persona metadata
                data = {k: v for k, v in data.items() if k != "_metadata"}
        else:
            target = _class_for(cls, data.get("_metadata"), source)
        try:
            return target.model_validate(data)
        except ValidationError as err:
            problems: dict[str, str] = {}  # first message per top-level field
            for error in err.errors(include_url=False, include_input=False):
                field = str(error["loc"][0]) if error["loc"] else "<root>"
                problems.setdefault(field, error["msg"])
            parts = [f"field {field!r}: {msg}" for field, msg in problems.items()]
            raise PersonaFormatError(
                f"invalid {target.__name__}: " + "; ".join(parts[:3]),
                source=source,
                field=next(iter(problems), None),
            ) from None

    @classmethod
    def from_json(
        cls, source: str | Path, object_class: type[BaseModel] | None = None
    ) -> BasePersona:
        """Load from JSON text (a string starting with ``{``) or from a JSON file path, as
        ``object_class`` when given (see :meth:`from_dict`).

        Example:
            >>> from sdialog.personas import Teacher
            >>> BasePersona.from_json(Teacher(name="Ms. Diaz").json(string=True)).name
            'Ms. Diaz'
        """
        if isinstance(source, str) and source.lstrip().startswith("{"):
            return cls._from_text(source, "<string>", object_class)
        return cls.from_file(source, object_class)

    @classmethod
    def from_file(
        cls, path: str | Path, object_class: type[BaseModel] | None = None
    ) -> BasePersona:
        """Load a persona from a JSON file written by :meth:`to_file`, as ``object_class`` when
        given (see :meth:`from_dict`).

        Raises:
            FileNotFoundError: when ``path`` does not exist.
            PersonaFormatError: when the file is not a valid persona (names the file).
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"persona file not found: {path}")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            message = f"cannot read persona file ({err})"
            raise PersonaFormatError(message, source=str(path)) from None
        return cls._from_text(text, str(path), object_class)

    @classmethod
    def _from_text(
        cls, text: str, source: str, object_class: type[BaseModel] | None = None
    ) -> BasePersona:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise PersonaFormatError(
                f"not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})", source=source
            ) from None
        return cls.from_dict(data, object_class, source=source)


def _class_for(cls: type[BasePersona], meta: Any, source: str) -> type[BasePersona]:
    """The class to load data as: from ``className`` when given, else ``cls`` itself."""
    name = meta.get("className") if isinstance(meta, dict) else None
    if not name:
        if cls is BasePersona:
            raise PersonaFormatError(
                "no '_metadata.className' to tell the persona class; load it with a concrete "
                "class (e.g. Persona.from_dict(...))",
                source=source,
            )
        return cls
    try:
        found = persona_class(name)
    except LookupError as err:
        if cls is not BasePersona:
            return cls  # the caller named the class; an unknown className does not override it
        raise PersonaFormatError(str(err), source=source) from None
    if not issubclass(found, cls):
        raise PersonaFormatError(
            f"the data is a {name}, which is not a {cls.__name__}; "
            f"load it with BasePersona.from_dict or {name}.from_dict",
            source=source,
        )
    return found


def persona_classes() -> dict[str, type[BasePersona]]:
    """Every persona class alive now, by class name (the most recently defined wins a name).

    Walks ``BasePersona.__subclasses__()`` at call time, so subclasses defined after import are
    found.

    Example:
        >>> "Customer" in persona_classes()
        True
    """
    found: dict[str, type[BasePersona]] = {}
    stack = list(BasePersona.__subclasses__())
    seen: set[type] = set()
    while stack:
        klass = stack.pop()
        if klass in seen:
            continue
        seen.add(klass)
        stack.extend(klass.__subclasses__())
        other = found.get(klass.__name__)
        if other is None or _ORDER.get(klass, -1) > _ORDER.get(other, -1):
            found[klass.__name__] = klass
    return dict(sorted(found.items()))


def persona_class(name: str) -> type[BasePersona]:
    """Return the persona class called ``name``.

    Raises:
        LookupError: listing the known class names.

    Example:
        >>> persona_class("Doctor").__name__
        'Doctor'
    """
    classes = persona_classes()
    if name == "BasePersona":
        return BasePersona
    if name not in classes:
        raise LookupError(
            f"unknown persona class {name!r}; known classes: {', '.join(classes)} "
            "(define or import your subclass of BasePersona before loading)"
        )
    return classes[name]

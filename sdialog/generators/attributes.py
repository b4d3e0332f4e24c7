"""Fill the fields of personas, contexts or any pydantic model from rules and an LLM.

- :class:`PersonaGenerator` — personas (:class:`~sdialog.personas.BasePersona` subclasses).
- :class:`ContextGenerator` — :class:`~sdialog.dialog.Context` objects.
- :class:`AttributeGenerator` — the one implementation behind both, for any pydantic model.
- :class:`RuleError` — a rule that cannot be used (bad syntax, unreadable file, ...).

Rules, set per field with ``.set(field=rule)``:

=========================  =====================================================================
``"*"`` or ``"{llm}"``     ask the model
``"{llm:instruction}"``    ask the model, with an instruction for this field
``"{a-b}"``                a random integer in ``[a, b]``
``"{txt:path}"``           a random non-empty line of a text file
``"{csv:column:path}"``    a random non-empty value of a CSV column (``{tsv:...}`` for TSV); the
                           column by header name or 0-based index; the first row is the header
a list                     a random element (wrap a fixed list in a function to keep it whole)
a callable                 its return value; it receives the other fields it names as keyword
                           arguments (all of them with ``**kwargs``)
anything else              that fixed value
=========================  =====================================================================

Fields set on a given instance (and non-empty class defaults) are kept; a rule set for such a
field replaces it. Remaining empty fields are filled by the model (all of them, or those named
in ``generated_attributes``). Rules are resolved first (callables last, in the order they were
set, seeing every value resolved before them), then one batched model call fills the rest of
all ``n`` objects; a callable that names a model-filled field runs after that call. When rules
cover every field the model is never called, nor loaded.

Example:
    >>> from sdialog.personas import Customer
    >>> gen = PersonaGenerator(Customer, generated_attributes=["name", "issue"])
    >>> _ = gen.set(name=["Ana", "Bo"], age="{18-80}", issue="late delivery")
    >>> bo = gen.generate(seed=3)
    >>> bo.name, bo.age, bo.issue, bo._metadata.seed
    ('Ana', 55, 'late delivery', 3)
"""

from __future__ import annotations

import random
import re
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    create_model,
)

from sdialog.generators.rules import (
    Rule,
    RuleError,
    accepted_keywords,
    call_with_fields,
    parse_rule,
)

__all__ = ["AttributeGenerator", "ContextGenerator", "PersonaGenerator", "RuleError"]

MAX_VALUE_CHARS = 160
"""Default longest string the model may write for one field."""

_RETRY_SALT = "sdialog-retry"
_MAX_INT = 10**9 - 1
_MAX_LIST_ITEMS = 3


def _tidy(value: Any) -> Any:
    """A model-written value: text stripped (also of a stray trailing comma), lists without
    repeated items (small models tend to repeat one item to fill a list)."""
    if isinstance(value, str):
        return value.strip().rstrip(",").rstrip()
    if isinstance(value, list):
        seen: dict[str, Any] = {}
        for item in value:
            item = _tidy(item)
            key = item.casefold().rstrip(".") if isinstance(item, str) else repr(item)
            seen.setdefault(key, item)
        return list(seen.values())
    return value


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict, tuple)) and len(value) == 0)


def _text(value: Any) -> str:
    return "; ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def _inline(text: str) -> str:
    """``"Full name."`` -> ``"full name"``: a description to use inside a sentence."""
    text = " ".join(text.split()).rstrip(".")
    if text[:1].isupper() and not text[1:2].isupper():
        text = text[0].lower() + text[1:]
    return text


def _llm_annotation(annotation: Any, max_chars: int) -> Any:
    """The type the model writes for a field: bounded strings and integers (so constrained
    decoding always ends), never null; other types as they are."""
    bounded = {
        str: Annotated[str, StringConstraints(min_length=1, max_length=max_chars)],
        int: Annotated[int, Field(ge=-_MAX_INT, le=_MAX_INT)],
    }
    if annotation in bounded:
        return bounded[annotation]
    members = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and str in members:
        kept = [bounded.get(m, m) for m in members if m in (int, float, bool)]
        if list[str] in members:  # e.g. Context.goals: the model may answer with a short list
            kept.append(Annotated[list[bounded[str]], Field(max_length=_MAX_LIST_ITEMS)])
        return typing.Union[tuple([*kept, bounded[str]])] if kept else bounded[str]  # noqa: UP007
    return annotation


class AttributeGenerator:
    """Generate instances of a pydantic model: rules first, then one batched LLM call.

    Args:
        target: a model class, or an instance whose non-empty fields are kept.
        generated_attributes: which empty fields the model fills when no rule is set: ``"all"``,
            a list of field names, or a dict ``{field: rule}`` (those rules, and nothing else).
        model: a model string or backend (default: ``sdialog.config``'s model), loaded only
            when a field needs it.
        max_value_chars: longest string the model may write for one field.
        extra_instructions: more instructions for the model (added to its system message).
        **llm_kwargs: backend parameters (``temperature``, ``max_tokens``, ``api_key``, ...).
    """

    kind = "object"
    """What one object is called in the prompt (e.g. "persona")."""
    possessive = "its"
    """How the prompt refers to the object's fields ("give its ...", "give their ...")."""

    def __init__(
        self,
        target: BaseModel | type[BaseModel],
        generated_attributes: str | Sequence[str] | Mapping[str, Any] = "all",
        model: Any = None,
        *,
        max_value_chars: int = MAX_VALUE_CHARS,
        extra_instructions: str = "",
        **llm_kwargs: Any,
    ):
        self.extra_instructions = extra_instructions
        if isinstance(target, BaseModel):
            self.target_class: type[BaseModel] = type(target)
            self._template = target.model_dump()
            self._current = self._template
        elif isinstance(target, type) and issubclass(target, BaseModel):
            self.target_class = target
            fields = target.model_fields.items()
            # fields with a default factory get a fresh value in each object: left out here
            self._template = {
                name: None if info.is_required() else info.get_default()
                for name, info in fields
                if info.default_factory is None
            }
            self._current = {  # what each field holds before generation (to spot empty ones)
                name: info.get_default(call_default_factory=True)
                if name not in self._template
                else self._template[name]
                for name, info in fields
            }
        else:
            raise TypeError(f"expected a pydantic model class or instance, got {target!r}")
        self.model = model
        self.llm_kwargs = dict(llm_kwargs)
        self.max_value_chars = max_value_chars
        self._rules: dict[str, Rule] = {}
        self._llm_fields: set[str] | None = None  # None: every empty field
        self._backend: Any = None
        self._seeds: random.Random | None = None
        self._adapters: dict[str, TypeAdapter[Any]] = {}
        if isinstance(generated_attributes, Mapping):
            self._llm_fields = set()
            self.set(**generated_attributes)
        elif isinstance(generated_attributes, str):
            if generated_attributes != "all":
                raise ValueError(
                    f"generated_attributes must be 'all', a list or a dict, "
                    f"got {generated_attributes!r}"
                )
        else:
            self._llm_fields = {self._check_field(name) for name in generated_attributes}

    @property
    def fields(self) -> list[str]:
        """The target class's field names, in order."""
        return list(self.target_class.model_fields)

    def _check_field(self, name: str) -> str:
        """The field called ``name``, or whose earlier name (a validation alias) it is."""
        fields = self.target_class.model_fields
        if name not in fields:
            for field, info in fields.items():
                alias = info.validation_alias
                if name in getattr(alias, "choices", ()) or alias == name:
                    return field
            raise ValueError(
                f"{self.target_class.__name__} has no field {name!r}; "
                f"fields: {', '.join(self.fields)}"
            )
        return name

    def set(self, **rules: Any) -> AttributeGenerator:
        """Set the rule of each named field (see the module docstring); returns ``self``.

        Example:
            >>> from sdialog.personas import Doctor
            >>> gen = PersonaGenerator(Doctor).set(specialty=["cardiology"], name="Dr. Lee")
            >>> gen.set(hobby="chess")
            Traceback (most recent call last):
            ...
            ValueError: Doctor has no field 'hobby'; fields: name, age, race, gender, ...
        """
        parsed = {
            (field := self._check_field(name)): parse_rule(field, rule)
            for name, rule in rules.items()
        }
        for name, rule in parsed.items():
            self._rules.pop(name, None)  # a reset field moves to the end of the callable order
            self._rules[name] = rule
        return self

    def _model_fields(self) -> dict[str, str | None]:
        """Fields the model fills, each with its instruction (or ``None``)."""
        out: dict[str, str | None] = {}
        for name in self.fields:
            rule = self._rules.get(name)
            if rule is not None:
                if rule.kind == "llm":
                    out[name] = rule.value
            elif _is_empty(self._current.get(name)) and (
                self._llm_fields is None or name in self._llm_fields
            ):
                out[name] = None
        return out

    # -- generation ------------------------------------------------------------------------------
    def generate(
        self,
        n: int = 1,
        seed: int | None = None,
        *,
        temperature: float | None = None,
        id: str | Sequence[str] | None = None,
        parent_id: str | None = None,
        notes: str | None = None,
        max_attempts: int = 2,
    ) -> Any:
        """Return one new object (``n == 1``) or a list of ``n``.

        Object ``i`` uses seed ``seed + i`` for its rules and its model call, so
        ``generate(n=3, seed=5)[2]`` equals ``generate(seed=7)`` (ids aside). Without a seed,
        one is drawn from a generator-local ``random.Random`` seeded by
        ``sdialog.config.get_seed()``: a script is reproducible and successive calls differ.
        The seed is recorded in each persona's ``_metadata``.

        ``temperature`` overrides the model's for this call; ``id`` (for ``n > 1``: a list, or
        a prefix that gets ``-0``, ``-1``, ...), ``parent_id`` and ``notes`` go to each
        persona's ``_metadata`` (objects without persona metadata ignore them);
        ``max_attempts`` is how many times the model is asked for objects it failed to fill
        (each retry with a new seed).
        """
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        if not isinstance(max_attempts, int) or max_attempts < 1:
            raise ValueError(f"max_attempts must be a positive integer, got {max_attempts!r}")
        from sdialog.generators.dialog_generator import _ids

        ids = _ids(id, n)
        overrides = {} if temperature is None else {"temperature": temperature}
        if seed is None:
            seed = self._next_seed()
        seeds = [seed + i for i in range(n)]
        wanted = self._model_fields()
        late = self._late_callables(wanted)
        rows = [self._apply_rules(random.Random(s), skip=late) for s in seeds]
        model_name, used = None, list(seeds)
        if wanted:
            backend = self._get_backend()
            model_name = backend.model
            used = self._fill_with_model(backend, rows, seeds, wanted, overrides, max_attempts)
        for row in rows:
            self._run_callables(row, late)
        objects = [
            self._build(row, s, u, model_name) for row, s, u in zip(rows, seeds, used, strict=True)
        ]
        for obj, object_id in zip(objects, ids, strict=True):
            _set_metadata(obj, id=object_id, parentId=parent_id, notes=notes)
        return objects[0] if n == 1 else objects

    def _next_seed(self) -> int:
        if self._seeds is None:
            from sdialog import config

            self._seeds = random.Random(self.llm_kwargs.get("seed", config.get_seed()))
        return self._seeds.randrange(2**31)

    def _late_callables(self, wanted: Mapping[str, Any]) -> list[str]:
        """Callable rules that name a model-filled field: they run after the model call."""
        late = []
        for name, rule in self._rules.items():
            if rule.kind == "callable":
                names = accepted_keywords(rule.value)
                if names is not None and names & set(wanted):
                    late.append(name)
        return late

    def _apply_rules(self, rng: random.Random, skip: Sequence[str]) -> dict[str, Any]:
        """Template values, then drawn rules, then the callables not in ``skip``."""
        values = {k: (list(v) if isinstance(v, list) else v) for k, v in self._template.items()}
        for name, rule in self._rules.items():
            if rule.kind not in ("callable", "llm"):
                values[name] = self._coerce(name, rule.draw(rng))
        early = [name for name, rule in self._rules.items() if rule.kind == "callable"]
        self._run_callables(values, [name for name in early if name not in skip])
        return values

    def _run_callables(self, values: dict[str, Any], names: Sequence[str]) -> None:
        for name in names:
            others = {k: v for k, v in values.items() if k != name}
            values[name] = self._coerce(name, call_with_fields(self._rules[name].value, others))

    def _coerce(self, name: str, value: Any) -> Any:
        """Validate a rule's value against the field's type (numbers may become text)."""
        if name not in self._adapters:
            info = self.target_class.model_fields[name]
            annotation = info.annotation
            if info.metadata:
                annotation = Annotated[(annotation, *info.metadata)]
            self._adapters[name] = TypeAdapter(annotation)
        adapter = self._adapters[name]
        try:
            return adapter.validate_python(value)
        except ValidationError as err:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                try:
                    return adapter.validate_python(str(value))
                except ValidationError:
                    pass
            message = err.errors(include_url=False)[0]["msg"]
            raise RuleError(
                f"field {name!r}: the rule gave {value!r}, which is invalid: {message}"
            ) from None

    def _get_backend(self) -> Any:
        if self._backend is None:
            from sdialog.llm import get_backend

            self._backend = get_backend(self.model, **self.llm_kwargs)
        return self._backend

    def _schema(self, wanted: Mapping[str, str | None]) -> type[BaseModel]:
        """A model of just the fields the LLM fills (guidance goes in the prompt, not here:
        small models copy schema descriptions into their answers)."""
        definitions = {
            name: (
                _llm_annotation(
                    self.target_class.model_fields[name].annotation, self.max_value_chars
                ),
                ...,
            )
            for name in wanted
        }
        return create_model(
            self.target_class.__name__,
            __config__=ConfigDict(protected_namespaces=(), coerce_numbers_to_str=True),
            **definitions,
        )

    def _messages(
        self, values: Mapping[str, Any], wanted: Mapping[str, str | None]
    ) -> list[dict[str, str]]:
        from sdialog.prompts import render

        fields = []
        for name, instruction in wanted.items():
            guide = _inline(self.target_class.model_fields[name].description or "")
            guide = "; ".join(part for part in (guide, instruction) if part)
            fields.append({"name": name, "description": guide})
        known = [
            (name.replace("_", " ").capitalize(), " ".join(_text(value).split()))
            for name, value in values.items()
            if not _is_empty(value) and name not in wanted
        ]
        request = render(
            "attributes_request.j2",
            subject=self._subject(),
            known=known,
            fields=fields,
            possessive=self.possessive,
        )
        system = render("attributes_system.j2", kind=self.kind)
        if self.extra_instructions.strip():
            system = f"{system}\n\nAdditional instructions: {self.extra_instructions.strip()}"
        return [{"role": "system", "content": system}, {"role": "user", "content": request}]

    def prompt(self) -> str:
        """The prompt the model gets (system message, blank line, request) for the fields it
        would fill now, given the fixed values known before any rule is drawn.

        Example:
            >>> from sdialog.personas import Doctor
            >>> gen = PersonaGenerator(Doctor(name="Dr. Lee"), ["specialty"])
            >>> "Name: Dr. Lee" in gen.prompt() and "specialty" in gen.prompt()
            True
        """
        messages = self._messages(self._template, self._model_fields())
        return "\n\n".join(m["content"] for m in messages)

    def _subject(self) -> str:
        """What to invent, from the first sentence of the class docstring."""
        doc = (self.target_class.__dict__.get("__doc__") or "").strip()
        first = re.split(r"[;:]|\.\s|\.$", doc.split("\n")[0])[0].strip()
        if not first:
            return f"a {self.kind} ({self.target_class.__name__})"
        return _inline(first)

    def _call_params(
        self, backend: Any, n_fields: int, overrides: Mapping[str, Any] = {}
    ) -> dict[str, Any]:
        from sdialog.llm.base import GENERATION_PARAMS

        given = {**self.llm_kwargs, **overrides}
        params = {k: v for k, v in given.items() if k in GENERATION_PARAMS and k != "seed"}
        if "max_tokens" not in params and "max_tokens" not in getattr(backend, "params", {}):
            # room for every field at its longest (about two characters per token) plus keys
            params["max_tokens"] = 32 + n_fields * (16 + self.max_value_chars // 2)
        return params

    def _fill_with_model(
        self,
        backend: Any,
        rows: list[dict[str, Any]],
        seeds: list[int],
        wanted: Mapping[str, str | None],
        overrides: Mapping[str, Any] = {},
        max_attempts: int = 2,
    ) -> list[int]:
        """Fill ``rows`` in place with one batched call (plus retries of failed rows, up to
        ``max_attempts`` calls in all).

        Returns the seed of each row's successful model call.
        """
        from sdialog.llm import StructuredOutputError

        schema = self._schema(wanted)
        params = self._call_params(backend, len(wanted), overrides)
        conversations = [self._messages(row, wanted) for row in rows]
        used = list(seeds)
        pending = list(range(len(rows)))
        errors: dict[int, str] = {}
        for attempt in range(max_attempts):
            if attempt:
                for i in pending:
                    salt = _RETRY_SALT if attempt == 1 else f"{_RETRY_SALT}{attempt}"
                    used[i] = random.Random(f"{salt}:{seeds[i]}").randrange(2**31)
            completions = backend.complete_batch(
                [conversations[i] for i in pending],
                schema=schema,
                seed=[used[i] for i in pending],
                **params,
            )
            failed = []
            for i, completion in zip(pending, completions, strict=True):
                if completion.error or completion.parsed is None:
                    errors[i] = completion.error or "no structured output"
                    failed.append(i)
                    continue
                for name, value in completion.parsed.model_dump().items():
                    rows[i][name] = _tidy(value)
            pending = failed
            if not pending:
                return used
        first = pending[0]
        raise StructuredOutputError(
            f"{backend.model} could not generate {len(pending)} of {len(rows)} "
            f"{self.target_class.__name__} object(s) (fields: {', '.join(wanted)}) in "
            f"{max_attempts} attempt(s), each retry with a new seed; first failure "
            f"(object {first}): {errors[first]}"
        )

    def _build(self, values: dict[str, Any], seed: int, used: int, model: str | None) -> Any:
        fields = self.target_class.model_fields
        # a field left empty whose default is None (``field: str = None``) keeps its default
        values = {
            k: v
            for k, v in values.items()
            if not (v is None and k in fields and not fields[k].is_required())
        }
        obj = self.target_class.model_validate(values)
        from sdialog.personas.base import BasePersona

        if isinstance(obj, BasePersona):
            meta = obj._metadata
            meta.model, meta.seed = model, seed
            if used != seed:
                meta.llm_seed = used  # kept as an extra metadata key
        return obj


def _set_metadata(obj: Any, **values: Any) -> None:
    """Write the given (non-None) provenance values into a persona's ``_metadata``."""
    meta = getattr(obj, "_metadata", None)
    if meta is None:
        return
    for key, value in values.items():
        if value is not None:
            setattr(meta, key, value)


class PersonaGenerator(AttributeGenerator):
    """Generate personas: ``PersonaGenerator(persona_or_class, generated_attributes="all")``.

    Each persona gets its own ``_metadata.id``, ``seed``, ``model`` (``None`` when no model
    was called) and ``className``. See :class:`AttributeGenerator` for the arguments.

    Example:
        >>> from sdialog.llm import ScriptedBackend
        >>> from sdialog.personas import Patient
        >>> llm = ScriptedBackend([{"symptoms": "dry cough"}])
        >>> gen = PersonaGenerator(Patient(name="Sam"), ["symptoms"], model=llm)
        >>> sam = gen.generate(seed=1)
        >>> sam.name, sam.symptoms, sam._metadata.model
        ('Sam', 'dry cough', 'scripted')
    """

    kind = "persona"
    possessive = "their"


class ContextGenerator(AttributeGenerator):
    """Generate conversation contexts: ``ContextGenerator(context_or_class=Context, ...)``.

    Example:
        >>> gen = ContextGenerator(generated_attributes=["location", "topics"])
        >>> _ = gen.set(location=["a bakery", "a bank"], topics="{txt:missing.txt}")
        Traceback (most recent call last):
        ...
        sdialog.generators.rules.RuleError: field 'topics': rule '{txt:missing.txt}' ...
    """

    kind = "conversation context"

    def __init__(
        self, context_or_class: Any = None, *args: Any, context: Any = None, **kwargs: Any
    ):
        if context is not None:  # SDialog's keyword: ContextGenerator(context=ctx)
            if context_or_class is not None:
                raise TypeError("give the context positionally or as context=, not both")
            context_or_class = context
        if context_or_class is None:
            from sdialog.dialog import Context

            context_or_class = Context
        super().__init__(context_or_class, *args, **kwargs)

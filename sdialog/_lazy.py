"""Lazy package exports: heavy modules load on first use of a name, never at import.

Example:
    >>> import sys, types
    >>> package = types.ModuleType("demo_package")
    >>> sys.modules["demo_package"] = package
    >>> exports = {"dumps": "json", "Loader": "json:JSONDecoder"}
    >>> package.__getattr__ = lazy_exports("demo_package", exports)
    >>> package.dumps([1])  # json is imported now, and `dumps` cached on the package
    '[1]'
    >>> package.Loader.__name__
    'JSONDecoder'
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

from sdialog._extras import needs_extra


def lazy_exports(
    package: str, exports: Mapping[str, str], extra: str | None = None
) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` for ``package`` that resolves the names of ``exports``.

    ``exports`` maps a public name to ``"module"`` (same attribute name) or ``"module:attribute"``.
    The value is imported on first access and stored in the package, so later lookups are plain
    attribute reads. Use it as ``__getattr__ = lazy_exports(__name__, _LAZY)``. ``extra``: the
    extra the package needs (:func:`~sdialog._extras.needs_extra`), named when one of its
    optional dependencies is missing.
    """

    def __getattr__(name: str) -> Any:
        target = exports.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = target.partition(":")
        with needs_extra(extra):  # a missing optional dependency names the extra that brings it
            imported = import_module(module)
        value = getattr(imported, attribute or name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__

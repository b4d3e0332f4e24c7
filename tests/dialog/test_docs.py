"""Every public object of sdialog.dialog documents itself with an example.

Docstring examples of every module run in tests/test_docs.py; markdown pages run there too."""

from __future__ import annotations


def test_every_public_object_has_an_example() -> None:
    import sdialog.dialog as package

    for name in package.__all__:
        obj = getattr(package, name)
        if not isinstance(obj, type):
            continue
        assert ">>>" in (obj.__doc__ or ""), name
        own = [k for k in obj.__mro__ if k.__module__.startswith("sdialog.")]
        attrs = {attr for klass in own for attr in vars(klass) if not attr.startswith("_")}
        for attr in sorted(attrs):
            member = getattr(obj, attr)
            if callable(member) and not isinstance(member, type):
                assert ">>>" in (member.__doc__ or ""), f"{name}.{attr}"

"""The ``sdialog`` command line: one module per sub-command, all on one typer ``app``.

Example:
    $ sdialog generate examples/doctor_patient.yaml -n 20 -o out/doctor
    $ sdialog --help
"""

from __future__ import annotations

from sdialog.cli import audio as _audio  # noqa: F401  (registers `sdialog audio`)
from sdialog.cli import evaluate as _evaluate  # noqa: F401  (registers `sdialog evaluate`)
from sdialog.cli import generate as _generate  # noqa: F401  (registers `sdialog generate`)
from sdialog.cli import inspect as _inspect  # noqa: F401  (registers `sdialog inspect`)
from sdialog.cli import serve as _serve  # noqa: F401  (registers `sdialog serve`)
from sdialog.cli._app import app

__all__ = ["app"]

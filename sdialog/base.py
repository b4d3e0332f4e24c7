"""SDialog's ``sdialog.base`` names: the base of attribute objects and their metadata.

In sdialog these are the persona base and its provenance record, under SDialog's names:
``BaseAttributeModel`` is :class:`sdialog.personas.BasePersona` and ``Metadata`` is
:class:`sdialog.personas.PersonaMetadata` (``id``, ``parentId``, ``className``, ``model``,
``seed``, ``notes``; unknown keys such as SDialog's ``version``/``timestamp`` are kept).

Example:
    >>> from sdialog.base import BaseAttributeModel, Metadata
    >>> from sdialog.personas import Persona
    >>> issubclass(Persona, BaseAttributeModel), isinstance(Persona()._metadata, Metadata)
    (True, True)
"""

from __future__ import annotations

from sdialog.personas.base import BasePersona as BaseAttributeModel
from sdialog.personas.base import PersonaMetadata as Metadata

__all__ = ["BaseAttributeModel", "Metadata"]

"""Personas: typed descriptions of who takes part in a dialog.

- :class:`BasePersona` — the base class: ``description()``, ``prompt()``, ``json()``,
  ``print()``, ``clone()``, ``to_file()`` and the class methods ``from_file``/``from_dict``/
  ``from_json``, which load any subclass (also ones you define after import) by its class name.
- General and service personas (:mod:`~sdialog.personas.core`): :class:`Persona`,
  :class:`ExtendedPersona`, :class:`Customer`, :class:`SupportAgent`, :class:`Patient`,
  :class:`ExtendedPatient`, :class:`Doctor`, :class:`ExtendedDoctor`.
- Domain personas (:mod:`~sdialog.personas.domain`): :class:`Nurse`, :class:`Teacher`,
  :class:`Lawyer`, :class:`Chef`, ... (27 classes).
- :class:`~sdialog.dialog.Context` — the shared setting of a conversation (re-exported).

Fields default to ``""`` (unknown); :class:`~sdialog.generators.PersonaGenerator` fills them.
Importing this package has no side effects and needs only pydantic.

Example:
    >>> from sdialog.personas import BasePersona, Customer
    >>> bo = Customer(name="Bo", issue="double charge", anger_level="high")
    >>> print(bo.prompt())
    Name: Bo
    Issue: double charge
    Anger level: high
    >>> BasePersona.from_json(bo.json(string=True)) == bo
    True
"""

from __future__ import annotations

from sdialog.dialog.model import Context
from sdialog.personas.base import (
    BasePersona,
    PersonaFormatError,
    PersonaMetadata,
    persona_class,
    persona_classes,
)
from sdialog.personas.core import (
    Customer,
    Doctor,
    ExtendedDoctor,
    ExtendedPatient,
    ExtendedPersona,
    Patient,
    Persona,
    SupportAgent,
)
from sdialog.personas.domain import (
    AcademicAdvisor,
    Banker,
    Caregiver,
    Chef,
    Citizen,
    CivilServant,
    EndUser,
    FinancialAdvisor,
    HelpdeskTechnician,
    HotelReceptionist,
    InsuranceAgent,
    ITSupportSpecialist,
    Lawyer,
    LegalClient,
    Nurse,
    Paralegal,
    Pharmacist,
    RestaurantCustomer,
    SalesAssociate,
    Shopper,
    SocialWorker,
    StoreManager,
    Student,
    Teacher,
    Tourist,
    TravelAgent,
    Waiter,
)

__all__ = [
    "AcademicAdvisor",
    "Banker",
    "BasePersona",
    "Caregiver",
    "Chef",
    "Citizen",
    "CivilServant",
    "Context",
    "Customer",
    "Doctor",
    "EndUser",
    "ExtendedDoctor",
    "ExtendedPatient",
    "ExtendedPersona",
    "FinancialAdvisor",
    "HelpdeskTechnician",
    "HotelReceptionist",
    "ITSupportSpecialist",
    "InsuranceAgent",
    "Lawyer",
    "LegalClient",
    "Nurse",
    "Paralegal",
    "Patient",
    "Persona",
    "PersonaFormatError",
    "PersonaMetadata",
    "Pharmacist",
    "RestaurantCustomer",
    "SalesAssociate",
    "Shopper",
    "SocialWorker",
    "StoreManager",
    "Student",
    "SupportAgent",
    "Teacher",
    "Tourist",
    "TravelAgent",
    "Waiter",
    "persona_class",
    "persona_classes",
]

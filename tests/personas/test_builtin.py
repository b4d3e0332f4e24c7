"""Every built-in persona class: exact field lists (API.md §3), defaults, descriptions, JSON."""

from __future__ import annotations

import pytest

import sdialog.personas as personas
from sdialog.personas import BasePersona, ExtendedPersona

_EXTENDED = (
    "name age race gender language weight height voice_characteristics occupation education "
    "socioeconomic_status interests hobbies politeness forgetfulness attentiveness "
    "communication_style empathy_level political_views religious_beliefs"
)

CORE = {
    "Persona": "name age race gender language role background personality circumstances rules",
    "ExtendedPersona": _EXTENDED,
    "Customer": (
        "name age gender language customer_id occupation account_tenure membership_level "
        "loyalty_status fidelity_score issue issue_category issue_description issue_history "
        "desired_outcome knowledge_domain technical_expertise sentiment anger_level tiredness "
        "patience_level politeness personality instruction_following forgetfulness times_called "
        "preferred_channel prior_interactions_summary urgency rules"
    ),
    "SupportAgent": (
        "name language agent_id role experience_years product_scope product_knowledge_level "
        "communication_style empathy_level politeness resolution_authority_level "
        "escalation_policy average_handle_time adherence_notes stress_tolerance "
        "performance_notes rules"
    ),
    "Patient": (
        "name age race gender language forgetfulness formality hurriedness openness height "
        "weight occupation marital_status insurance reason_for_visit symptoms medical_history "
        "medical_conditions medications allergies family_history"
    ),
    "ExtendedPatient": _EXTENDED
    + " reason_for_visit symptoms vital_signs health_literacy medical_conditions medications "
    "allergies family_history",
    "Doctor": (
        "name age race gender language years_of_experience specialty forgetfulness formality "
        "hurriedness openness"
    ),
    "ExtendedDoctor": _EXTENDED + " specialty years_of_experience certifications work_experience",
}

# Domain classes: name, age, gender, language, <role fields>, politeness (the role fields include
# every field SDialog's class of the same name has).
DOMAIN_ROLE_FIELDS = {
    "Nurse": (
        "department years_of_experience shift bedside_manner "
        "specialty empathy_level attentiveness stress_tolerance"
    ),
    "Pharmacist": "workplace years_of_experience expertise communication_style",
    "Caregiver": "relationship care_responsibilities experience_years empathy_level attentiveness",
    "Teacher": (
        "subject school grade_level "
        "years_of_experience teaching_style education_level communication_style"
    ),
    "Student": "school grade_level major learning_style interests",
    "AcademicAdvisor": "institution department years_of_experience specialty",
    "FinancialAdvisor": "company specialty years_of_experience certifications",
    "Banker": "bank position years_of_experience branch",
    "InsuranceAgent": "company specialty years_of_experience",
    "StoreManager": "store_name department years_of_experience",
    "SalesAssociate": "store_name product_expertise sales_style years_of_experience",
    "Shopper": "shopping_goal budget preferences issue_description loyalty_status",
    "HotelReceptionist": "hotel_name shift years_of_experience",
    "TravelAgent": "agency_name specialty years_of_experience",
    "Tourist": "nationality destination travel_goal budget issue_description",
    "Lawyer": "firm specialty years_of_experience",
    "Paralegal": "firm specialty years_of_experience",
    "LegalClient": "occupation case_type issue_description desired_outcome",
    "ITSupportSpecialist": "company expertise_area certifications years_of_experience",
    "HelpdeskTechnician": "company supported_systems years_of_experience",
    "EndUser": "occupation technical_expertise device_type issue_description",
    "CivilServant": "agency department position years_of_experience",
    "SocialWorker": "agency specialty caseload years_of_experience",
    "Citizen": "occupation inquiry_topic issue_description desired_outcome",
    "Chef": "restaurant_name cuisine_specialty specialty years_of_experience",
    "Waiter": "restaurant_name service_style years_of_experience",
    "RestaurantCustomer": (
        "dietary_restrictions dietary_preferences preferences occasion issue_description"
    ),
}

EXPECTED = {name: fields.split() for name, fields in CORE.items()}
EXPECTED.update(
    {
        name: ["name", "age", "gender", "language", *role.split(), "politeness"]
        for name, role in DOMAIN_ROLE_FIELDS.items()
    }
)
ALL = sorted(EXPECTED)


def _sample(cls: type[BasePersona]) -> BasePersona:
    """An instance with every field set to a value of its type."""
    values = {}
    for i, (name, info) in enumerate(cls.model_fields.items()):
        values[name] = i + 20 if info.annotation == int | str else f"{name} value"
    return cls(**values)


def test_all_classes_are_exported_and_counted() -> None:
    assert len(ALL) == 35
    for name in ALL:
        assert name in personas.__all__
        assert issubclass(getattr(personas, name), BasePersona)
    assert personas.Context.__name__ == "Context"


@pytest.mark.parametrize("name", ALL)
def test_exact_field_list(name: str) -> None:
    assert list(getattr(personas, name).model_fields) == EXPECTED[name]


@pytest.mark.parametrize("name", ALL)
def test_instantiates_empty_with_descriptions(name: str) -> None:
    cls = getattr(personas, name)
    p = cls()
    for field, info in cls.model_fields.items():
        assert info.description and len(info.description) < 100, field
        expected = "Customer Support Agent" if (name, field) == ("SupportAgent", "role") else ""
        assert getattr(p, field) == expected
    assert p._metadata.className == name


@pytest.mark.parametrize("name", ALL)
def test_json_round_trip_resolves_the_class(name: str) -> None:
    p = _sample(getattr(personas, name))
    back = BasePersona.from_json(p.json(string=True))
    assert type(back) is type(p) and back == p
    assert len(p.prompt().splitlines()) == len(EXPECTED[name])


def test_extended_classes_inherit() -> None:
    assert issubclass(personas.ExtendedPatient, ExtendedPersona)
    assert issubclass(personas.ExtendedDoctor, ExtendedPersona)


def test_age_and_experience_take_numbers_or_words() -> None:
    assert personas.Patient(age=71).age == 71
    assert personas.Patient(age="middle-aged").age == "middle-aged"
    assert personas.Nurse(years_of_experience="about ten").years_of_experience == "about ten"
    assert personas.SupportAgent(experience_years=4).experience_years == 4

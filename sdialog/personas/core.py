"""The general and customer-service/medical personas: :class:`Persona`, :class:`ExtendedPersona`,
:class:`Customer`, :class:`SupportAgent`, :class:`Patient`, :class:`ExtendedPatient`,
:class:`Doctor` and :class:`ExtendedDoctor`.

Every field defaults to ``""`` except ``SupportAgent.role`` ("Customer Support Agent"). ``age``
and experience counts accept a number or words; measurements and scores (``height``, ``weight``,
``fidelity_score``, ...) stay numbers when given numbers; medical lists (``symptoms``,
``medications``, ...) accept text or a list.

Example:
    >>> from sdialog.personas import SupportAgent
    >>> print(SupportAgent(name="Kim").prompt())
    Name: Kim
    Role: Customer Support Agent
"""

from __future__ import annotations

from sdialog.personas import _fields as f
from sdialog.personas._fields import Measure, Number, TextList
from sdialog.personas.base import BasePersona

__all__ = [
    "Customer",
    "Doctor",
    "ExtendedDoctor",
    "ExtendedPatient",
    "ExtendedPersona",
    "Patient",
    "Persona",
    "SupportAgent",
]


class Persona(BasePersona):
    """A general persona: who someone is, how they behave and the rules they follow."""

    name: str = f.name()
    age: Number = f.age()
    race: str = f.race()
    gender: str = f.gender()
    language: str = f.language()
    role: str = f.text("Role in the conversation (e.g. customer, tutor, friend).")
    background: str = f.text("Short life background: origin, family, work.")
    personality: str = f.text("Personality traits, e.g. cheerful and impatient.")
    circumstances: str = f.text("Current situation that shapes the conversation.")
    rules: str = f.text("Rules the person must follow when speaking.")


class ExtendedPersona(BasePersona):
    """A detailed persona: physical, social and behavioural traits."""

    name: str = f.name()
    age: Number = f.age()
    race: str = f.race()
    gender: str = f.gender()
    language: str = f.language()
    weight: Measure = f.text("Body weight, e.g. 70 kg.")
    height: Measure = f.text("Height, e.g. 1.75 m.")
    voice_characteristics: str = f.text("How the voice sounds: pitch, accent, pace.")
    occupation: str = f.text("Job or main occupation.")
    education: str = f.text("Highest education reached.")
    socioeconomic_status: str = f.text("Socioeconomic status, e.g. middle class.")
    interests: str = f.text("Topics the person cares about.")
    hobbies: str = f.text("Hobbies and pastimes.")
    politeness: str = f.politeness()
    forgetfulness: Measure = f.forgetfulness()
    attentiveness: str = f.text("How closely the person follows the conversation.")
    communication_style: str = f.text("How the person talks, e.g. direct, chatty, formal.")
    empathy_level: str = f.text("How much empathy the person shows.")
    political_views: str = f.text("Political views, e.g. moderate.")
    religious_beliefs: str = f.text("Religious beliefs, if any.")


class Customer(BasePersona):
    """A customer contacting a company's support about an issue."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    customer_id: Number = f.text("Customer or account identifier.")
    occupation: str = f.text("Job or main occupation.")
    account_tenure: str = f.text("How long they have been a customer, e.g. 3 years.")
    membership_level: str = f.text("Membership or plan level, e.g. basic, gold.")
    loyalty_status: str = f.text("Loyalty programme status.")
    fidelity_score: Measure = f.text("How loyal the customer is, e.g. 0.8 or high.")
    issue: str = f.text("The problem in a few words.")
    issue_category: str = f.text("Category of the issue, e.g. billing, delivery.")
    issue_description: str = f.text("One or two sentences describing the issue.")
    issue_history: str = f.text("What happened before about this issue.")
    desired_outcome: str = f.text("What the customer wants from the call.")
    knowledge_domain: str = f.text("What the customer knows well.")
    technical_expertise: str = f.text("Technical skill level, e.g. beginner.")
    sentiment: str = f.text("Overall feeling, e.g. frustrated, calm.")
    anger_level: str = f.text("How angry the customer is, e.g. low, high.")
    tiredness: str = f.text("How tired the customer is.")
    patience_level: str = f.text("How patient the customer is.")
    politeness: str = f.politeness()
    personality: str = f.text("Personality traits.")
    instruction_following: str = f.text("How well the customer follows instructions.")
    forgetfulness: Measure = f.forgetfulness()
    times_called: Number = f.text("How many times they already called about this issue.")
    preferred_channel: str = f.text("Preferred contact channel, e.g. phone, chat.")
    prior_interactions_summary: str = f.text("Summary of earlier contacts with support.")
    urgency: str = f.text("How urgent the issue is for them.")
    rules: str = f.text("Rules the customer must follow when speaking.")


class SupportAgent(BasePersona):
    """A customer support agent answering customers."""

    name: str = f.name()
    language: str = f.language()
    agent_id: Number = f.text("Agent identifier.")
    role: str = f.text("Job title of the agent.", default="Customer Support Agent")
    experience_years: Number = f.text("Years working in support.")
    product_scope: str = f.text("Products or services the agent handles.")
    product_knowledge_level: str = f.text("How well the agent knows the products.")
    communication_style: str = f.text("How the agent talks, e.g. warm and concise.")
    empathy_level: str = f.text("How much empathy the agent shows.")
    politeness: str = f.politeness()
    resolution_authority_level: str = f.text("What the agent may decide, e.g. refunds < $50.")
    escalation_policy: str = f.text("When and how the agent escalates a case.")
    average_handle_time: Measure = f.text("Typical call length, e.g. 6 minutes.")
    adherence_notes: str = f.text("How closely the agent follows the script and policies.")
    stress_tolerance: str = f.text("How the agent copes with stress.")
    performance_notes: str = f.text("Notes on the agent's performance.")
    rules: str = f.text("Rules the agent must follow when speaking.")


class Patient(BasePersona):
    """A patient visiting a clinician."""

    name: str = f.name()
    age: Number = f.age()
    race: str = f.race()
    gender: str = f.gender()
    language: str = f.language()
    forgetfulness: Measure = f.forgetfulness()
    formality: Measure = f.text("How formally the patient speaks.")
    hurriedness: Measure = f.text("How much of a hurry the patient is in.")
    openness: Measure = f.text("How openly the patient shares information.")
    height: Measure = f.text("Height, e.g. 1.65 m.")
    weight: Measure = f.text("Body weight, e.g. 60 kg.")
    occupation: str = f.text("Job or main occupation.")
    marital_status: str = f.text("Marital status.")
    insurance: str = f.text("Health insurance, e.g. public, private, none.")
    reason_for_visit: str = f.text("Why the patient came today.")
    symptoms: TextList = f.text("Current symptoms.")
    medical_history: TextList = f.text("Past illnesses, operations and treatments.")
    medical_conditions: TextList = f.text("Known ongoing conditions.")
    medications: TextList = f.text("Medications currently taken.")
    allergies: TextList = f.text("Known allergies.")
    family_history: TextList = f.text("Relevant illnesses in the family.")


class ExtendedPatient(ExtendedPersona):
    """A detailed patient: an :class:`ExtendedPersona` with medical information."""

    reason_for_visit: str = f.text("Why the patient came today.")
    symptoms: TextList = f.text("Current symptoms.")
    vital_signs: str = f.text("Vital signs, e.g. blood pressure 120/80, pulse 70.")
    health_literacy: str = f.text("How well the patient understands health information.")
    medical_conditions: TextList = f.text("Known ongoing conditions.")
    medications: TextList = f.text("Medications currently taken.")
    allergies: TextList = f.text("Known allergies.")
    family_history: TextList = f.text("Relevant illnesses in the family.")


class Doctor(BasePersona):
    """A physician talking with a patient."""

    name: str = f.name()
    age: Number = f.age()
    race: str = f.race()
    gender: str = f.gender()
    language: str = f.language()
    years_of_experience: Number = f.years_of_experience()
    specialty: str = f.text("Medical specialty, e.g. cardiology.")
    forgetfulness: Measure = f.forgetfulness()
    formality: Measure = f.text("How formally the doctor speaks.")
    hurriedness: Measure = f.text("How much of a hurry the doctor is in.")
    openness: Measure = f.text("How openly the doctor shares information.")


class ExtendedDoctor(ExtendedPersona):
    """A detailed physician: an :class:`ExtendedPersona` with professional information."""

    specialty: str = f.text("Medical specialty, e.g. cardiology.")
    years_of_experience: Number = f.years_of_experience()
    certifications: str = f.text("Board certifications and licences.")
    work_experience: str = f.text("Where and how the doctor has worked.")

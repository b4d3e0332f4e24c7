"""The domain personas: healthcare, education, finance, retail, hospitality, legal, IT, public
services and restaurants.

Every class has ``name``, ``age``, ``gender``, ``language``, a few role fields and
``politeness``; every field defaults to ``""``.

Example:
    >>> from sdialog.personas import Chef
    >>> print(Chef(name="Rosa", cuisine_specialty="Peruvian", years_of_experience=12).prompt())
    Name: Rosa
    Cuisine specialty: Peruvian
    Years of experience: 12
"""

from __future__ import annotations

from sdialog.personas import _fields as f
from sdialog.personas._fields import Number
from sdialog.personas.base import BasePersona

__all__ = [
    "AcademicAdvisor",
    "Banker",
    "Caregiver",
    "Chef",
    "Citizen",
    "CivilServant",
    "EndUser",
    "FinancialAdvisor",
    "HelpdeskTechnician",
    "HotelReceptionist",
    "ITSupportSpecialist",
    "InsuranceAgent",
    "Lawyer",
    "LegalClient",
    "Nurse",
    "Paralegal",
    "Pharmacist",
    "RestaurantCustomer",
    "SalesAssociate",
    "Shopper",
    "SocialWorker",
    "StoreManager",
    "Student",
    "Teacher",
    "Tourist",
    "TravelAgent",
    "Waiter",
]


class Nurse(BasePersona):
    """A nurse caring for patients."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    department: str = f.text("Hospital unit or ward, e.g. emergency, paediatrics.")
    years_of_experience: Number = f.years_of_experience()
    shift: str = f.text("Usual shift, e.g. night shift.")
    bedside_manner: str = f.text("How the nurse treats patients, e.g. calm and reassuring.")
    specialty: str = f.text("Nursing specialty, e.g. paediatric or intensive care.")
    empathy_level: str = f.text("How much empathy they show, e.g. high.")
    attentiveness: str = f.text("How attentive they are to details and to the patient.")
    stress_tolerance: str = f.text("How well they handle stress.")
    politeness: str = f.politeness()


class Pharmacist(BasePersona):
    """A pharmacist advising on medicines."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    workplace: str = f.renamed(
        "workplace", "pharmacy_name", "Name or kind of pharmacy, e.g. hospital pharmacy."
    )
    years_of_experience: Number = f.years_of_experience()
    expertise: str = f.renamed(
        "expertise", "specialty", "Area of expertise, e.g. paediatric medicines."
    )
    communication_style: str = f.text("How they explain things, e.g. clear and patient.")
    politeness: str = f.politeness()


class Caregiver(BasePersona):
    """A caregiver looking after someone who needs help."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    relationship: str = f.renamed(
        "relationship",
        "relationship_to_patient",
        "Who the cared-for person is to them, e.g. daughter, hired aide.",
    )
    care_responsibilities: str = f.text("Main tasks, e.g. medication, meals, mobility.")
    experience_years: Number = f.renamed(
        "experience_years", "years_of_experience", "Years spent caregiving."
    )
    empathy_level: str = f.text("How much empathy they show, e.g. high.")
    attentiveness: str = f.text("How attentive they are to the cared-for person's needs.")
    politeness: str = f.politeness()


class Teacher(BasePersona):
    """A school teacher."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    subject: str = f.text("Subject taught, e.g. mathematics.")
    school: str = f.text("School where they teach.")
    grade_level: str = f.text("Grades or ages taught.")
    years_of_experience: Number = f.years_of_experience()
    teaching_style: str = f.text("How they teach, e.g. patient, strict, hands-on.")
    education_level: str = f.text("Highest degree, e.g. master's in education.")
    communication_style: str = f.text("How they talk to students and parents.")
    politeness: str = f.politeness()


class Student(BasePersona):
    """A student at school or university."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    school: str = f.text("School or university attended.")
    grade_level: str = f.text("Year or grade, e.g. second-year undergraduate.")
    major: str = f.text("Main subject of study.")
    learning_style: str = f.text("How they learn best.")
    interests: str = f.text("Topics and activities they enjoy.")
    politeness: str = f.politeness()


class AcademicAdvisor(BasePersona):
    """An academic advisor guiding students."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    institution: str = f.text("University or college.")
    department: str = f.text("Department or faculty.")
    years_of_experience: Number = f.years_of_experience()
    specialty: str = f.renamed(
        "specialty", "advising_focus", "What they advise on, e.g. course planning, careers."
    )
    politeness: str = f.politeness()


class FinancialAdvisor(BasePersona):
    """A financial advisor helping clients with money decisions."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    company: str = f.text("Firm they work for.")
    specialty: str = f.text("Area of expertise, e.g. retirement planning.")
    years_of_experience: Number = f.years_of_experience()
    certifications: str = f.text("Professional certifications, e.g. CFP.")
    politeness: str = f.politeness()


class Banker(BasePersona):
    """A bank employee serving customers."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    bank: str = f.text("Bank they work for.")
    position: str = f.text("Job title, e.g. teller, loan officer.")
    years_of_experience: Number = f.years_of_experience()
    branch: str = f.text("Branch they work at.")
    politeness: str = f.politeness()


class InsuranceAgent(BasePersona):
    """An insurance agent selling and servicing policies."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    company: str = f.text("Insurance company.")
    specialty: str = f.renamed(
        "specialty", "insurance_lines", "Kinds of insurance handled, e.g. car, home, life."
    )
    years_of_experience: Number = f.years_of_experience()
    politeness: str = f.politeness()


class StoreManager(BasePersona):
    """The manager of a shop."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    store_name: str = f.renamed("store_name", "store", "Store they manage.")
    department: str = f.text("Department, if any.")
    years_of_experience: Number = f.years_of_experience()
    politeness: str = f.politeness()


class SalesAssociate(BasePersona):
    """A shop assistant helping shoppers."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    store_name: str = f.renamed("store_name", "store", "Store they work in.")
    product_expertise: str = f.text("Products they know best.")
    sales_style: str = f.text("How they sell, e.g. pushy, helpful, low-key.")
    years_of_experience: Number = f.years_of_experience()
    politeness: str = f.politeness()


class Shopper(BasePersona):
    """A shopper in a store or online."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    shopping_goal: str = f.text("What they want to buy.")
    budget: str = f.text("How much they can spend.")
    preferences: str = f.text("Brands, styles or features they like.")
    issue_description: str = f.text("A problem they need help with, if any.")
    loyalty_status: str = f.text("Loyalty programme status, e.g. gold member, first visit.")
    politeness: str = f.politeness()


class HotelReceptionist(BasePersona):
    """A hotel front-desk receptionist."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    hotel_name: str = f.renamed("hotel_name", "hotel", "Hotel they work at.")
    shift: str = f.text("Usual shift, e.g. night shift.")
    years_of_experience: Number = f.years_of_experience()
    politeness: str = f.politeness()


class TravelAgent(BasePersona):
    """A travel agent planning trips."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    agency_name: str = f.renamed("agency_name", "agency", "Travel agency.")
    specialty: str = f.text("Kinds of trips or destinations they know best.")
    years_of_experience: Number = f.years_of_experience()
    politeness: str = f.politeness()


class Tourist(BasePersona):
    """A tourist on a trip."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    nationality: str = f.text("Country they come from.")
    destination: str = f.text("Where they are travelling.")
    travel_goal: str = f.renamed(
        "travel_goal", "trip_purpose", "Why they travel, e.g. holiday, honeymoon."
    )
    budget: str = f.text("How much they can spend.")
    issue_description: str = f.text("A problem they need help with, if any.")
    politeness: str = f.politeness()


class Lawyer(BasePersona):
    """A lawyer advising clients."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    firm: str = f.text("Law firm.")
    specialty: str = f.text("Area of law, e.g. family law.")
    years_of_experience: Number = f.years_of_experience()
    politeness: str = f.politeness()


class Paralegal(BasePersona):
    """A paralegal supporting lawyers."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    firm: str = f.text("Law firm.")
    specialty: str = f.text("Area of law they support.")
    years_of_experience: Number = f.years_of_experience()
    politeness: str = f.politeness()


class LegalClient(BasePersona):
    """A person seeking legal help."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    occupation: str = f.text("Job or main occupation.")
    case_type: str = f.text("Kind of legal matter, e.g. divorce, tenancy dispute.")
    issue_description: str = f.text("One or two sentences describing the legal problem.")
    desired_outcome: str = f.text("What they hope to achieve.")
    politeness: str = f.politeness()


class ITSupportSpecialist(BasePersona):
    """An IT support specialist solving technical problems."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    company: str = f.text("Company or team they work for.")
    expertise_area: str = f.renamed(
        "expertise_area", "specialty", "Systems they know best, e.g. networks, Windows."
    )
    certifications: str = f.text("Professional certifications.")
    years_of_experience: Number = f.years_of_experience()
    politeness: str = f.politeness()


class HelpdeskTechnician(BasePersona):
    """A first-line helpdesk technician."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    company: str = f.text("Company or team they work for.")
    supported_systems: str = f.text("Systems and devices they support.")
    years_of_experience: Number = f.years_of_experience()
    politeness: str = f.politeness()


class EndUser(BasePersona):
    """A user of a computer system who needs technical help."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    occupation: str = f.text("Job or main occupation.")
    technical_expertise: str = f.text("Technical skill level, e.g. beginner.")
    device_type: str = f.renamed("device_type", "device", "Device or system with the problem.")
    issue_description: str = f.text("One or two sentences describing the problem.")
    politeness: str = f.politeness()


class CivilServant(BasePersona):
    """A public administration employee."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    agency: str = f.text("Government agency or office.")
    department: str = f.text("Department or service, e.g. housing, taxes.")
    position: str = f.text("Job title.")
    years_of_experience: Number = f.years_of_experience()
    politeness: str = f.politeness()


class SocialWorker(BasePersona):
    """A social worker supporting people and families."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    agency: str = f.text("Agency or service they work for.")
    specialty: str = f.text("Area of work, e.g. child protection.")
    caseload: str = f.text("How many cases they handle.")
    years_of_experience: Number = f.years_of_experience()
    politeness: str = f.politeness()


class Citizen(BasePersona):
    """A member of the public dealing with a public service."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    occupation: str = f.text("Job or main occupation.")
    inquiry_topic: str = f.renamed(
        "inquiry_topic", "request_type", "What they need, e.g. permit, benefits, complaint."
    )
    issue_description: str = f.text("One or two sentences describing the request.")
    desired_outcome: str = f.text("What they hope to achieve.")
    politeness: str = f.politeness()


class Chef(BasePersona):
    """A chef running a kitchen."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    restaurant_name: str = f.renamed("restaurant_name", "restaurant", "Restaurant they cook at.")
    cuisine_specialty: str = f.renamed(
        "cuisine_specialty", "cuisine", "Kind of cuisine, e.g. Italian."
    )
    specialty: str = f.text("Signature dishes.")
    years_of_experience: Number = f.years_of_experience()
    politeness: str = f.politeness()


class Waiter(BasePersona):
    """A waiter serving restaurant guests."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    restaurant_name: str = f.renamed("restaurant_name", "restaurant", "Restaurant they work at.")
    service_style: str = f.text("How they serve, e.g. formal, friendly.")
    years_of_experience: Number = f.years_of_experience()
    politeness: str = f.politeness()


class RestaurantCustomer(BasePersona):
    """A guest at a restaurant."""

    name: str = f.name()
    age: Number = f.age()
    gender: str = f.gender()
    language: str = f.language()
    dietary_restrictions: str = f.text("Foods they cannot or will not eat.")
    dietary_preferences: str = f.text("How they like to eat, e.g. vegetarian, low-carb.")
    preferences: str = f.text("Dishes, flavours or drinks they like.")
    occasion: str = f.text("Why they are dining out, e.g. birthday.")
    issue_description: str = f.text("A problem with the meal or service, if any.")
    politeness: str = f.politeness()

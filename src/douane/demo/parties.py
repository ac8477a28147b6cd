"""Demo economic operators, customs brokers and officers, generated deterministically.

Names are invented; NIF and RC numbers have the real shapes (15-digit NIF, RC "WW/00-NNNNNNNBYY").
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from douane.demo.offices import OFFICES

_STEMS = (
    ("Tassili", "طاسيلي"), ("Djurdjura", "جرجرة"), ("Hoggar", "الهقار"), ("Atlas", "الأطلس"), ("Sahel", "الساحل"),
    ("Medjerda", "مجردة"), ("Chelif", "الشلف"), ("Numidia", "نوميديا"), ("Cirta", "سيرتا"), ("Tipaza", "تيبازة"),
    ("Ouarsenis", "الونشريس"), ("Aurès", "الأوراس"), ("Zibans", "الزيبان"), ("Mitidja", "متيجة"),
    ("Saoura", "الساورة"), ("Babors", "البابور"), ("Tell", "التل"), ("Mzab", "ميزاب"), ("Soummam", "الصومام"),
    ("Seybouse", "السيبوس"), ("Casbah", "القصبة"), ("Ahaggar", "أهقار"), ("Tafna", "تافنة"), ("Tell Nord", "التل الشمالي"),
    ("El Bahia", "الباهية"),
)  # fmt: skip
_TRADES = (
    ("Import-Export", "للاستيراد والتصدير"), ("Agro", "للصناعات الغذائية"), ("Distribution", "للتوزيع"),
    ("Électronique", "للإلكترونيات"), ("Textiles", "للنسيج"), ("Automobiles", "للسيارات"),
    ("Matériaux", "لمواد البناء"), ("Pharma", "للأدوية"),
)  # fmt: skip
_FORMS = (("SARL", "ش.ذ.م.م"), ("EURL", "ش.ف.ذ.م.م"), ("SPA", "ش.ذ.أ"), ("SNC", "ش.ت"))
_WILAYAS = ("16", "31", "23", "06", "21", "18", "36", "09", "25", "19", "15", "35", "42", "13")
_FIRST = ("Karim", "Amina", "Yacine", "Nadia", "Sofiane", "Meriem", "Rachid", "Lamia", "Walid", "Samira",
          "Mourad", "Fatima", "Nassim", "Houda", "Bilal", "Sabrina", "Hichem", "Imane", "Farid", "Kenza")  # fmt: skip
_LAST = ("Benali", "Boudiaf", "Hamidi", "Khelifi", "Mansouri", "Bouzid", "Haddad", "Cherif", "Saadi", "Ziani",
         "Belkacem", "Amrani", "Rahmani", "Toumi", "Brahimi", "Meziane", "Guerfi", "Larbi", "Ouali", "Djebbar")  # fmt: skip
GRADES = ("inspecteur_principal", "inspecteur", "officier_de_controle", "agent_de_constatation")


@dataclass(frozen=True)
class DemoOperator:
    nif: str
    rc_number: str
    legal_name_fr: str
    legal_name_ar: str
    address: str
    wilaya: str
    registered_on: str


@dataclass(frozen=True)
class DemoBroker:
    licence_number: str
    firm_name: str
    holder_name: str
    nif: str
    offices: tuple[str, ...]


@dataclass(frozen=True)
class DemoOfficer:
    service_number: str
    full_name: str
    grade: str
    office: str
    role: str


def _nif(rng: random.Random, wilaya: str) -> str:
    return "0" + wilaya + "".join(str(rng.randrange(10)) for _ in range(12))


def operators(count: int = 50, seed: int = 2026) -> list[DemoOperator]:
    rng = random.Random(seed)
    result = []
    for index in range(count):
        stem_fr, stem_ar = _STEMS[index % len(_STEMS)]
        trade_fr, trade_ar = _TRADES[(index * 3) % len(_TRADES)]
        form_fr, form_ar = _FORMS[index % len(_FORMS)]
        wilaya = _WILAYAS[index % len(_WILAYAS)]
        result.append(
            DemoOperator(
                nif=_nif(rng, wilaya),
                rc_number=f"{wilaya}/00-{rng.randrange(10**6, 10**7)}B{rng.randrange(5, 25):02d}",
                legal_name_fr=f"{form_fr} {stem_fr} {trade_fr}"
                + (f" {index // 25 + 1}" if index >= 25 else ""),
                legal_name_ar=f"{form_ar} {stem_ar} {trade_ar}"
                + (f" {index // 25 + 1}" if index >= 25 else ""),
                address=f"{rng.randrange(1, 120)}, zone d'activités, wilaya {wilaya}",
                wilaya=wilaya,
                registered_on=f"{2015 + index % 10}-{1 + index % 12:02d}-{1 + index % 28:02d}",
            )
        )
    return result


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def brokers(count: int = 10, seed: int = 10288) -> list[DemoBroker]:
    rng = random.Random(seed)
    office_codes = [o.code for o in OFFICES]
    result = []
    for index in range(count):
        holder = _person(rng)
        approved = tuple(sorted(rng.sample(office_codes, k=2 + index % 3)))
        if index == 0:
            approved = tuple(sorted({"16011", "16021", *approved}))
        result.append(
            DemoBroker(
                licence_number=f"CD-{2015 + index % 10}-{101 + index:04d}",
                firm_name=f"Transit {holder.split()[1]} & Associés",
                holder_name=holder,
                nif=_nif(rng, "16"),
                offices=approved,
            )
        )
    return result


_ROLES_PER_OFFICE = ("inspector", "inspector", "liquidation_inspector")


def officers(seed: int = 1962) -> list[DemoOfficer]:
    """Thirty officers: three per office (two inspectors, one liquidation inspector), plus the
    demo cashier, analyst, chief and auditor drawn from the first office's staff."""
    rng = random.Random(seed)
    result = []
    number = 1000
    for office in OFFICES:
        for role in _ROLES_PER_OFFICE:
            number += 7
            result.append(
                DemoOfficer(
                    service_number=f"M{number}",
                    full_name=_person(rng),
                    grade=GRADES[0] if role == "liquidation_inspector" else rng.choice(GRADES[1:]),
                    office=office.code,
                    role=role,
                )
            )
    return result


# Officers for the demo users that are not inspectors; they are posted at Alger Port.
EXTRA_OFFICERS = (
    DemoOfficer("M2001", "Leila Hamdani", "inspecteur", "16011", "cashier"),
    DemoOfficer("M2002", "Omar Belaid", "inspecteur_principal", "16011", "risk_analyst"),
    DemoOfficer("M2003", "Zoubir Kaci", "inspecteur_principal", "16011", "office_chief"),
    DemoOfficer("M2004", "Nora Slimani", "inspecteur_principal", "16011", "auditor"),
)

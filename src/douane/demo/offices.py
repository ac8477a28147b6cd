"""Demo customs offices: ten real Algerian clearance points. Office codes are illustrative."""

from __future__ import annotations

from dataclasses import dataclass

ALL_REGIMES = ("IM4", "IM5", "IM7", "EX1", "EX3", "TR")
PORT_REGIMES = ALL_REGIMES


@dataclass(frozen=True)
class DemoOffice:
    code: str
    name_fr: str
    name_ar: str
    name_en: str
    kind: str
    directorate: str
    unlocode: str
    collection_office: str
    regimes: tuple[str, ...] = ALL_REGIMES


OFFICES = (
    DemoOffice("16011", "Alger Port", "ميناء الجزائر", "Algiers Port", "sea_port",
               "DRD Alger Port", "DZALG", "R16011"),
    DemoOffice("16021", "Alger Houari-Boumediene Fret", "الجزائر هواري بومدين - الشحن الجوي",
               "Algiers Houari Boumediene Air Freight", "airport", "DRD Alger Extérieur", "DZALG", "R16021"),
    DemoOffice("16051", "Port sec de Rouiba", "الميناء الجاف الرويبة", "Rouiba Dry Port", "inland",
               "DRD Alger Extérieur", "DZROU", "R16051", ("IM4", "IM5", "IM7", "TR")),
    DemoOffice("31011", "Oran Port", "ميناء وهران", "Oran Port", "sea_port", "DRD Oran", "DZORN", "R31011"),
    DemoOffice("31021", "Oran Ahmed Ben Bella Fret", "وهران أحمد بن بلة - الشحن الجوي",
               "Oran Ahmed Ben Bella Air Freight", "airport", "DRD Oran", "DZORN", "R31021"),
    DemoOffice("23011", "Annaba Port", "ميناء عنابة", "Annaba Port", "sea_port", "DRD Annaba", "DZAAE", "R23011"),
    DemoOffice("06011", "Béjaïa Port", "ميناء بجاية", "Bejaia Port", "sea_port", "DRD Béjaïa", "DZBJA", "R06011"),
    DemoOffice("21011", "Skikda Port", "ميناء سكيكدة", "Skikda Port", "sea_port", "DRD Constantine", "DZSKI",
               "R21011"),
    DemoOffice("18011", "Djen Djen Port", "ميناء جن جن", "Djen Djen Port", "sea_port", "DRD Constantine",
               "DZDJE", "R18011"),
    DemoOffice("36041", "Oum Teboul", "أم الطبول", "Oum Teboul Border Post", "land_border", "DRD Annaba", "",
               "R36041", ("IM4", "EX1", "TR")),
)  # fmt: skip

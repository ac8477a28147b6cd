"""Demo customs offices: ten real Algerian clearance points. Office codes are illustrative."""

from __future__ import annotations

from dataclasses import dataclass

ALL_REGIMES = ("IM4", "IM5", "IM7", "EX1", "EX3", "TR")
PORT_REGIMES = ALL_REGIMES


# Regional directorates of customs (directions régionales): code -> (French, Arabic).
DIRECTORATES = {
    "ALGP": ("Direction régionale d'Alger Port", "المديرية الجهوية للجمارك بميناء الجزائر"),
    "ALGE": ("Direction régionale d'Alger Extérieur", "المديرية الجهوية للجمارك بالجزائر الخارجية"),
    "ORAN": ("Direction régionale d'Oran", "المديرية الجهوية للجمارك بوهران"),
    "ANNABA": ("Direction régionale d'Annaba", "المديرية الجهوية للجمارك بعنابة"),
    "BEJAIA": ("Direction régionale de Béjaïa", "المديرية الجهوية للجمارك ببجاية"),
    "CONST": ("Direction régionale de Constantine", "المديرية الجهوية للجمارك بقسنطينة"),
}


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
               "ALGP", "DZALG", "16011"),
    DemoOffice("16021", "Alger Houari-Boumediene Fret", "الجزائر هواري بومدين - الشحن الجوي",
               "Algiers Houari Boumediene Air Freight", "airport", "ALGE", "DZALG", "16021"),
    DemoOffice("16051", "Port sec de Rouiba", "الميناء الجاف الرويبة", "Rouiba Dry Port", "inland",
               "ALGE", "DZROU", "16011", ("IM4", "IM5", "IM7", "TR")),
    DemoOffice("31011", "Oran Port", "ميناء وهران", "Oran Port", "sea_port", "ORAN", "DZORN", "31011"),
    DemoOffice("31021", "Oran Ahmed Ben Bella Fret", "وهران أحمد بن بلة - الشحن الجوي",
               "Oran Ahmed Ben Bella Air Freight", "airport", "ORAN", "DZORN", "31011"),
    DemoOffice("23011", "Annaba Port", "ميناء عنابة", "Annaba Port", "sea_port", "ANNABA", "DZAAE", "23011"),
    DemoOffice("06011", "Béjaïa Port", "ميناء بجاية", "Bejaia Port", "sea_port", "BEJAIA", "DZBJA", "06011"),
    DemoOffice("21011", "Skikda Port", "ميناء سكيكدة", "Skikda Port", "sea_port", "CONST", "DZSKI",
               "21011"),
    DemoOffice("18011", "Djen Djen Port", "ميناء جن جن", "Djen Djen Port", "sea_port", "CONST",
               "DZDJE", "18011"),
    DemoOffice("36041", "Oum Teboul", "أم الطبول", "Oum Teboul Border Post", "land_border", "ANNABA", "",
               "23011", ("IM4", "EX1", "TR")),
)  # fmt: skip

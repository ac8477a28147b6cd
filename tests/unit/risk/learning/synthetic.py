"""A small made-up inspection history: offences depend on the goods and route, and on undervaluation."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

HEADER = ["Decl", "Day", "Office", "Broker", "Importer", "Seller", "HS", "Origin", "From", "Mode", "Kg",
          "Value", "Rate", "Kind", "Offence", "Serious", "Duties"]  # fmt: skip

MAPPING = """
[columns]
declaration_id = "Decl"
date = "Day"
office = "Office"
declarant = "Broker"
importer = "Importer"
seller = "Seller"
hs6 = "HS"
origin = "Origin"
departure = "From"
transport_mode = "Mode"
net_mass = "Kg"
price = "Value"
tax_rate = "Rate"

[label]
column = "Offence"

[extras]
categorical = ["Kind"]
"""


def rows(count: int, start: date = date(2023, 1, 1), days: int = 240, seed: int = 3) -> list[list[str]]:
    rng = random.Random(seed)
    goods = [(f"{rng.randrange(10, 97)}{rng.randrange(1000, 9999)}", rng.random() ** 3) for _ in range(25)]
    made = []
    for number in range(count):
        hs6, risk = rng.choice(goods)
        origin = rng.choice(["CN", "TR", "FR", "DE"])
        offence = rng.random() < min(0.95, risk + (0.2 if origin == "CN" else 0.0))
        kilos = rng.uniform(10, 1000)
        value = kilos * rng.uniform(5, 9) * (0.4 if offence else 1.0)
        made.append([
            str(100000 + number), (start + timedelta(days=rng.randrange(days))).isoformat(),
            rng.choice(["10", "20"]), f"B{rng.randrange(8)}", f"I{rng.randrange(60)}",
            f"S{rng.randrange(80)}",
            hs6, origin, rng.choice([origin, "AE"]), rng.choice(["10", "40"]), f"{kilos:.1f}", f"{value:.2f}",
            rng.choice(["0", "5", "30"]), rng.choice(["A", "C"]), str(int(offence)), str(int(offence)),
            f"{value * 0.3:.2f}" if offence else "",
        ])  # fmt: skip
    made.sort(key=lambda row: row[1])
    return made


def write(path: Path, data: list[list[str]], header: list[str] = HEADER, drop: tuple[str, ...] = ()) -> Path:
    keep = [index for index, name in enumerate(header) if name not in drop]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([header[index] for index in keep])
        writer.writerows([[row[index] for index in keep] for row in data])
    return path


def mapping_file(directory: Path, text: str = MAPPING) -> Path:
    path = directory / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path

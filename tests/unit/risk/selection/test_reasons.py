"""Decision reasons are stored in English and read in the officer's language, identifiers untouched."""

from __future__ import annotations

from datetime import date

import pytest

from douane.risk.model import Channel, ChannelDraw, ChannelShares
from douane.risk.selection.policy import (
    ModelScore,
    OfficeSettings,
    RuleHit,
    Signals,
    decide,
    draw_reason,
    rule_channels,
    shares_reason,
)
from douane.risk.selection.reasons import in_language

SHARES = ChannelShares(green=60, yellow=20, red=15, blue=5)


def _verdict_reasons() -> tuple[str, ...]:
    hit = RuleHit(rule_id=1, code="R-2026-0001", version=3, name="Voitures DE", action="red", priority=10)
    points = RuleHit(rule_id=2, code="R-2026-0002", version=1, name="Nouvel opérateur", action="score",
                     priority=20, points=30)  # fmt: skip
    signals = Signals(
        drawn=ChannelDraw(Channel.GREEN, 1234),
        shares_text=shares_reason("16011", SHARES.describe()),
        exploring=False,
        settings=OfficeSettings("16011", red_per_day=0, yellow_per_day=0, valid_from=date(2026, 1, 1)),
        forced=rule_channels([hit]),
        rules=(hit, points),
        model=ModelScore("m-1", 0.4, (("hs6_rate", 1.2),)),
    )
    return decide(signals, lambda _channel: False).reasons


def test_the_english_record_reads_as_written() -> None:
    assert draw_reason(1234) == "random draw 1234 of 10000"
    assert shares_reason("national", SHARES.describe()).startswith(
        "shares of the national default: green 60 %"
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", ["règle R-2026-0002 v1 (Nouvel opérateur) : +30 points",
                "modèle m-1 : 40 points (hs6_rate +1.20)",
                "score de risque 70 égal ou supérieur au seuil 50"]),
        ("ar", ["القاعدة R-2026-0002 الإصدار 1 (Nouvel opérateur): +30 نقطة",
                "النموذج m-1: 40 نقطة (hs6_rate +1.20)"]),
    ],
)  # fmt: skip
def test_every_reason_of_a_decision_reads_in_the_officers_language(
    language: str, expected: list[str]
) -> None:
    shown = [in_language(reason, language) for reason in _verdict_reasons()]
    for line in expected:
        assert line in shown
    assert shown[0].startswith(
        "règle R-2026-0001 v3 (Voitures DE) : rouge" if language == "fr" else "القاعدة"
    )


def test_shares_channels_and_notice_subjects_are_translated_identifiers_are_not() -> None:
    assert in_language(shares_reason("16011", SHARES.describe()), "fr") == (
        "parts (bureau 16011) : vert 60 %, jaune 20 %, rouge 15 %, bleu 5 %"
    )
    arabic = in_language(shares_reason("built-in", SHARES.describe()), "ar")
    assert arabic.count("\u060c") == 3 and ", " not in arabic  # the Arabic comma between the shares
    notice = "notice AC-2026-000002 on vehicle 00123-116-16: red"
    assert in_language(notice, "fr") == "avis AC-2026-000002 sur le véhicule 00123-116-16 : rouge"
    capacity = "red capacity of office 16011 reached (15 a day)"
    assert in_language(capacity, "fr") == "capacité rouge du bureau 16011 atteinte (15 par jour)"
    assert in_language("a reason written by an older version", "ar") == "a reason written by an older version"


def test_a_reason_of_no_template_is_translated_whole_when_a_catalog_knows_it() -> None:
    assert in_language("demo data", "fr") == "données de démonstration"
    assert in_language("demo data", "ar") == "بيانات العرض التوضيحي"
    assert in_language("set by hand {not a placeholder}", "fr") == "set by hand {not a placeholder}"

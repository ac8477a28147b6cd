"""The channel policy, pure: forced channels, score against threshold and capacity, exploration."""

from douane.risk.model import Channel, ChannelDraw
from douane.risk.selection.policy import ForcedChannel, ModelScore, OfficeSettings, RuleHit, Signals, decide

SETTINGS = OfficeSettings(
    "16011", yellow_per_day=10, red_per_day=10, exploration_percent=5, score_threshold=60
)


def _signals(drawn: str = "green", **changes: object) -> Signals:
    values: dict[str, object] = {
        "drawn": ChannelDraw(Channel(drawn), 42), "shares_text": "shares of office 16011: ...",
        "exploring": False, "settings": SETTINGS,
    }  # fmt: skip
    values.update(changes)
    return Signals(**values)  # type: ignore[arg-type]


def _room(*channels: str):  # type: ignore[no-untyped-def]
    return lambda channel: channel in channels


def test_no_signal_takes_the_shares_draw() -> None:
    verdict = decide(_signals("yellow"), _room("red", "yellow"))
    assert (verdict.channel, verdict.source) == ("yellow", "shares")
    assert verdict.reasons[-1] == "random draw 42 of 10000"


def test_a_high_score_goes_red_then_yellow_then_back_to_the_draw_as_capacity_runs_out() -> None:
    scored = _signals("green", model=ModelScore("m1", 0.8))
    assert decide(scored, _room("red", "yellow")).channel == "red"
    assert decide(scored, _room("yellow")).channel == "yellow"
    fallback = decide(scored, _room())
    assert (fallback.channel, fallback.source, fallback.capacity_fallback) == ("green", "shares", True)


def test_a_low_score_releases_green_or_blue_as_the_draw_says() -> None:
    assert decide(_signals("red", model=ModelScore("m1", 0.1)), _room("red")).channel == "green"
    assert decide(_signals("blue", model=ModelScore("m1", 0.1)), _room("red")).channel == "blue"


def test_forced_channels_ignore_capacity_and_the_strictest_wins() -> None:
    forced = (ForcedChannel("yellow", "notice", "notice AC"), ForcedChannel("red", "rule", "rule R"))
    verdict = decide(_signals(forced=forced), _room())
    assert (verdict.channel, verdict.source) == ("red", "rule")
    tie = (ForcedChannel("red", "notice", "notice AC"), ForcedChannel("red", "rule", "rule R"))
    assert decide(_signals(forced=tie), _room()).source == "notice"


def test_score_rule_points_count_without_a_model() -> None:
    hit = RuleHit(1, "R-1", 1, "cars", "score", 10, points=70)
    verdict = decide(_signals(rules=(hit,)), _room("red"))
    assert (verdict.channel, verdict.source, verdict.score_points) == ("red", "score", 70)


def test_exploration_takes_the_draw_but_keeps_forced_channels() -> None:
    explored = decide(_signals("green", exploring=True, model=ModelScore("m1", 0.99)), _room("red"))
    assert (explored.channel, explored.source) == ("green", "exploration")
    forced = (ForcedChannel("red", "notice", "notice AC"),)
    kept = decide(_signals("green", exploring=True, forced=forced), _room())
    assert (kept.channel, kept.source) == ("red", "notice")


def test_exploration_share_is_whole_percent_slices_of_the_draw() -> None:
    assert SETTINGS.explores(499) and not SETTINGS.explores(500)

"""How the signals about a declaration become its channel, pure (standard library and kernel only).

Signals: the notices it matches (forced channel), the targeting rules it hits (channel actions forced, the
strictest wins red > yellow > blue > green; a scan is red with an instruction; score rules add points), the
model's score (0 to 1, counted as 0 to 100 points), the random shares draw and the exploration draw.

- Exploration: the declaration takes the shares draw whatever the score said, so the model keeps seeing
  declarations it would not have chosen. Notices and rule channel actions still apply (a notice is an
  instruction from a service, never set aside); the evaluation keeps the exploration mark either way.
- Forced channels (notices, rule actions) are never dropped, whatever the day's capacity.
- Score: model points plus rule points against the office's threshold. At or above it the declaration goes
  red, or yellow when the day's red capacity is used up; beyond both capacities it falls back to the shares
  draw. Below it, with a model, it is released: blue when the shares draw says blue, else green.
- Nothing said (no model, no hit, no notice): the shares draw, as the default selectivity does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from douane.risk.model import DRAW_SCALE, ChannelDraw

DEFAULT_EXPLORATION_PERCENT = 5
DEFAULT_SCORE_THRESHOLD = 50.0
STRICTNESS = {"green": 0, "blue": 1, "yellow": 2, "red": 3}
CHANNEL_ACTIONS = {"yellow": "yellow", "red": "red", "blue": "blue", "scan": "red"}

NOTICE, RULE, SCORE, EXPLORATION, SHARES = "notice", "rule", "score", "exploration", "shares"
SOURCES = (NOTICE, RULE, SCORE, EXPLORATION, SHARES)


@dataclass(frozen=True)
class OfficeSettings:
    """An office's daily capacities (None: no limit), exploration share and score threshold on a date."""

    office_code: str
    yellow_per_day: int | None = None
    red_per_day: int | None = None
    exploration_percent: int = DEFAULT_EXPLORATION_PERCENT
    score_threshold: float = DEFAULT_SCORE_THRESHOLD
    setting_id: int | None = None
    valid_from: date | None = None
    set_by: str | None = None
    set_at: datetime | None = None

    def per_day(self, channel: str) -> int | None:
        return {"yellow": self.yellow_per_day, "red": self.red_per_day}.get(channel)

    def explores(self, value: int) -> bool:
        """Whether a draw in [0, DRAW_SCALE) falls in the exploration share."""
        return value < self.exploration_percent * (DRAW_SCALE // 100)


@dataclass(frozen=True)
class RuleHit:
    rule_id: int
    code: str
    version: int
    name: str
    action: str  # yellow, red, blue, score, scan
    priority: int
    points: int = 0  # for action "score"

    def describe(self) -> str:
        what = f"+{self.points} points" if self.action == "score" else self.action
        if self.action == "scan":
            what = "red, scan the goods"
        return f"rule {self.code} v{self.version} ({self.name}): {what}"

    def as_dict(self) -> dict[str, object]:
        return {
            "rule_id": self.rule_id,
            "code": self.code,
            "version": self.version,
            "name": self.name,
            "action": self.action,
            "priority": self.priority,
            "points": self.points,
        }


@dataclass(frozen=True)
class ModelScore:
    version: str
    score: float  # 0 to 1, higher is riskier
    top_features: tuple[tuple[str, float], ...] = ()  # (feature, contribution)

    @property
    def points(self) -> float:
        return round(self.score * 100, 1)

    def describe(self) -> str:
        top = ", ".join(f"{name} {value:+.2f}" for name, value in self.top_features[:3])
        return f"model {self.version}: {self.points:g} points" + (f" ({top})" if top else "")


@dataclass(frozen=True)
class ForcedChannel:
    channel: str
    source: str  # notice or rule
    reason: str


@dataclass(frozen=True)
class Signals:
    drawn: ChannelDraw
    shares_text: str
    exploring: bool
    settings: OfficeSettings
    forced: Sequence[ForcedChannel] = ()
    rules: Sequence[RuleHit] = ()
    model: ModelScore | None = None


@dataclass(frozen=True)
class Verdict:
    channel: str
    source: str
    reasons: tuple[str, ...]
    capacity_fallback: bool = False
    score_points: float | None = None


HasRoom = Callable[[str], bool]


def rule_channels(hits: Sequence[RuleHit]) -> list[ForcedChannel]:
    return [
        ForcedChannel(CHANNEL_ACTIONS[hit.action], RULE, hit.describe())
        for hit in sorted(hits, key=lambda h: (h.priority, h.code))
        if hit.action in CHANNEL_ACTIONS
    ]


def strictest(forced: Sequence[ForcedChannel]) -> ForcedChannel | None:
    """The strictest forced channel; on a tie the first (notices come before rules)."""
    best: ForcedChannel | None = None
    for candidate in forced:
        if best is None or STRICTNESS[candidate.channel] > STRICTNESS[best.channel]:
            best = candidate
    return best


def score_points(signals: Signals) -> float | None:
    """Model points plus rule points; None when neither a model nor a score rule spoke."""
    rule_points = sum(hit.points for hit in signals.rules if hit.action == "score")
    if signals.model is None and not rule_points:
        return None
    return round((signals.model.points if signals.model else 0.0) + rule_points, 1)


def decide(signals: Signals, has_room: HasRoom) -> Verdict:
    forced = strictest(signals.forced)
    points = score_points(signals)
    reasons = [f.reason for f in signals.forced]
    reasons += [hit.describe() for hit in signals.rules if hit.action == "score"]
    if signals.model is not None:
        reasons.append(signals.model.describe())
    draw_reasons = [signals.shares_text, f"random draw {signals.drawn.value} of {DRAW_SCALE}"]
    if signals.exploring:
        reasons.append(f"exploration: drawn into the random {signals.settings.exploration_percent} % share")
        return _with_forced(signals.drawn.channel.value, EXPLORATION, forced, reasons + draw_reasons, points)
    threshold = signals.settings.score_threshold
    if points is None or points < threshold:
        if points is not None:
            reasons.append(f"risk score {points:g} below the threshold {threshold:g}")
        return _unscored(signals, forced, reasons, draw_reasons, points)
    reasons.append(f"risk score {points:g} at or above the threshold {threshold:g}")
    room = _channel_with_room(forced, has_room, reasons, signals.settings)
    if room is not None:
        return _with_forced(room, SCORE, forced, reasons, points)
    if forced is not None:
        return Verdict(forced.channel, forced.source, tuple(reasons), score_points=points)
    reasons.append("the day's capacity is used up: the shares draw decides")
    return Verdict(signals.drawn.channel.value, SHARES, tuple(reasons + draw_reasons), True, points)


def _unscored(
    signals: Signals, forced: ForcedChannel | None, reasons: list[str], draw: list[str], points: float | None
) -> Verdict:
    if forced is not None:
        return Verdict(forced.channel, forced.source, tuple(reasons), score_points=points)
    if signals.model is None:
        return Verdict(signals.drawn.channel.value, SHARES, tuple(reasons + draw), score_points=points)
    released = "blue" if signals.drawn.channel.value == "blue" else "green"
    return Verdict(released, SCORE, tuple(reasons + draw), score_points=points)


def _channel_with_room(
    forced: ForcedChannel | None, has_room: HasRoom, reasons: list[str], settings: OfficeSettings
) -> str | None:
    """Red, else yellow, while the day's capacity allows and the channel is stricter than the forced one."""
    floor = STRICTNESS[forced.channel] if forced else -1
    for channel in ("red", "yellow"):
        if STRICTNESS[channel] <= floor:
            return None
        if has_room(channel):
            return channel
        reasons.append(
            f"{channel} capacity of office {settings.office_code} reached ({settings.per_day(channel)} a day)"
        )
    return None


def _with_forced(
    channel: str, source: str, forced: ForcedChannel | None, reasons: list[str], points: float | None
) -> Verdict:
    if forced is not None and STRICTNESS[forced.channel] > STRICTNESS[channel]:
        return Verdict(forced.channel, forced.source, tuple(reasons), score_points=points)
    return Verdict(channel, source, tuple(reasons), score_points=points)

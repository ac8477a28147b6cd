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
from functools import lru_cache

from douane.risk.model import DRAW_SCALE, ChannelDraw

DEFAULT_EXPLORATION_PERCENT = 5
DEFAULT_SCORE_THRESHOLD = 50.0
STRICTNESS = {"green": 0, "blue": 1, "yellow": 2, "red": 3}
CHANNEL_ACTIONS = {"yellow": "yellow", "red": "red", "blue": "blue", "scan": "red"}

NOTICE, RULE, SCORE, EXPLORATION, SHARES = "notice", "rule", "score", "exploration", "shares"
SOURCES = (NOTICE, RULE, SCORE, EXPLORATION, SHARES)

# The reasons of a decision, in English (the stored record); each is a catalog msgid that
# douane.risk.selection.reasons translates for the officer reading it.
RULE_HIT = "rule {code} v{version} ({name}): {what}"
RULE_POINTS = "+{points} points"
RULE_SCAN = "red, scan the goods"
MODEL = "model {version}: {points} points"
MODEL_WITH_FEATURES = "model {version}: {points} points ({features})"
NOTICE_MATCH = "notice {number} on {kind} {subject}: {channel}"
SHARES_OF = "shares of {scope}: {shares}"
SHARE = "{channel} {percent} %"
SCOPE_OFFICE = "office {office}"
DRAW = "random draw {value} of {scale}"
EXPLORATION_DRAW = "exploration: drawn into the random {percent} % share"
SCORE_BELOW = "risk score {points} below the threshold {threshold}"
SCORE_ABOVE = "risk score {points} at or above the threshold {threshold}"
CAPACITY_REACHED = "{channel} capacity of office {office} reached ({limit} a day)"
CAPACITY_USED_UP = "the day's capacity is used up: the shares draw decides"
AMENDED = "amended by the declarant on the {channel} channel: its documents are checked"

REASON_TEMPLATES = (
    RULE_HIT, MODEL_WITH_FEATURES, MODEL, NOTICE_MATCH, SHARES_OF, DRAW, EXPLORATION_DRAW, SCORE_BELOW,
    SCORE_ABOVE, CAPACITY_REACHED, CAPACITY_USED_UP, AMENDED,
)  # fmt: skip


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
        what = RULE_POINTS.format(points=self.points) if self.action == "score" else self.action
        if self.action == "scan":
            what = RULE_SCAN
        return RULE_HIT.format(code=self.code, version=self.version, name=self.name, what=what)

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
        points = f"{self.points:g}"
        if not top:
            return MODEL.format(version=self.version, points=points)
        return MODEL_WITH_FEATURES.format(version=self.version, points=points, features=top)


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


@lru_cache(maxsize=256)  # a few shares are in force at a time
def shares_reason(scope: str, shares_text: str) -> str:
    """The shares drawn against: an office's, or the national or built-in default (scope "national" or
    "built-in", as douane.risk.service names them)."""
    label = f"the {scope} default" if scope in ("national", "built-in") else SCOPE_OFFICE.format(office=scope)
    return SHARES_OF.format(scope=label, shares=shares_text)


def draw_reason(value: int) -> str:
    return DRAW.format(value=value, scale=DRAW_SCALE)


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
    draw_reasons = [signals.shares_text, draw_reason(signals.drawn.value)]
    if signals.exploring:
        reasons.append(EXPLORATION_DRAW.format(percent=signals.settings.exploration_percent))
        return _with_forced(signals.drawn.channel.value, EXPLORATION, forced, reasons + draw_reasons, points)
    threshold = signals.settings.score_threshold
    if points is None or points < threshold:
        if points is not None:
            reasons.append(SCORE_BELOW.format(points=f"{points:g}", threshold=f"{threshold:g}"))
        return _unscored(signals, forced, reasons, draw_reasons, points)
    reasons.append(SCORE_ABOVE.format(points=f"{points:g}", threshold=f"{threshold:g}"))
    room = _channel_with_room(forced, has_room, reasons, signals.settings)
    if room is not None:
        return _with_forced(room, SCORE, forced, reasons, points)
    if forced is not None:
        return Verdict(forced.channel, forced.source, tuple(reasons), score_points=points)
    reasons.append(CAPACITY_USED_UP)
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
        limit = settings.per_day(channel)
        reasons.append(CAPACITY_REACHED.format(channel=channel, office=settings.office_code, limit=limit))
    return None


def _with_forced(
    channel: str, source: str, forced: ForcedChannel | None, reasons: list[str], points: float | None
) -> Verdict:
    if forced is not None and STRICTNESS[forced.channel] > STRICTNESS[channel]:
        return Verdict(forced.channel, forced.source, tuple(reasons), score_points=points)
    return Verdict(channel, source, tuple(reasons), score_points=points)

"""Selectivity, pure: control channels, the share of declarations each channel receives, the random draw.

Imports only the standard library and the kernel. The random source is a parameter so tests pass a seeded
`random.Random`; production passes `secrets.SystemRandom()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Protocol

from douane.kernel.errors import InvalidInput, NotFound

DRAW_SCALE = 10_000
"""A draw is an integer in [0, DRAW_SCALE): each percentage point of a share covers 100 values."""


class Channel(StrEnum):
    GREEN = "green"  # release without control
    YELLOW = "yellow"  # documentary control
    RED = "red"  # physical examination
    BLUE = "blue"  # release, then post-clearance audit


CHANNEL_ORDER: tuple[Channel, ...] = (Channel.GREEN, Channel.YELLOW, Channel.RED, Channel.BLUE)


class RandomSource(Protocol):
    """What the draw needs from a random generator (`random.Random`, `secrets.SystemRandom`)."""

    def randrange(self, stop: int, /) -> int: ...


@dataclass(frozen=True)
class ChannelShares:
    """Whole percentages of declarations sent to each channel; they add up to 100."""

    green: int
    yellow: int
    red: int
    blue: int

    def __post_init__(self) -> None:
        for channel in CHANNEL_ORDER:
            value = getattr(self, channel.value)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
                raise InvalidInput(
                    "risk.invalid_share",
                    "The share of the {channel} channel must be a whole percentage from 0 to 100",
                    channel=channel.value,
                )
        total = sum(self.of(channel) for channel in CHANNEL_ORDER)
        if total != 100:
            raise InvalidInput(
                "risk.shares_not_100", "The channel shares must add up to 100 (they add up to {total})",
                total=total,
            )  # fmt: skip

    def of(self, channel: Channel) -> int:
        value: int = getattr(self, channel.value)
        return value

    def as_dict(self) -> dict[str, int]:
        return dict(_percentages(self))

    def describe(self) -> str:
        return _described(self)


# A few shares are in force at a time and every lodged declaration draws against them: what depends only on
# the shares is worked out once per shares.


@lru_cache(maxsize=256)
def _percentages(shares: ChannelShares) -> tuple[tuple[str, int], ...]:
    return tuple((channel.value, shares.of(channel)) for channel in CHANNEL_ORDER)


@lru_cache(maxsize=256)
def _described(shares: ChannelShares) -> str:
    return ", ".join(f"{channel.value} {shares.of(channel)} %" for channel in CHANNEL_ORDER)


@lru_cache(maxsize=256)
def _slices(shares: ChannelShares) -> tuple[tuple[int, Channel], ...]:
    """The upper end (excluded) of each channel's slice of [0, DRAW_SCALE), in CHANNEL_ORDER."""
    slices, upper = [], 0
    for channel in CHANNEL_ORDER:
        upper += shares.of(channel) * (DRAW_SCALE // 100)
        slices.append((upper, channel))
    return tuple(slices)


BUILT_IN_SHARES = ChannelShares(green=60, yellow=20, red=15, blue=5)
"""Used when neither the office nor the national administration configured shares."""


@dataclass(frozen=True)
class ChannelDraw:
    channel: Channel
    value: int  # the random integer drawn, in [0, DRAW_SCALE)


def channel_for_value(shares: ChannelShares, value: int) -> Channel:
    """The channel whose slice of [0, DRAW_SCALE) holds `value`; slices follow CHANNEL_ORDER."""
    if not 0 <= value < DRAW_SCALE:
        raise ValueError(f"draw value {value} outside [0, {DRAW_SCALE})")
    for upper, channel in _slices(shares):
        if value < upper:
            return channel
    raise AssertionError("shares add up to 100, so the slices cover every value")


def draw_channel(shares: ChannelShares, source: RandomSource) -> ChannelDraw:
    value = source.randrange(DRAW_SCALE)
    return ChannelDraw(channel_for_value(shares, value), value)


# --- user text ------------------------------------------------------------------------------------

OFFICE_CODE = re.compile(r"\d{5}", re.ASCII)
MAX_ID = 2**63 - 1  # the largest BIGINT key
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def plain_text(text: str | None) -> str:
    """Text as stored: control characters (NUL included, which PostgreSQL refuses) dropped, ends trimmed."""
    return _CONTROL.sub("", text or "").strip()


def office_code_format(code: str | None) -> str:
    """A 5-digit office code, before it is looked up; the registry's NotFound for anything else."""
    wanted = (code or "").strip()
    if not OFFICE_CODE.fullmatch(wanted):
        shown = plain_text(wanted)[:10]
        raise NotFound("registry.office_not_found", "No customs office has the code {office}", office=shown)
    return wanted


def storable_id(value: int) -> bool:
    """Whether `value` can be a row's key; anything else (0, 2**64) is simply not found."""
    return 0 < value <= MAX_ID

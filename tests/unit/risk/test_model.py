"""Channel shares and the random draw, without a database."""

import random
from collections import Counter

import pytest

from douane.kernel.errors import InvalidInput
from douane.risk.model import (
    BUILT_IN_SHARES,
    CHANNEL_ORDER,
    DRAW_SCALE,
    Channel,
    ChannelShares,
    channel_for_value,
    draw_channel,
)


def test_shares_must_add_up_to_100() -> None:
    with pytest.raises(InvalidInput) as refused:
        ChannelShares(green=60, yellow=20, red=15, blue=4)
    assert refused.value.code == "risk.shares_not_100"
    assert refused.value.params == {"total": 99}
    assert ChannelShares(green=100, yellow=0, red=0, blue=0).of(Channel.GREEN) == 100


@pytest.mark.parametrize("bad", [-5, 101, True, 12.5, "20"])
def test_each_share_is_a_whole_percentage(bad: object) -> None:
    with pytest.raises(InvalidInput) as refused:
        ChannelShares(green=80, yellow=bad, red=0, blue=0)  # type: ignore[arg-type]
    assert refused.value.code == "risk.invalid_share"
    assert refused.value.params == {"channel": "yellow"}


def test_built_in_shares_are_60_20_15_5() -> None:
    assert BUILT_IN_SHARES.as_dict() == {"green": 60, "yellow": 20, "red": 15, "blue": 5}


def test_each_channel_gets_a_slice_as_wide_as_its_share() -> None:
    shares = ChannelShares(green=60, yellow=20, red=15, blue=5)
    slices = Counter(channel_for_value(shares, value) for value in range(DRAW_SCALE))
    assert {channel: slices[channel] * 100 // DRAW_SCALE for channel in CHANNEL_ORDER} == {
        Channel.GREEN: 60, Channel.YELLOW: 20, Channel.RED: 15, Channel.BLUE: 5,
    }  # fmt: skip
    assert channel_for_value(shares, 0) is Channel.GREEN
    assert channel_for_value(shares, DRAW_SCALE - 1) is Channel.BLUE
    with pytest.raises(ValueError):
        channel_for_value(shares, DRAW_SCALE)


@pytest.mark.parametrize(
    "shares",
    [
        ChannelShares(green=60, yellow=20, red=15, blue=5),
        ChannelShares(green=25, yellow=25, red=25, blue=25),
        ChannelShares(green=10, yellow=0, red=90, blue=0),
    ],
)
def test_ten_thousand_draws_follow_the_shares_within_two_points(shares: ChannelShares) -> None:
    source = random.Random(20260315)
    counts = Counter(draw_channel(shares, source).channel for _ in range(10_000))
    for channel in CHANNEL_ORDER:
        observed = counts[channel] / 100  # percent of 10,000
        assert abs(observed - shares.of(channel)) <= 2, (channel, observed)


def test_a_zero_share_channel_never_comes_out() -> None:
    shares = ChannelShares(green=0, yellow=50, red=50, blue=0)
    source = random.Random(7)
    drawn = {draw_channel(shares, source).channel for _ in range(10_000)}
    assert drawn == {Channel.YELLOW, Channel.RED}


def test_the_draw_records_the_value_it_drew() -> None:
    class Fixed:
        def randrange(self, stop: int, /) -> int:
            return 6_500

    draw = draw_channel(BUILT_IN_SHARES, Fixed())
    assert (draw.channel, draw.value) == (Channel.YELLOW, 6_500)

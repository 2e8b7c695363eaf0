"""Bandwidth monitor, the 80/60 selection rule at its boundaries, and strict CMCD parsing."""

from __future__ import annotations

import pytest

from revenge.playback.bandwidth import BandwidthMonitor
from revenge.playback.cmcd import Cmcd, parse_cmcd
from revenge.playback.ladder import Variant
from revenge.playback.selection import order_variants, select_profile

LADDER = (
    Variant("source", 2_128_000),  # 2.128 Mb/s
    Variant("480p", 1_128_000),  # 1.128
    Variant("240p", 464_000),  # 0.464
)


def test_window_keeps_the_last_ten_samples() -> None:
    monitor = BandwidthMonitor()
    assert monitor.estimate() is None
    for _ in range(10):
        monitor.add(1_000_000, 8.0)  # 1 Mb/s
    monitor.add(1_000_000, 1.0)  # 8 Mb/s pushes one 1 Mb/s sample out
    estimate = monitor.estimate()
    assert estimate is not None and estimate.samples == 10
    assert estimate.average == pytest.approx((9 * 1e6 + 8e6) / 10)
    assert estimate.jitter == pytest.approx(7e6)


def test_stability_is_jitter_under_a_quarter_of_the_mean() -> None:
    steady = BandwidthMonitor()
    for seconds in (1.0, 1.1, 0.95, 1.05):
        steady.add(1_000_000, seconds)
    estimate = steady.estimate()
    assert estimate is not None and estimate.stable
    assert estimate.target == pytest.approx(0.8 * estimate.average)
    shaky = BandwidthMonitor()
    for seconds in (1.0, 2.0):
        shaky.add(1_000_000, seconds)
    estimate = shaky.estimate()
    assert estimate is not None and not estimate.stable
    assert estimate.target == pytest.approx(0.6 * estimate.average)
    single = BandwidthMonitor()
    single.add(1, 1.0)
    assert not single.estimate().stable  # type: ignore[union-attr]


def _steady(bits_per_second: float) -> BandwidthMonitor:
    monitor = BandwidthMonitor()
    for _ in range(5):
        monitor.add_rate(bits_per_second)
    return monitor


@pytest.mark.parametrize(
    ("measured", "expected"),
    [
        (2_128_000 / 0.8, "source"),  # exactly fits at 80%
        (2_128_000 / 0.8 - 1, "480p"),  # a bit short
        (1_128_000 / 0.8, "480p"),
        (1_128_000 / 0.8 - 1, "240p"),
        (100_000, "240p"),  # bottom of the ladder even if it does not fit
        (50_000_000, "source"),  # top
    ],
)
def test_selection_at_the_boundaries(measured: float, expected: str) -> None:
    assert select_profile(LADDER, _steady(measured).estimate()).name == expected


def test_unstable_bandwidth_aims_at_sixty_percent() -> None:
    monitor = BandwidthMonitor()
    monitor.add_rate(4_000_000)
    monitor.add_rate(2_000_000)  # mean 3 Mb/s, jitter 2 Mb/s: unstable → target 1.8
    assert select_profile(LADDER, monitor.estimate()).name == "480p"
    assert select_profile(LADDER, None).name == "480p"


def test_master_order_puts_the_fitting_variant_first_and_caps_the_rest() -> None:
    assert order_variants(LADDER, None) == ["480p", "source", "240p"]
    slow = _steady(400_000).estimate()
    assert order_variants(LADDER, slow) == ["240p"]
    modest = _steady(600_000).estimate()  # 480p is under 2x what it sustained: kept
    assert order_variants(LADDER, modest) == ["240p", "480p"]
    medium = _steady(1_500_000).estimate()
    assert order_variants(LADDER, medium) == ["480p", "source", "240p"]
    fast = _steady(10_000_000).estimate()
    assert order_variants(LADDER, fast) == ["source", "480p", "240p"]


def test_cmcd_from_query_and_headers() -> None:
    parsed = parse_cmcd([b"bl%3D21300%2Cbr%3D3200%2Cbs%2Cmtp%3D25400%2Csid%3D%226e2fb550%22"], [])
    assert parsed == Cmcd(True, 21300, 25400)
    headers = [b"bl=2100,mtp=800", b'sid="abc",su', b"br=400,ot=v"]
    assert parse_cmcd([], headers) == Cmcd(False, 2100, 800)
    assert parse_cmcd([], []) is None


@pytest.mark.parametrize(
    "text",
    [b"bl=-1", b"bl=abc def", b'sid="unterminated', b"bs=1", b"=3", b"BL=3", b"bl=1,bl=2",
     b"mtp=1.5.5", b'sid=6', b"\xff\xfe", b",,,", b"x" * 5000],
)
def test_malformed_cmcd_is_ignored(text: bytes) -> None:
    assert parse_cmcd([text], []) is None

"""The per-session adapter: degradation after the 4th error, server ABR, CMCD evidence."""

from __future__ import annotations

from revenge.playback.adaptation import Adapter
from revenge.playback.cmcd import Cmcd
from revenge.playback.ladder import Variant

LADDER = (
    Variant("source", 2_128_000),
    Variant("480p", 1_128_000),
    Variant("240p", 464_000),
)


def test_degrades_one_profile_after_more_than_three_errors_and_resets() -> None:
    adapter = Adapter("s", LADDER, server_abr=False)
    assert [adapter.segment_failed() for _ in range(3)] == [False, False, False]
    assert adapter.profile_for("source").name == "source"
    assert adapter.segment_failed() is True
    assert adapter.errors == 0 and adapter.switches == 1
    assert [p.name for p in adapter.allowed] == ["480p", "240p"]
    assert adapter.profile_for("source").name == "480p"  # above the cap: best allowed
    assert adapter.profile_for("240p").name == "240p"  # the player's ABR within the cap
    assert adapter.master_order()[0] in ("480p", "240p") and "source" not in adapter.master_order()
    for _ in range(8):
        adapter.segment_failed()
    assert [p.name for p in adapter.allowed] == ["240p"]  # never below the bottom


def test_server_abr_follows_bandwidth_with_reasons() -> None:
    adapter = Adapter("s", LADDER, server_abr=True)
    for _ in range(5):
        adapter.segment_sent(10_000_000, 1.0)  # 80 Mb/s
    assert adapter.profile_for(None).name == "source"
    slow = Adapter("s", LADDER, server_abr=True)
    slow.current = LADDER[0]
    for _ in range(10):
        slow.segment_sent(100_000, 1.0)  # 0.8 Mb/s
    assert slow.profile_for("source").name == "240p"  # server ABR ignores the request
    assert slow.switches == 1
    for _ in range(10):
        slow.segment_sent(10_000_000, 1.0)
    assert slow.profile_for(None).name == "source" and slow.switches == 2


def test_cmcd_starvation_and_throughput() -> None:
    adapter = Adapter("s", LADDER, server_abr=False)
    adapter.cmcd(Cmcd(buffer_starvation=True, measured_throughput_kbps=3000))
    adapter.cmcd(Cmcd(buffer_starvation=False))
    assert adapter.buffering_events == 1
    estimate = adapter.estimate()
    assert estimate is not None and estimate.average == 3_000_000
    assert adapter.lower_than(LADDER[0]) == LADDER[1] and adapter.lower_than(LADDER[2]) is None

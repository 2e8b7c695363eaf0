"""The shared timeline's boundaries: the plain ``D`` grid, and bootstrap segments (the first
``D`` seconds cut shorter) that leave the grid past ``D`` as it was."""

from __future__ import annotations

import pytest

from revenge.blackbeard.timeline import Timeline


def test_bootstrap_cuts_the_first_segment_duration_shorter_and_keeps_the_grid_after() -> None:
    timeline = Timeline(30.0, 6.0, bootstrap=2.0)
    assert timeline.starts == (0.0, 2.0, 4.0, 6.0, 12.0, 18.0, 24.0)
    assert [timeline.length(i) for i in range(timeline.count)] == [2, 2, 2, 6, 6, 6, 6]
    assert timeline.starts[3:] == Timeline(30.0, 6.0).starts[1:]
    assert timeline.longest == 6.0


@pytest.mark.parametrize(("position", "index"), [
    (0.0, 0), (1.99, 0), (2.0, 1), (5.9, 2), (6.0, 3), (11.9, 3), (12.0, 4), (29.0, 6),
    (-1.0, 0), (99.0, 6)])
def test_index_at_finds_the_bootstrap_segment_that_holds_a_position(
    position: float, index: int
) -> None:
    assert Timeline(30.0, 6.0, bootstrap=2.0).index_at(position) == index


@pytest.mark.parametrize(("duration", "starts"), [
    (18.5, (0.0, 2.0, 4.0, 6.0, 12.0)),  # a 0.5 s tail joins the segment before it
    (13.0, (0.0, 2.0, 4.0, 6.0, 12.0)),  # a 1 s tail is kept
    (4.3, (0.0, 2.0)),  # a tail inside the bootstrap part joins the bootstrap segment
    (6.0, (0.0, 2.0, 4.0)),
    (1.5, (0.0,)),
])
def test_the_tail_merge_rule_holds_with_bootstrap(duration: float,
                                                   starts: tuple[float, ...]) -> None:
    timeline = Timeline(duration, 6.0, bootstrap=2.0)
    assert timeline.starts == starts
    assert timeline.end(timeline.count - 1) == duration


@pytest.mark.parametrize("duration", [30.0, 18.5, 12.4, 6.0, 4.3, 0.7])
def test_no_bootstrap_is_the_plain_grid(duration: float) -> None:
    plain = Timeline(duration, 6.0)
    assert Timeline(duration, 6.0, bootstrap=0.0).starts == plain.starts
    assert Timeline(duration, 6.0, bootstrap=6.0).starts == plain.starts
    assert all(s == 6.0 * i for i, s in enumerate(plain.starts))


@pytest.mark.parametrize("bootstrap", [4.0, 2.5, 7.0, -1.0])
def test_a_bootstrap_that_does_not_divide_the_segment_is_refused(bootstrap: float) -> None:
    with pytest.raises(ValueError, match="bootstrap"):
        Timeline(30.0, 6.0, bootstrap=bootstrap)

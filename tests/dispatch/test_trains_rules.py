"""Invariants of the train rules: spread unloading slots keep a yard's tracks, trainset rotations are the
fewest that the timetable allows and never run two trains on one trainset at once."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregates.dispatch.trains import DAY, _spread, most_at_once, rotation


@settings(max_examples=25, deadline=None)
@given(
    starts=st.lists(st.integers(0, DAY - 1), min_size=1, max_size=8),
    hours=st.lists(st.integers(6 * 60, 60 * 60), min_size=8, max_size=8),
)
def test_a_rotation_needs_whole_days_of_trainsets_and_no_fewer_than_the_busy_time(starts, hours):
    s = np.array(starts, float)
    cycle = np.array(hours[: len(s)], float)
    number, count = rotation(s, cycle)
    # Each trainset is busy one cycle per train it runs, so the trainsets hold at least the busy time.
    assert count >= np.ceil(cycle.sum() / DAY - 1e-9)
    assert set(number) <= set(range(1, count + 1))
    # The day repeats: at the start of any train, the trainsets out (loading, running, unloading, coming
    # back, from today's or earlier days' trains) cannot outnumber the rotation's.
    for t in s:
        since = (t - s) % DAY
        out = np.where(since < cycle, np.floor((cycle - since - 1e-9) / DAY) + 1, 0)
        assert out.sum() <= count


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 8), tracks=st.integers(1, 3), hours=st.integers(2, 8))
def test_spread_slots_never_hold_more_trains_than_tracks(n, tracks, hours):
    minutes = hours * 60.0
    if n > tracks * (DAY // minutes):
        return
    slots = _spread(n, (0, DAY), minutes, tracks, "yard")
    assert len(slots) == n and most_at_once(slots, minutes) <= tracks

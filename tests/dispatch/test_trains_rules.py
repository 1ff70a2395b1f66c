"""Invariants of the train rules: spread unloading slots keep a yard's tracks, trainset rotations are the
fewest that the timetable allows and never run two trains on one trainset at once."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregates.dispatch.trains import DAY, _greedy_shifts, _packed_shifts, _spread, most_at_once, rotation


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


@settings(max_examples=25, deadline=None)
@given(ideal=st.lists(st.integers(-DAY, DAY), min_size=1, max_size=8), tracks=st.integers(1, 2))
def test_loading_slots_fit_every_train_the_tracks_can_take_and_only_wait(ideal, tracks):
    # Trains of 6 h on 1-2 tracks open round the clock: up to 4 a track fit, however their ideal starts fall.
    want = np.array(sorted(ideal, key=lambda x: x % DAY), float)
    if len(want) > 4 * tracks:
        return
    shifts = _greedy_shifts(want, (0, DAY), 360.0, tracks)
    if shifts is None:
        shifts = _packed_shifts(want, (0, DAY), 360.0, tracks, "yard")
    shifts = np.asarray(shifts)
    assert (shifts >= 0).all() and (shifts < DAY).all()
    assert most_at_once(want - shifts, 360.0) <= tracks

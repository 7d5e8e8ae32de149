"""Leadership's bookkeeping: partition 0 of the leader topic makes the leader; each gain a term."""

from __future__ import annotations

import threading

from hub.leadership import Leadership
from hub.settings import Settings
from hub.topics import LEADER


def test_each_gain_of_partition_zero_starts_a_new_term():
    """Gained, lost (revoked or lost with the session), gained again: terms 1 then 2."""
    election = Leadership(Settings(), threading.Event())
    assert (election.is_leader(), election.term()) == (False, 0)
    assert election._claim([(LEADER, 0)]) == {(LEADER, 0): None}
    assert (election.is_leader(), election.term()) == (True, 1)
    election._claim([(LEADER, 0)])  # told twice: still the same term
    assert election.term() == 1
    election._release([(LEADER, 0)], lost=True)
    assert not election.is_leader()
    assert not election.wait(0.01)
    election._claim([(LEADER, 0)])
    assert (election.is_leader(), election.term()) == (True, 2)


def test_a_stopped_instance_is_never_the_leader():
    """Once the stop event is set, ``is_leader`` and ``wait`` say no, whatever the group said."""
    stop = threading.Event()
    election = Leadership(Settings(), stop)
    election._claim([(LEADER, 0)])
    stop.set()
    assert not election.is_leader()
    assert not election.wait(0.01)

"""A served worker keeps what it has loaded out of the garbage collector's full passes (the pages'
p99: a full pass over the whole app took 70–130 ms): frozen once the app is loaded, and again after
its 10th, 100th, 1,000th and 10,000th request, for what it cached while serving."""

from __future__ import annotations

import gc

import pytest

from kesu.tasks import heap


@pytest.fixture
def thawed():
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test session as it was


def test_a_settled_heap_is_left_out_of_full_passes(thawed):
    heap.settle_heap()
    frozen = gc.get_freeze_count()
    assert frozen > 1000
    made_later = [[] for _ in range(100)]  # what requests make afterwards: collected as usual
    assert made_later and gc.get_freeze_count() == frozen


def test_a_worker_settles_again_after_its_tenth_and_hundredth_request_and_not_between(thawed, monkeypatch):
    monkeypatch.setattr(heap, "_served", [0])
    for _ in range(9):
        heap.count_request()
    assert gc.get_freeze_count() == 0
    heap.count_request()
    assert gc.get_freeze_count() > 1000
    gc.unfreeze()
    for _ in range(89):
        heap.count_request()
    assert gc.get_freeze_count() == 0
    heap.count_request()
    assert gc.get_freeze_count() > 1000

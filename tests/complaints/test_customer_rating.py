"""F10: the customer rates the handling once it is settled — the rulebook's RATEABLE_STATES, judged
by the kernel for every channel, not only hidden by the portal's page."""

from __future__ import annotations

import pytest

from kesu.complaints import lifecycle
from kesu.core.errors import TransitionRefused
from kesu.core.lifecycle import RATEABLE_STATES, State
from tests.factories import bring_to

pytestmark = pytest.mark.django_db


def test_a_case_still_being_handled_cannot_be_rated(p1, people, now):
    c = bring_to(State.HANDLING, people, now)
    with pytest.raises(TransitionRefused):
        lifecycle.record_customer_input(c, kind="customer_rating", actor=people["wangkf"], now=now, text="5 分",
                                        changes={"score": [None, 5]})
    assert not c.events.filter(kind="customer_rating").exists()


def test_a_satisfied_case_is_rated_once(p1, people, now):
    c = bring_to(State.SATISFIED, people, now)
    assert State.SATISFIED in RATEABLE_STATES
    lifecycle.record_customer_input(c, kind="customer_rating", actor=people["wangkf"], now=now, text="满意",
                                    changes={"score": [None, 5]})
    assert c.events.filter(kind="customer_rating").count() == 1

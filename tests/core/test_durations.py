"""Clock targets are written the way policies state them — 30m, 24h, 3d, 1d4h — and keep their unit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kesu.core.policy import Duration


@pytest.mark.parametrize(("text", "expected"), [
    ("30m", Duration(minutes=30)),
    ("10m", Duration(minutes=10)),
    ("24h", Duration(hours=24)),
    ("72h", Duration(hours=72)),
    ("3d", Duration(days=3)),
    ("1d4h", Duration(days=1, hours=4)),
    ("1h30m", Duration(hours=1, minutes=30)),
    ("2d3h15m", Duration(days=2, hours=3, minutes=15)),
    ("0m", Duration()),
])
def test_parses_days_hours_and_minutes(text, expected):
    assert Duration.parse(text) == expected


@pytest.mark.parametrize("text", ["30m", "24h", "3d", "1d4h", "2d3h15m"])
def test_writes_back_exactly_what_was_read(text):
    assert str(Duration.parse(text)) == text


def test_the_unit_is_kept_not_folded_into_minutes():
    # on a working-time clock 24h (business hours) and 1d (a working day) are different things
    assert Duration.parse("24h") != Duration.parse("1d")
    assert str(Duration.parse("90m")) == "90m"
    assert str(Duration.parse("48h")) == "48h"


@pytest.mark.parametrize("text", [
    "", " ", "3", "d", "m30", "3 d", " 3d", "3d ", "3D", "30M", "1.5h", "-5m", "+5m", "3w", "3s",
    "3h1d",  # units out of order
    "3h3h",  # a unit twice
    "30min", "一天", "3天",
])
def test_refuses_anything_else(text):
    with pytest.raises(ValueError):
        Duration.parse(text)


@pytest.mark.parametrize("value", [None, 30, 1.5, ["3d"], {"d": 3}, timedelta(days=3)])
def test_refuses_values_that_are_not_text(value):
    with pytest.raises(ValueError):
        Duration.parse(value)


def test_a_duration_parses_to_itself():
    d = Duration(hours=4)
    assert Duration.parse(d) is d


def test_only_a_non_zero_duration_is_positive():
    assert Duration.parse("1m").is_positive
    assert Duration.parse("1d").is_positive
    assert not Duration.parse("0m").is_positive
    assert not Duration.parse("0d0h0m").is_positive
    assert str(Duration()) == "0m"


def test_calendar_length():
    assert Duration.parse("1d4h30m").as_calendar_timedelta() == timedelta(days=1, hours=4, minutes=30)
    assert Duration.parse("72h").as_calendar_timedelta() == timedelta(days=3)


def test_durations_are_hashable_and_ordered_by_days_then_hours_then_minutes():
    assert len({Duration.parse("24h"), Duration(hours=24), Duration.parse("1d")}) == 2
    assert Duration.parse("10m") < Duration.parse("20m") < Duration.parse("1h") < Duration.parse("1d")

import pandas as pd
import pytest

from carelib import periods
from carelib.errors import ParameterError


def test_iso_weeks_across_the_year_boundary():
    ts = pd.Series(pd.to_datetime(["2025-12-28 23:59", "2025-12-29 00:00", "2026-12-31 12:00", "2027-01-03 12:00"]))
    assert periods.iso_week(ts).tolist() == ["2025-W52", "2026-W01", "2026-W53", "2026-W53"]


def test_bounds_ranges_and_blocks():
    start, end = periods.week_bounds("2026-W47")
    assert (str(start.date()), str(end.date())) == ("2026-11-16", "2026-11-23")
    assert periods.week_range("2026-W20..2026-W27")[-1] == "2026-W27" and len(periods.week_range("2026-W20..2026-W27")) == 8
    assert periods.last_weeks("2026-W47", 52)[0] == "2025-W48"
    b = periods.blocks(periods.last_weeks("2026-W47", 52))
    assert b["2026-W20"] == "2026-W20..2026-W23" and b["2026-W27"] == "2026-W24..2026-W27"


@pytest.mark.parametrize("bad", ["2026-47", "W47", "2026-W54", "2025-W53", "", "2026-W1"])
def test_malformed_weeks_are_refused(bad):
    with pytest.raises(ParameterError):
        periods.week_bounds(bad)


def test_backwards_range_is_refused():
    with pytest.raises(ParameterError, match="ends before"):
        periods.week_range("2026-W27..2026-W20")


def test_today_is_injectable_and_deterministic(monkeypatch):
    monkeypatch.delenv("CARELIB_TODAY", raising=False)
    assert periods.today("2026-06-01") == pd.Timestamp("2026-06-01")
    assert periods.today("2026-06-01T10:00:00+02:00") == pd.Timestamp("2026-06-01 08:00")  # UTC, no time zone
    now = pd.Timestamp.now(tz="UTC").tz_localize(None)
    assert abs(periods.today() - now) < pd.Timedelta(minutes=1)
    monkeypatch.setenv("CARELIB_TODAY", "2026-03-04")
    assert periods.today() == pd.Timestamp("2026-03-04")
    assert periods.today("2026-06-01") == pd.Timestamp("2026-06-01")  # an argument wins over the environment
    assert periods.future_limit("2026-06-01") == pd.Timestamp("2026-06-03")
    with pytest.raises(ParameterError, match=r"today: expected an ISO 8601 date \(e.g. 2026-11-22\), found 'soon'"):
        periods.today("soon")

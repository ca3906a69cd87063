import re

import pandas as pd
import pytest

from carelib.analysis.hightouch import HIGH_TOUCH_COLUMNS, high_touch_list
from carelib.errors import ParameterError

AS_OF = pd.Timestamp("2026-11-22 23:00")


def _redact(text: str) -> str:
    return re.sub(r"\S+@\S+", "[email]", text)


def _tables():
    customers = pd.DataFrame({
        "customer_id": ["C1", "C2", "C3", "C4", "C5"],
        "first_seen": pd.to_datetime(["2025-11-24", "2025-11-25", "2025-11-26", "2026-03-01", "2026-03-02"]),
        "region": ["North", "South", "East", "West", "North"],
        "plan": ["Plus", "Standard", "Standard", "Plus", "Standard"],
    })
    responses = pd.DataFrame({
        "response_id": ["R1", "R2", "R3", "R4"],
        "customer_id": ["C4", "C5", "C2", "C4"],
        "submitted_at": pd.to_datetime(["2026-11-10", "2026-11-12", "2026-11-15", "2026-06-01"]),
        "survey": ["nps", "nps", "nps", "nps"],
        "score": [3, 9, 2, 1],
        "comment": ["Still waiting, mail me at jo@example.com", "great", "meh", "old"],
    })
    tickets = pd.DataFrame({
        "ticket_id": ["T1", "T2", "T3"],
        "customer_id": ["C4", "C5", "C2"],
        "created_at": pd.to_datetime(["2026-11-09", "2026-11-11", "2026-11-01"]),
        "closed_at": pd.to_datetime([None, None, "2026-11-02"]),
        "status": ["open", "open", "closed"],
    })
    orders = pd.DataFrame({
        "order_id": ["O1", "O2", "O3", "O4", "O5", "O6"],
        "customer_id": ["C1", "C1", "C2", "C4", "C5", "C3"],
        "ordered_at": pd.to_datetime(["2025-12-01", "2026-02-01", "2026-11-01", "2026-10-01", "2026-10-02", "2026-11-20"]),
        "amount": [50.0, 60.0, 40.0, 900.0, 30.0, 20.0],
        "delivered_at": pd.to_datetime(["2025-12-03", None, "2026-11-03", "2026-10-03", "2026-10-04", None]),
    })
    recoveries = pd.DataFrame({
        "incident_id": ["I1"], "customer_id": ["C4"], "occurred_at": pd.to_datetime(["2026-11-05"]),
        "what_failed": ["double charge, card 4111 1111 1111 1111"],
    })
    return dict(customers=customers, responses=responses, tickets=tickets, orders=orders, recoveries=recoveries)


def test_three_rules_reasons_priority_and_redaction():
    t = _tables()
    before = {k: v.copy() for k, v in t.items()}
    out = high_touch_list(t.pop("customers"), **t, as_of=AS_OF, first_n=3, silent_days=60,
                          high_value_quantile=0.5, redact=lambda s: _redact(s).replace("4111 1111 1111 1111", "[card]"))
    assert list(out.columns) == HIGH_TOUCH_COLUMNS
    by = out.set_index("customer_id")
    # C4: detractor (3) with open T1, and high-value (900 in 12 months) with a recovery incident
    assert by.loc["C4", "reasons"] == "detractor with an open issue + high-value customer hit a failure"
    assert by.loc["C4", "priority"] == 1
    assert "[email]" in by.loc["C4", "evidence"] and "jo@example.com" not in by.loc["C4", "evidence"]
    assert "[card]" in by.loc["C4", "evidence"]
    # C1: an early customer whose last order (2026-02-01) was never delivered, silent since
    assert by.loc["C1", "reasons"] == "early customer went silent"
    assert "no order since 2026-02-01" in by.loc["C1", "evidence"]
    # C5 is a promoter with an open ticket; C2 a detractor whose ticket is closed; C3 ordered recently
    assert not {"C5", "C2", "C3"} & set(out["customer_id"])
    for k, v in before.items():
        pd.testing.assert_frame_equal(_tables()[k], v)


def test_missing_tables_skip_their_rule():
    t = _tables()
    out = high_touch_list(t["customers"], orders=t["orders"], as_of=AS_OF, first_n=3, redact=str)
    assert set(out["reasons"]) == {"early customer went silent"}
    assert high_touch_list(t["customers"], as_of=AS_OF, redact=str).empty


def test_parameters_are_checked():
    t = _tables()
    with pytest.raises(ParameterError, match="high_value_quantile"):
        high_touch_list(t["customers"], high_value_quantile=1.5, redact=str)
    with pytest.raises(ParameterError, match="window_days"):
        high_touch_list(t["customers"], window_days=0, redact=str)


def test_default_redaction_knows_the_customer_roster():
    """Without a redact callable, evidence is redacted with the customers' names as well as the patterns."""
    t = _tables()
    t["customers"] = t["customers"].assign(name=["Ana Ruiz", "Bo Chen", "Cy Diaz", "Zofia Wiśniewska", "Ed Fox"])
    t["recoveries"] = t["recoveries"].assign(what_failed=["Zofia Wiśniewska charged twice, call +44 7700 900123"])
    t["responses"].loc[0, "comment"] = "Wiśniewska here, still waiting, IBAN DE89 3704 0044 0532 0130 00"
    out = high_touch_list(t.pop("customers"), **t, as_of=AS_OF, first_n=3, high_value_quantile=0.5)
    evidence = " ".join(out["evidence"])
    assert "charged twice" in evidence and "still waiting" in evidence
    for planted in ("Zofia", "Wiśniewska", "7700", "DE89"):
        assert planted not in evidence, planted

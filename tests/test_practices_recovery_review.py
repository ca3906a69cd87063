"""carelib.practices.recovery_review on a tiny hand-made workspace: numbers, findings, absent tables, exports."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from IPython.display import Markdown

from carelib.practices import recovery_review as practice
from carelib.report import findings

CUSTOMERS = pd.DataFrame({
    "customer_id": ["C1", "C2", "C3", "C4"],
    "first_seen": ["2025-01-01", "2025-01-02", "2025-06-01", "2025-06-02"],
    "name": ["Anna Berg", "Bruno Kahl", "Cora Diaz", "Dev Patel"],
})
RECOVERIES = pd.DataFrame({
    "incident_id": ["I1", "I2", "I3", "I4"],
    "occurred_at": ["2026-11-01", "2026-07-10", "2026-10-01", "2026-10-03"],
    "customer_id": ["C1", "C2", "C3", "C3"],
    "what_failed": ["charged twice, Anna Berg wrote from anna@example.com", "double charge on card",
                    "parcel late", "late parcel, no tracking"],
    "compensating_action": ["Refund + voucher", "Refund + voucher", "Express reshipment", "Express reshipment"],
    "cost": [10.0, 12.0, 5.0, None],
    "outcome": ["retained", "churned", "retained", "unknown"],
    "learning": ["payment retry created a second charge", "retry charged the card twice",
                 "carrier gives no tracking updates", "no tracking updates from the carrier"],
    "fixed_at": ["2026-11-05", "2026-07-20", None, None],
})
ORDERS = pd.DataFrame({
    "order_id": ["O1", "O2", "O3", "O4"],
    "customer_id": ["C1", "C2", "C3", "C4"],
    "ordered_at": ["2026-10-20", "2026-07-01", "2026-10-10", "2026-11-01"],
    "amount": [900.0, 40.0, 30.0, 20.0],
})


def _workspace(folder, tables):
    folder.mkdir()
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("CARELIB_TODAY", "2026-12-01")


@pytest.fixture
def published(monkeypatch):
    """Findings the practice publishes, by key (built by ``findings.finding``, so checked as records too)."""
    got: dict[str, dict] = {}
    monkeypatch.setattr(findings, "publish", lambda key, value, **kw: got.setdefault(key, findings.finding(key, value, **kw)))
    return got


@pytest.fixture
def review(tmp_path):
    ws = _workspace(tmp_path / "ws", {"customers": CUSTOMERS, "recoveries": RECOVERIES, "orders": ORDERS})
    return practice.open_review(str(ws), as_of="2026-11-20", n_modes=2, first_n=2,
                                export_dir=str(tmp_path / "export" / "new"))


def test_open_review_redacts_the_log_before_the_backlog(review):
    assert review.export_dir.is_dir() and review.as_of == "2026-11-20"
    text = review.log.to_csv() + review.backlog.to_csv()
    assert "Anna Berg" not in text and "anna@example.com" not in text
    assert review.backlog["incidents"].sum() == 4 and review.backlog["story"].str.startswith("As a customer").all()
    assert practice.tables_note(review).data == "Tables: customers, orders, recoveries"


def test_log_summary_hand_computed():
    log = RECOVERIES.copy()
    out = practice.log_summary(log)
    assert out.to_dict("records") == [{"incidents": 4, "customers": 3, "total cost (EUR)": 27.0,
                                       "retained": 0.5, "fixed": 0.5}]
    assert practice.log_summary(log.drop(columns="fixed_at"))["fixed"].tolist() == [None]
    pd.testing.assert_frame_equal(log, RECOVERIES)  # not mutated


def test_recovery_log_publishes_the_cost(review, published):
    summary, outcomes, said, loaded = practice.recovery_log(review).parts
    assert said.data.startswith("**Rows read = rows used + rows set aside:**")  # the load report follows
    assert loaded["rows read"].sum() == loaded["rows used"].sum() + loaded["set aside"].sum()
    assert published["recovery.cost"] == findings.finding(
        "recovery.cost", 27.0, label="Cost of recoveries", text="€27 over 4 incidents and 3 customers")
    assert summary.frame.iloc[0]["total cost (EUR)"] == 27.0 and summary.caption.startswith("The recovery log in one row")
    assert outcomes.frame["incidents"].to_dict() == {"retained": 2, "churned": 1, "unknown": 1}
    assert outcomes.caption == "Incidents by outcome, most frequent first"


def test_backlog_publishes_modes_shows_stories_and_exports(review, published):
    table, stories = practice.backlog(review).parts
    assert table.caption.startswith("Failure modes as a backlog")
    table = table.frame
    labels = dict(zip(review.backlog["mode"], review.backlog["mode_label"], strict=True))
    # tie on incidents (2 and 2): the payment mode costs more (10 + 12) than the late parcels (5 + missing)
    assert published["recovery.mode.1"] == findings.finding(
        "recovery.mode.1", 2, kind="theme", label=f"Failure mode: {labels[1]}",
        text="2 incidents, 2 customers, €22; fixed: yes")
    assert published["recovery.mode.2"]["text"] == "2 incidents, 1 customers, €5; fixed: open"
    assert list(table.columns) == practice.BACKLOG_COLUMNS and table["mode"].tolist() == [1, 2]
    assert str(table["first_seen"].iloc[0]) == "2026-07-10"
    assert isinstance(stories, Markdown) and stories.data.startswith(  # redacted, then escaped
        "1. As a customer, I need “charged twice, Customer A wrote from \\[email\\]” not to happen again")
    exported = pd.read_csv(review.export_dir / "recovery_backlog.csv")
    assert exported["total_cost"].tolist() == [22.0, 5.0] and "story" in exported


def test_cost_chart_draws_the_modes(review):
    plt.close("all")
    assert practice.cost_chart(review).parts == []
    ax = plt.gcf().axes[0]
    assert ax.get_title(loc="left") == "What the failure modes cost"
    shown = [t.get_text() for t in ax.get_yticklabels()][::-1]  # first mode on top
    assert shown == [f"{m}. {lab[:40]}" for m, lab in zip(review.backlog["mode"], review.backlog["mode_label"], strict=True)]
    assert [p.get_width() for p in ax.patches][::-1] == [22.0, 5.0]
    plt.close("all")


def test_who_to_call_rules_finding_and_export(review, published):
    (calls,) = practice.who_to_call(review).parts
    assert calls.caption.startswith("Customers to call this week (the last 28 days")
    calls = calls.frame
    by = calls.set_index("customer_id")
    assert calls["customer_id"].tolist() == ["C1", "C2"]  # same number of reasons: higher value first
    assert by.loc["C1", "reasons"] == "high-value customer hit a failure"
    assert by.loc["C1", "evidence"].startswith("spent €900 in 12 months; incident: charged twice")
    assert by.loc["C2", "evidence"] == "no order since 2026-07-01, after: incident: double charge on card"
    assert "Anna Berg" not in calls.to_csv() and "anna@example.com" not in calls.to_csv()
    found = published["hightouch.count"]
    assert (found["value"], found["label"]) == (2, "Customers to call this week")
    assert found["text"].startswith("2 customers: ") and set(found["text"][13:].split("; ")) == {
        "high-value customer hit a failure 1", "early customer went silent 1"}
    assert pd.read_csv(review.export_dir / "high_touch.csv")["customer_id"].tolist() == ["C1", "C2"]


def test_call_reasons_counts_each_reason():
    calls = pd.DataFrame({"reasons": ["a + b", "b", "c + b"]})
    assert practice.call_reasons(calls) == "3 customers: b 3; a 1; c 1"
    assert practice.call_reasons(calls.iloc[:0]) == "0 customers: "


def test_absent_tables_are_said_not_fatal(tmp_path, published):
    only_customers = practice.open_review(str(_workspace(tmp_path / "a", {"customers": CUSTOMERS})))
    assert (only_customers.log, only_customers.backlog, only_customers.export_dir) == (None, None, None)
    said, *_ = practice.recovery_log(only_customers).parts
    assert said.data == "_No recoveries table in this workspace._"
    assert practice.backlog(only_customers).parts == [] and practice.cost_chart(only_customers).parts == []
    no_customers = practice.open_review(str(_workspace(tmp_path / "b", {"orders": ORDERS})))
    (said,) = practice.who_to_call(no_customers).parts
    assert said.data == "_The high-touch list needs the customers table._"
    assert published == {}

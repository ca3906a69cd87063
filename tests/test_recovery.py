import pandas as pd
import pytest

from carelib.errors import DataError, ParameterError
from carelib.recovery import failure_modes, recovery_backlog

BILLING = [
    ("card charged twice after app update", "payment retry created a second charge"),
    ("double charge on my card", "the retry charged the card a second time"),
    ("charged 2x for one order", "retries are not idempotent, second charge created"),
    ("double payment taken", "app retry made a duplicate charge on the card"),
]
DELIVERY = [
    ("parcel late, no tracking", "new carrier sends no tracking updates"),
    ("delivery a week late", "carrier gives no tracking updates to customers"),
    ("late delivery and no update", "no tracking updates from the new carrier"),
]
DAMAGE = [
    ("lamp arrived broken", "packaging too thin for glass shades"),
    ("broken glass shade", "glass shades need thicker packaging"),
]


def _log() -> pd.DataFrame:
    rows = []
    for i, (what, learning) in enumerate(BILLING + DELIVERY + DAMAGE):
        kind = "billing" if i < 4 else "delivery" if i < 7 else "damage"
        rows.append({
            "incident_id": f"INC{i:03d}",
            "occurred_at": pd.Timestamp("2026-08-10") + pd.Timedelta(days=i) if kind == "billing" else pd.Timestamp("2026-05-18") + pd.Timedelta(days=i),
            "customer_id": f"C{i % 5}",
            "what_failed": what,
            "compensating_action": "Refund + voucher" if kind == "billing" else "Voucher",
            "cost": 10.0 * (i + 1),
            "outcome": "churned" if i in (1, 5) else "retained",
            "learning": learning,
            "fixed_at": pd.Timestamp("2026-08-25") if kind == "billing" else pd.NaT,
            "kind": kind,
        })
    return pd.DataFrame(rows)


def test_incidents_with_varied_wording_group_into_their_failure_modes():
    log = _log()
    before = log.copy()
    modes = failure_modes(log)
    pd.testing.assert_frame_equal(log, before)  # input untouched
    grouped = modes.groupby("kind")["mode"].agg(["nunique", "first"])
    assert (grouped["nunique"] == 1).all(), grouped
    assert grouped["first"].is_unique
    assert modes.loc[modes.kind == "billing", "mode"].iloc[0] == 1  # largest mode first
    assert "charge" in modes.loc[modes.kind == "billing", "mode_label"].iloc[0]


def test_backlog_counts_costs_and_fix_times_by_hand():
    backlog = recovery_backlog(failure_modes(_log()))
    assert list(backlog["incidents"]) == [4, 3, 2]
    billing = backlog.iloc[0]
    assert billing["total_cost"] == pytest.approx(10 + 20 + 30 + 40)
    assert billing["customers"] == 4
    assert billing["churned"] == 1
    assert billing["fixed"] == "yes"
    # fixed 2026-08-25; incidents on 08-10..08-13 -> 15, 14, 13, 12 days: median 13.5
    assert billing["days_to_fix_median"] == pytest.approx(13.5)
    assert billing["first_seen"] == pd.Timestamp("2026-08-10")
    assert "refund + voucher" in billing["story"]
    delivery = backlog.iloc[1]
    assert delivery["fixed"] == "open" and pd.isna(delivery["days_to_fix_median"])
    assert delivery["total_cost"] == pytest.approx(50 + 60 + 70)
    assert delivery["evidence"] == "INC004, INC005, INC006"


def test_fixed_number_of_modes_and_empty_descriptions():
    log = _log()
    log.loc[0, ["what_failed", "learning"]] = [None, None]
    modes = failure_modes(log, n_modes=2)
    described = modes[modes.mode_label != "(no description)"]
    assert described["mode"].nunique() == 2
    assert (modes.mode_label == "(no description)").sum() == 1
    assert len(modes) == len(log)  # nothing dropped


def test_bad_input_is_named():
    with pytest.raises(DataError, match="learning"):
        failure_modes(_log().drop(columns="learning"))
    with pytest.raises(ParameterError, match="n_modes"):
        failure_modes(_log(), n_modes=0)


def test_demo_recovery_log_has_the_double_charge_mode(demo_dir):
    log = pd.read_csv(demo_dir / "recoveries.csv", parse_dates=["occurred_at", "fixed_at"])
    backlog = recovery_backlog(failure_modes(log))
    top = backlog.iloc[0]
    assert "charge" in top["mode_label"] or "charg" in top["story"].lower()
    assert top["total_cost"] > 0

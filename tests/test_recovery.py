import pandas as pd
import pytest

from carelib.analysis.recovery import failure_modes, recovery_backlog
from carelib.errors import DataError, ParameterError

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


# --- personal data: redacted before anything is derived (issue 14) ---------------------------------------------

ROSTER = ["Zofia Wiśniewska", "Liam O’Connor"]
PII_BILLING = [
    ("Zofia Wiśniewska charged twice, call +44 7700 900123", "payment retry charged Zofia Wiśniewska a second time"),
    ("card 4111 1111 1111 1111 charged twice for Zofia Wiśniewska", "retry charged the card twice, zofia.w@example.org"),
    ("Zofia Wiśniewska: double charge on card", "the retry created a second charge, see DE89 3704 0044 0532 0130 00"),
]
PII_DELIVERY = [
    ("parcel for Liam O’Connor late, no tracking", "carrier gives Liam O’Connor no tracking updates"),
    ("Liam O’Connor delivery late", "no tracking updates from the carrier for Liam O’Connor, 0612345678"),
]
PLANTED = ["zofia", "wiśniewska", "wisniewska", "liam", "o’connor", "connor", "7700", "900123", "4111", "example.org",
           "de89", "3704", "0612345678"]


def _pii_log() -> pd.DataFrame:
    rows = []
    for i, (what, learning) in enumerate(PII_BILLING + PII_DELIVERY):
        rows.append({"incident_id": f"INC{i:03d}", "occurred_at": pd.Timestamp("2026-08-10") + pd.Timedelta(days=i),
                     "customer_id": f"C{i}", "what_failed": what, "learning": learning,
                     "compensating_action": "Refund to DE89 3704 0044 0532 0130 00 + voucher" if i < 3 else "Voucher",
                     "outcome": "churned, wrote to zofia.w@example.org" if i == 0 else "retained", "cost": 10.0})
    return pd.DataFrame(rows)


def _leaks(frame: pd.DataFrame) -> list[str]:
    text = frame.astype(str).to_string().lower()
    return [v for v in PLANTED if v in text]


def test_failure_modes_redact_before_clustering_and_labelling():
    from carelib.text.redact import Redactor

    log = _pii_log()
    before = log.copy()
    modes = failure_modes(log, redact=Redactor(ROSTER).redact, n_terms=8)
    pd.testing.assert_frame_equal(log, before)  # input untouched
    assert _leaks(modes[["what_failed", "learning", "compensating_action", "outcome", "mode_label", "typical"]]) == []
    assert "Customer A" in modes["what_failed"].iloc[0] or "Customer A" in " ".join(modes["what_failed"])
    # the repeated name was the most distinctive term of its mode before redaction; now the failure is
    assert modes.groupby("mode")["customer_id"].size().tolist() == [3, 2]
    assert "charge" in modes.loc[modes["mode"] == 1, "mode_label"].iloc[0]


def test_failure_modes_redact_pattern_pii_by_default():
    modes = failure_modes(_pii_log(), n_terms=8)
    text = modes[["what_failed", "learning", "compensating_action", "outcome", "mode_label", "typical"]].astype(str)
    assert not [v for v in ("7700", "900123", "4111", "example.org", "de89", "0612345678") if v in text.to_string().lower()]


def test_backlog_stories_are_built_from_redacted_text_in_its_own_casing():
    from carelib.text.redact import Redactor

    backlog = recovery_backlog(failure_modes(_pii_log(), redact=Redactor(ROSTER).redact))
    assert _leaks(backlog) == []
    billing = backlog.iloc[0]["story"]
    assert "[iban]" in billing  # an upper-case IBAN is redacted before any casing is touched
    assert "Customer A" in billing  # the pseudonym keeps its casing: the story is not lower-cased
    log = _log()
    log["what_failed"] = log["what_failed"].str.replace("app update", "App 4.2 update on iOS")
    story = recovery_backlog(failure_modes(log)).iloc[0]["story"]
    assert "App 4.2 update on iOS" in story and "refund + voucher" in story  # a capitalised first word sits mid-sentence


def test_redact_log_touches_only_text_columns_and_keeps_missing_values():
    from carelib.analysis.recovery import TEXT_COLUMNS, redact_log

    log = _pii_log()
    log.loc[1, "learning"] = None
    out = redact_log(log, lambda s: s.upper())
    for c in TEXT_COLUMNS:
        assert out[c].dropna().str.isupper().all()
    assert pd.isna(out.loc[1, "learning"])
    pd.testing.assert_frame_equal(out[["incident_id", "cost"]], log[["incident_id", "cost"]])

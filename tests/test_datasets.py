"""The demo workspace: reproducible, valid, and carrying the truths TRUTH.yml says were planted."""

import filecmp

import pandas as pd
import pytest
import yaml

from carelib.data.tables import load_workspace
from carelib.demo.workspace import make_demo


def test_same_seed_same_bytes_different_seed_different_data(tmp_path):
    a, b, c = (make_demo(tmp_path / x, seed=s, scale=0.05) for x, s in (("a", 0), ("b", 0), ("c", 1)))
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert len(files) >= 22
    for f in files:
        assert filecmp.cmp(a / f, b / f, shallow=False), f
    assert not filecmp.cmp(a / "responses.csv", c / "responses.csv", shallow=False)


def test_small_scale_workspace_is_valid(tmp_path):
    ws = load_workspace(make_demo(tmp_path / "w", scale=0.05))
    assert ws.validate() == []


@pytest.fixture(scope="module")
def demo(demo_dir):
    ws = load_workspace(demo_dir)
    truth = yaml.safe_load((demo_dir / "TRUTH.yml").read_text())
    return ws, {t["id"]: t for t in truth["truths"]}, truth


def test_committed_demo_is_valid_and_near_its_targets(demo):
    ws, _, truth = demo
    assert ws.validate() == []
    counts = {k: len(ws.table(k)) for k in ("customers", "orders", "tickets", "messages", "reviews", "complaints", "recoveries")}
    targets = {"customers": 20000, "orders": 60000, "tickets": 8000, "messages": 30000, "reviews": 2500,
               "complaints": 400, "recoveries": 150}
    for k, target in targets.items():
        assert 0.85 * target <= counts[k] <= 1.15 * target, (k, counts[k])
    assert truth["counts"]["customers"] == counts["customers"]


def _weeks(ts):
    iso = pd.to_datetime(ts).dt.isocalendar()
    return iso["year"] * 100 + iso["week"]


def test_truth_1_and_2_north_dip_and_stable_south(demo):
    ws, t, _ = demo
    r = ws.table("responses")
    n = r[(r.survey == "nps") & r.score.notna()].assign(w=lambda d: _weeks(d.submitted_at))
    bad = n.w.between(202620, 202627)
    det = n.score <= 6
    north_before, north_bad = det[(n.region == "North") & ~bad].mean(), det[(n.region == "North") & bad].mean()
    assert 1.7 <= north_bad / north_before <= 2.6, (north_before, north_bad)
    south = n[n.region == "South"]
    assert abs(det[south.index][bad[south.index]].mean() - det[south.index][~bad[south.index]].mean()) < 0.05
    rv = ws.table("reviews").assign(w=lambda d: _weeks(d.created_at))
    nb = rv[(rv.region == "North") & rv.w.between(202620, 202627)].rating.mean()
    assert 3.3 <= nb <= 3.9 and rv[rv.region != "North"].rating.mean() > 4.0
    c = ws.table("complaints").merge(ws.table("customers")[["customer_id", "region"]], on="customer_id")
    c = c[(c.category == "delivery") & (c.region == "North")].assign(w=lambda d: _weeks(d.received_at))
    per_week_bad = c.w.between(202620, 202627).sum() / 8
    per_week_else = (~c.w.between(202620, 202627)).sum() / 44
    assert per_week_bad / per_week_else > 2.0


def test_truth_3_monday_wave_and_4_team_b(demo):
    ws, t, _ = demo
    tk, m = ws.table("tickets"), ws.table("messages")
    fc = m[m.author_role == "customer"].groupby("ticket_id").sent_at.min()
    fa = m[m.author_role == "agent"].groupby("ticket_id").sent_at.min()
    tk = tk.set_index("ticket_id").assign(frt=(fa - fc).dt.total_seconds() / 60)
    wave = (tk.created_at.dt.day_of_week == 0) & tk.created_at.dt.hour.between(8, 10)
    ratio = tk[wave].frt.quantile(0.9) / tk[~wave].frt.quantile(0.9)
    assert 2.3 <= ratio <= 3.8, ratio
    hourly = tk.groupby([tk.created_at.dt.day_of_week, tk.created_at.dt.hour]).size()
    assert hourly.idxmax()[0] == 0 and 8 <= hourly.idxmax()[1] <= 10
    agent = m[m.author_role == "agent"].merge(tk[["team"]], left_on="ticket_id", right_index=True)
    rigid = agent.text.str.contains(r"policy|nothing I can do|doesn't allow|out of my hands|not able to override", case=False)
    by_team = rigid.groupby(agent.ticket_id).any().groupby(tk.team).mean()
    assert by_team["B"] / max(by_team["A"], by_team["C"]) >= 4
    csat = ws.table("responses").query("survey == 'csat'")
    means = csat.groupby("team").score.mean()
    assert means["B"] < means["A"] and means["B"] < means["C"]


def test_truths_6_to_9(demo):
    ws, t, _ = demo
    c = ws.table("complaints").assign(w=lambda d: _weeks(d.received_at))
    billing = c[c.category == "billing"].groupby("w").size()
    assert billing.loc[[202633, 202634]].min() > 5 * billing.drop([202633, 202634]).median()
    assert ws.table("recoveries").learning.str.contains("second charge|duplicate charge|twice|idempot", case=False).sum() >= 40
    e = ws.table("responses").query("survey == 'enps'")
    enps = e.groupby(e.submitted_at.dt.date).score.apply(lambda s: 100 * ((s >= 9).mean() - (s <= 6).mean()))
    assert enps.idxmin().isoformat() == t[7]["dip"] and enps.min() < enps.drop(enps.idxmin()).min() - 15
    rv = ws.table("reviews")
    lamp = rv[rv.product_id == t[8]["product_id"]]
    assert len(lamp) == 9 and (lamp.rating <= 2).sum() >= 6
    assert rv.groupby("product_id").size().drop(t[8]["product_id"]).max() > 200
    p = ws.table("responses").query("survey == 'pmf'")
    very = (p.score == 3).groupby(p.plan).mean()
    assert 0.44 <= very["Plus"] <= 0.60 and 0.30 <= (p.score == 3).mean() <= 0.45


def test_truth_10_early_customers_silent(demo):
    ws, t, _ = demo
    silent = t[10]["silent_after_failed_delivery"] + t[10]["silent_after_double_charge"]
    first100 = ws.table("customers").sort_values("first_seen").head(100).customer_id
    assert set(silent) <= set(first100) and len(silent) == 12
    last = ws.table("orders").groupby("customer_id").ordered_at.max()
    assert (last[silent] < pd.Timestamp("2026-09-01")).all()
    others = [c for c in first100 if c not in silent]
    assert (last[others] > pd.Timestamp("2026-10-01")).mean() > 0.95


def test_truth_11_interviews_and_roster(demo):
    ws, t, _ = demo
    folder = ws.folder / "interviews" if hasattr(ws, "folder") else None
    files = sorted((folder or ws.file("participants").parent / "interviews").iterdir())
    assert len([f for f in files if f.suffix == ".txt"]) == 6 and len([f for f in files if f.suffix == ".vtt"]) == 6
    assert all(f.read_text(encoding="utf-8").startswith("WEBVTT") for f in files if f.suffix == ".vtt")
    roster = ws.table("participants")
    assert (roster.role == "participant").sum() == 12
    for theme, people in t[11]["themes"].items():
        assert len(people) >= 3, theme
    text = " ".join(f.read_text(encoding="utf-8") for f in files)
    assert "@example.org" in text and "+44 7700" in text


def test_demo_loads_every_row_of_every_file_unchanged_by_the_free_contracts(demo_dir):
    """Row counts pinned to the files read by plain pandas: the loosened contracts lose nothing, add no column."""
    from carelib.run.validate import validate_workspace

    assert validate_workspace(demo_dir).problems == ()
    ws = load_workspace(demo_dir)
    for path in sorted(demo_dir.glob("*.csv")) + sorted(demo_dir.glob("*.parquet")):
        raw = pd.read_csv(path, dtype=str, keep_default_na=False) if path.suffix == ".csv" else pd.read_parquet(path)
        table = ws.table(path.stem)
        assert len(table) == len(raw), path.name
        assert list(table.columns) == list(raw.columns), path.name  # no <col>_precision: every demo date is precise
    customers = ws.table("customers")
    assert sorted(customers["region"].unique()) == ["East", "North", "South", "West"]
    assert sorted(customers["plan"].unique()) == ["Plus", "Standard"]
    assert sorted(customers["channel"].unique()) == ["app", "web"]

"""The metric review through the tally store: a warm re-run after `carelib append` tallies only the new week.

A generated Hearthly workspace of 0.02 scale units, 9 weeks (carelib.demo.scale), is the "full" data;
the workspace under review starts with its first 8 weeks and gets the 9th through `carelib append`.
Findings and shown tables must be identical with and without the store, cold and warm.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pyarrow.parquet as pq
import pytest

from carelib.analysis.tallies import STORE_DIR
from carelib.cli import main
from carelib.data import partitions as P
from carelib.demo.scale import TABLES, make_scale_workspace
from carelib.practices import metric_review as mr
from carelib.report import findings

TODAY = "2027-01-31"
WEEKS = 9
SECTIONS = ("overview", "the_case", "headline", "exclusions", "nps_trend", "nps_chart", "nps_by_segment", "nps_blocks",
            "enps", "csat", "ces_pmf", "public_reviews", "complaint_rates", "response_times", "hour_of_week",
            "segments_below", "detractor_drivers", "kaizen_actions")  # the notebook's, in its order
EVENTS = [t for t in TABLES if t in P.WEEK_COLUMNS]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> Path:
    return make_scale_workspace(tmp_path_factory.mktemp("inc") / "full", scale=0.02, seed=0, weeks=WEEKS).path


@pytest.fixture()
def ws(full, tmp_path) -> tuple[Path, str, Path]:
    """All but the last week of ``full``, the last week's label, and a staging folder holding its rows."""
    folder = Path(shutil.copytree(full, tmp_path / "ws"))
    last = P.scan(full, "responses")[-1].week
    staging = tmp_path / "staging"
    staging.mkdir()
    for table in EVENTS:
        shutil.rmtree(P.partition_dir(folder, table, last))
        rows = pq.read_table(P.partition_dir(full, table, last) / "part-0.parquet").to_pandas()
        rows.to_csv(staging / f"{table}.csv", index=False)
    return folder, last, staging


def run(folder: Path, monkeypatch, *, store: bool = True, engine: str = "duckdb",
        sections: tuple[str, ...] = SECTIONS) -> tuple[list[dict], list[pd.DataFrame], pd.DataFrame]:
    """Findings (sorted), the tables the sections show, and the workspace's tally report."""
    plt.close("all")
    seen: list[dict] = []
    monkeypatch.setattr(findings, "publish", lambda key, value, **kw: seen.append(findings.finding(key, value, **kw)))
    r = mr.open_review(str(folder), period="latest", window=4, weeks=WEEKS, today=TODAY, engine=engine, min_n=10,
                       segments_by=("region", "plan"), tally_store=store)
    shown = [r.nps_by_week]
    for name in sections:
        shown += [p.frame for p in getattr(getattr(mr, name)(r), "parts", []) if hasattr(p, "frame")]
    shown += list(mr.hour_of_week_maps(r))  # the two maps the hour-of-week section draws
    shown.append(r.ws.load_report())
    return sorted(seen, key=lambda f: f["key"]), shown, r.ws.tally_report()


def same(a: tuple, b: tuple, check_dtype: bool = True) -> None:
    assert a[0] == b[0]
    assert len(a[1]) == len(b[1])
    for x, y in zip(a[1], b[1], strict=True):
        pd.testing.assert_frame_equal(x.reset_index(drop=True), y.reset_index(drop=True), check_dtype=check_dtype)


def test_warm_run_after_append_tallies_only_the_new_week(ws, monkeypatch):
    folder, last, staging = ws
    cold = run(folder, monkeypatch)
    report = cold[2]
    assert set(report["table"]) >= {"responses", "orders", "complaints"}
    window = (report["table"] == "responses") & (report["tally"] == "values")  # a tally of the window's weeks only
    assert window.sum() == 1 and (report.loc[window, "weeks tallied"] == 4).all()
    whole = report["table"] == "customers"  # one file, validated as one part ("all")
    assert report.loc[whole, ["tally", "weeks tallied", "tallied"]].values.tolist() == [["validation", 1, "all"],
                                                                                      ["validation_sample", 1, "all"]]
    report = report[~window & ~whole]
    assert (report["weeks from the store"] == 0).all() and (report["weeks tallied"] == WEEKS - 1).all()
    assert {"validation", "nps_boxes", "csat_boxes", "rows"} <= set(report["tally"])
    assert {f["key"] for f in cold[0]} >= {"headline.nps", "headline.csat", "headline.complaint_rate"}
    assert (folder / STORE_DIR).is_dir()

    warm = run(folder, monkeypatch)
    same(warm, cold)
    whole = warm[2]["table"] == "customers"
    lines = warm[2][~((warm[2]["table"] == "responses") & (warm[2]["tally"] == "values")) & ~whole]
    assert (warm[2]["weeks tallied"] == 0).all() and (lines["weeks from the store"] == WEEKS - 1).all()
    assert warm[2].loc[whole, "weeks from the store"].tolist() == [1, 1]  # the customers file is not read again

    monkeypatch.setenv("CARELIB_TODAY", TODAY)
    assert main(["append", str(folder), str(staging)]) == 0
    after = run(folder, monkeypatch)
    moved = (after[2]["table"] == "responses") & (after[2]["tally"] == "values")  # the window: one week on
    assert (after[2].loc[moved, ["weeks from the store", "weeks dropped"]].values.tolist() == [[3, 1]])
    whole = after[2]["table"] == "customers"
    assert after[2].loc[whole, ["weeks from the store", "weeks tallied"]].values.tolist() == [[1, 0], [1, 0]]
    after_weeks = after[2][~whole]
    assert (after_weeks["weeks tallied"] == 1).all() and \
        (after_weeks[~moved[~whole]]["weeks from the store"] == WEEKS - 1).all()
    assert set(after_weeks["tallied"]) == {last}
    assert after[0] != cold[0]  # the window moved to the new week

    shutil.rmtree(folder / ".carelib")
    fresh = run(folder, monkeypatch)
    window = (fresh[2]["table"] == "responses") & (fresh[2]["tally"] == "values")
    whole = fresh[2]["table"] == "customers"
    assert (fresh[2][~window & ~whole]["weeks tallied"] == WEEKS).all() and \
        (fresh[2][window]["weeks tallied"] == 4).all() and (fresh[2][whole]["weeks tallied"] == 1).all()
    same(after, fresh)
    same(after, run(folder, monkeypatch, store=False))


def test_every_section_reads_the_same_on_pandas_and_through_the_store(ws, monkeypatch):
    """The reference: the pandas path reads every row; the engine reads only the weeks each section needs (the
    window's partitions, the store's weekly tallies). The case is left out: without a full conversation the pandas
    path takes the file's first complaint, an engine the earliest."""
    folder = ws[0]
    flat = Path(shutil.copytree(folder, folder.parent / "flat", ignore=shutil.ignore_patterns(*EVENTS)))
    for table in EVENTS:  # one Parquet file per table, for the pandas path
        pd.concat([pq.read_table(p.path).to_pandas() for p in P.scan(folder, table)],
                  ignore_index=True).to_parquet(flat / f"{table}.parquet", index=False)
    sections = tuple(s for s in SECTIONS if s != "the_case")
    engine = run(folder, monkeypatch, sections=sections)
    assert {f["key"].split(".")[0] for f in engine[0]} >= {"headline", "driver", "segment"}
    on_pandas = run(flat, monkeypatch, engine="pandas", sections=sections)
    assert on_pandas[1][-1]["rows_read"].tolist() == engine[1][-1]["rows_read"].tolist()  # the load reports
    same((on_pandas[0], on_pandas[1][:-1]), (engine[0], engine[1][:-1]), check_dtype=False)  # sources named apart
    same(run(folder, monkeypatch, sections=sections), engine)  # warm


def test_rewriting_one_past_partition_invalidates_exactly_that_week(ws, monkeypatch):
    folder = ws[0]
    cold = run(folder, monkeypatch)
    week = P.scan(folder, "responses")[3].week
    path = P.partition_dir(folder, "responses", week) / "part-0.parquet"
    P.write_week(folder, "responses", week, pq.read_table(path), replace=True)  # same rows, a new file
    again = run(folder, monkeypatch)
    same(again, cold)
    rep = again[2].set_index(["table", "tally"])
    responses = rep.loc["responses"].drop(index="values")  # (the window's tally: that week is not in the window)
    assert (responses["weeks tallied"] == 1).all() and set(responses["tallied"]) == {week}
    assert rep.loc[("responses", "values"), "weeks tallied"] == 0
    others = again[2][again[2]["table"] != "responses"]
    assert len(others) and (others["weeks tallied"] == 0).all()


def test_the_store_is_not_part_of_the_workspace(ws, monkeypatch):
    folder = ws[0]
    from carelib.data.tables import Workspace

    before = Workspace(folder).fingerprint()
    run(folder, monkeypatch)
    assert (folder / STORE_DIR).is_dir() and Workspace(folder).fingerprint() == before
    assert all(p.name != ".carelib" for t in EVENTS for p in (folder / t).iterdir())


def test_ids_that_may_collide_across_weeks_validate_the_whole_table(ws, monkeypatch):
    folder = ws[0]
    parts = P.scan(folder, "responses")
    first = pq.read_table(parts[0].path).to_pandas()
    second = pq.read_table(parts[1].path)
    ids = second.column("response_id").to_pylist()
    ids[0] = first["response_id"].iloc[0]  # an id of week 1 again in week 2: a duplicate across weeks
    import pyarrow as pa

    second = second.set_column(second.schema.get_field_index("response_id"), "response_id", pa.array(ids))
    P.write_week(folder, "responses", parts[1].week, second, replace=True)
    with_store, without = run(folder, monkeypatch), run(folder, monkeypatch, store=False)
    same(with_store, without)
    rep = with_store[2]
    line = rep[(rep["table"] == "responses") & (rep["tally"] == "validation")].iloc[0]
    assert "may collide" in line["tallied"]
    loaded = with_store[1][-1].set_index("table")
    assert loaded.loc["responses", "rows_excluded"] >= 1

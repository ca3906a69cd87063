"""The metric review on Spark (local mode) gives the findings DuckDB gives, on a ~1 M-row generated workspace.

One SparkSession for the module (``local[2]``, 4 shuffle partitions, no UI); the workspace is Hearthly at
scale (:func:`carelib.demo.scale.make_scale_workspace`) in week partitions. Every section of the review runs
once on each engine; every finding published (value, interval, text, every field) and every table shown must be
identical.
"""

from __future__ import annotations

import os
import shutil
import sys
import time

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from carelib.data import engines
from carelib.demo.scale import make_scale_workspace
from carelib.practices import metric_review as mr
from carelib.report import findings
from tests.conftest import need

#: The parity of the review (every finding and table) runs in `make test`; the runs through the tally store and the
#: voice of the customer on Spark are `make test-scale` (CI runs it after `make test`, .ci/run).
scale = pytest.mark.scale
pytestmark = pytest.mark.slow  # a minute of Spark: make test runs it, make test-fast does not

#: Scale units and weeks of the generated workspace (2025-W48 … 2026-W07): ~0.9 M rows over all tables, in few
#: partitions (Spark pays per file and per query, not per row).
SCALE, WEEKS = 2.3, 12
PERIOD, TODAY = "2026-W07", "2026-11-30"
#: Every section of the notebook that publishes a finding or shows a table.
SECTIONS = ("overview", "the_case", "headline", "nps_trend", "nps_chart", "nps_by_segment", "nps_blocks", "enps",
            "csat", "ces_pmf", "public_reviews", "complaint_rates", "response_times", "hour_of_week", "segments_below",
            "detractor_drivers", "kaizen_actions", "load_report")


@pytest.fixture(scope="module")
def spark():
    need("spark", shutil.which("java") is not None, "Java is not installed (PySpark needs it)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        need("spark", False, "pyspark is not installed (make test EXTRAS=dev,spark)")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the Python workers: this interpreter
    old = os.environ.get("SPARK_MASTER")
    os.environ["SPARK_MASTER"] = "local[2]"
    from pyspark.sql import SparkSession

    # the one session of the module: the workspace's getOrCreate finds it (small shuffles, no UI)
    session = (SparkSession.builder.appName("carelib-test").master("local[2]")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.session.timeZone", "UTC").config("spark.driver.memory", "1g")
               .config("spark.sql.sources.parallelPartitionDiscovery.threshold", "1000")  # list files in the driver
               .config("spark.default.parallelism", "2").getOrCreate())
    yield session
    session.stop()
    if old is None:
        os.environ.pop("SPARK_MASTER", None)
    else:
        os.environ["SPARK_MASTER"] = old


@pytest.fixture(scope="module")
def scale_ws(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scale") / "ws"
    result = make_scale_workspace(folder, scale=SCALE, seed=0, weeks=WEEKS)
    assert 0.9e6 < sum(result.rows.values()) < 1.1e6
    return folder


def review(folder, engine: str, monkeypatch, store: bool = False) -> tuple[list[dict], list[tuple[str, pd.DataFrame]]]:
    """The findings every section publishes (sorted by key) and the tables they show, on ``engine``."""
    seen: list[dict] = []
    monkeypatch.setattr(findings, "publish", lambda key, value, **kw: seen.append(findings.finding(key, value, **kw)))
    r = mr.open_review(str(folder), period=PERIOD, weeks=WEEKS, today=TODAY, engine=engine, tally_store=store)
    shown = []
    for name in SECTIONS:
        out = getattr(mr, name)(r)
        shown += [(name, p.frame) for p in getattr(out, "parts", []) if hasattr(p, "frame")]
        if name == "hour_of_week":  # its two maps (drawn, not shown as tables)
            shown += [(name, m) for m in mr.hour_of_week_maps(r)]
        plt.close("all")
    return sorted(seen, key=lambda f: f["key"]), shown


def test_review_on_spark_local_equals_duckdb_on_a_million_rows(scale_ws, spark, monkeypatch):
    t0 = time.perf_counter()
    on_duckdb, shown_duckdb = review(scale_ws, "duckdb", monkeypatch)
    t1 = time.perf_counter()
    on_spark, shown_spark = review(scale_ws, "spark", monkeypatch)
    print(f"duckdb {t1 - t0:.1f} s, spark {time.perf_counter() - t1:.1f} s")
    keys = {f["key"] for f in on_duckdb}
    assert {"case", "headline.nps", "headline.csat", "headline.complaint_rate", "headline.first_response",
            "headline.sla"} <= keys
    assert on_spark == on_duckdb  # values, intervals, texts: every field
    assert [n for n, _ in shown_spark] == [n for n, _ in shown_duckdb] and len(shown_duckdb) >= 12
    for (name, a), (_, b) in zip(shown_spark, shown_duckdb, strict=True):
        try:
            pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)
        except AssertionError as exc:
            raise AssertionError(f"section {name}: the tables differ between Spark and DuckDB") from exc


@scale
def test_review_on_spark_through_the_tally_store_cold_and_warm_equals_duckdb(scale_ws, spark, monkeypatch, tmp_path):
    """The per-week tallies and the first-reply cache on Spark: a cold run fills the store, a warm one reads it; both
    publish what DuckDB publishes without a store."""
    folder = shutil.copytree(scale_ws, tmp_path / "ws")
    want = review(folder, "duckdb", monkeypatch)[0]
    assert review(folder, "spark", monkeypatch, store=True)[0] == want  # cold: every week tallied and stored
    assert (folder / ".carelib" / "tallies" / "tickets" / "first_reply" / "manifest.json").is_file()
    assert review(folder, "spark", monkeypatch, store=True)[0] == want  # warm: every week from the store


@scale
def test_service_review_on_spark_equals_duckdb(scale_ws, spark, monkeypatch):
    """The service quality review on Spark: the window's tickets, their messages (a semi-join) and the CSAT answers
    linked to them come back from Spark; every finding and table equals DuckDB's."""
    from carelib.practices import service_quality as sq

    def run(engine: str) -> tuple[list[dict], list[pd.DataFrame]]:
        seen: list[dict] = []
        monkeypatch.setattr(findings, "publish", lambda key, value, **kw: seen.append(findings.finding(key, value, **kw)))
        r = sq.open_review(str(scale_ws), period=PERIOD, weeks=4, today=TODAY, engine=engine, tally_store=False)
        shown = [r.tickets, r.messages]
        for name in ("overview", "case", "availability", "waves", "skills", "examples", "sentiment_shift", "csat"):
            out = getattr(sq, name)(r)
            shown += [p.frame for p in getattr(out, "parts", []) if hasattr(p, "frame")]
            plt.close("all")
        return sorted(seen, key=lambda f: f["key"]), shown

    on_duckdb, on_spark = run("duckdb"), run("spark")
    assert {"case", "skills.rigid", "skills.csat.rigid"} <= {f["key"] for f in on_duckdb[0]}
    assert on_spark[0] == on_duckdb[0]
    assert len(on_spark[1]) == len(on_duckdb[1])
    for a, b in zip(on_spark[1], on_duckdb[1], strict=True):
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)


def test_engine_regex_codes_on_spark_equal_python_auto_coding(spark):
    import narwhals as nw

    from carelib.qual.codebook import codebook_from_records
    from carelib.qual.coding import auto_code, keyword_codes, keyword_inputs, keyword_stages

    book = codebook_from_records([{"code": "late", "keywords": ["late", "delay*"], "exclude": ["announced"]},
                                  {"code": "king", "keywords": ["king", "where is my order"]},
                                  {"code": "app", "keywords": ["app"]}])
    texts = ["KİNG late", "Kelvin \u212aing", "delayed, late, announced", "late but announced", "chocolate",
             "where  is\u00a0my order", "where_is my order", "ＡＰＰ", "apps", "the app!", "", "late\u0301", "DELAY"]
    d = pd.DataFrame({"id": range(len(texts)), "text": texts})
    want = auto_code(d, book, text="text", id="id")
    want = {(i, c) for i, c in zip(want["id"], want["code"], strict=True)}
    rows = nw.from_native(spark.createDataFrame(d)).select(
        "id", *[e.alias(k) for k, e in keyword_codes(book, "text", "java").items()]).collect().to_pandas()
    got = {(int(r["id"]), c) for _, r in rows.iterrows() for c in ("late", "king", "app") if r[c]}
    assert got == want and len(want) >= 6
    hits, codes = keyword_stages(book, "text", "java", prepared=True)  # each phrase once, as the drivers count them
    staged = (nw.from_native(spark.createDataFrame(d)).with_columns(**keyword_inputs("text")).with_columns(**hits)
              .select("id", *[e.alias(k) for k, e in codes.items()]).collect().to_pandas())
    assert {(int(r["id"]), c) for _, r in staged.iterrows() for c in ("late", "king", "app") if r[c]} == want


def test_duckdb_spark_session_is_the_module_session(spark):
    assert engines.spark_session("x").sparkContext.master == "local[2]"


@scale
def test_voice_of_the_customer_on_spark_scores_every_text_as_duckdb(spark, scale_ws, tmp_path):
    """``at_scale.run`` on Spark: the texts are redacted and scored on the executors (``mapInPandas``); with the
    same theme book every text gets what the DuckDB run gives it, and the counts are the same."""
    from carelib.data.tables import load_workspace
    from carelib.text import at_scale

    ws_dir = tmp_path / "ws"
    shutil.copytree(scale_ws, ws_dir)
    duck = at_scale.run(load_workspace(ws_dir, engine="duckdb", today=TODAY), "complaints", out=tmp_path / "duckdb",
                        workers=1, sample_size=2_000)
    assert duck.book_how == "saved"
    on_spark = at_scale.run(load_workspace(ws_dir, engine="spark", today=TODAY), "complaints",
                            out=tmp_path / "spark", batch_size=1_000)
    assert on_spark.book_how == "read" and on_spark.batches > 1
    a, b = duck.texts(), on_spark.texts()
    assert len(a) == len(b) > 1_000 and list(a.columns) == list(b.columns)
    floats = ["similarity", "compound"]
    pd.testing.assert_frame_equal(a.drop(columns=floats), b.drop(columns=floats), check_dtype=False)
    pd.testing.assert_frame_equal(a[floats], b[floats], rtol=1e-9)
    assert not b["text"].str.contains(r"\d{4} \d{4} \d{4} \d{4}").any()  # redacted before anything was derived
    pd.testing.assert_frame_equal(duck.accounting, on_spark.accounting)
    pd.testing.assert_frame_equal(duck.weekly, on_spark.weekly, check_dtype=False)


def test_nps_counts_and_iso_weeks_on_spark_equal_pandas(spark, tmp_path):
    """The NPS tally by segment and week on Spark equals pandas; Spark's ISO week (its own weekofyear and the
    Thursday's year) equals pandas' around every turn of the year from 2010 to 2030. (In this module: one session.)"""
    import numpy as np

    from carelib import metrics, periods
    from carelib.data.engines import with_week_lazy

    counts = ["segment", "week", "n", "promoters", "passives", "detractors", "missing"]
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"segment": rng.choice(["a", "b", "c"], 3000), "week": rng.choice(["W1", "W2"], 3000),
                      "score": rng.integers(0, 11, 3000).astype(float)})
    d.loc[::97, "score"] = np.nan
    d.to_parquet(tmp_path / "answers.parquet", index=False)
    got = metrics.nps(spark.read.parquet(str(tmp_path / "answers.parquet")), by=["segment", "week"])[counts]
    pd.testing.assert_frame_equal(got.reset_index(drop=True), metrics.nps(d, by=["segment", "week"])[counts],
                                  check_dtype=False)
    days = pd.Series(pd.date_range("2009-12-20", "2031-01-10", freq="D"))
    stamps = pd.DataFrame({"at": pd.concat([days + pd.Timedelta(hours=23, minutes=59), days], ignore_index=True)})
    stamps = stamps[(stamps["at"].dt.month.isin([12, 1])) | (stamps.index % 97 == 0)].reset_index(drop=True)
    weeks = with_week_lazy(spark.createDataFrame(stamps.assign(n=range(len(stamps)))), "at").collect().to_pandas()
    assert weeks.sort_values("n")["week"].tolist() == periods.iso_week(stamps["at"]).tolist()

"""carelib.data.engines: workspaces on DuckDB and Spark, validated by queries, and the metric review's findings
identical on pandas, DuckDB and Spark."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from carelib import periods
from carelib.data import engines
from carelib.data.tables import Workspace, load_table, load_workspace
from carelib.errors import DataError, ParameterError
from carelib.practices import metric_review as mr
from carelib.report import findings

TODAY = "2026-12-01"
WEEKS = [f"2026-W{w:02d}" for w in range(1, 13)]
PERIOD = "2026-W12"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def at(week: str, minutes: np.ndarray) -> pd.Series:
    return periods.week_bounds(week)[0] + pd.to_timedelta(minutes, unit="min")


def tables(seed: int = 7) -> dict[str, pd.DataFrame]:
    """A small workspace: answers of five surveys, complaints, orders, tickets and messages over 12 weeks."""
    rng = np.random.default_rng(seed)
    parts, complaints, orders, tickets, messages = [], [], [], [], []
    for i, week in enumerate(WEEKS):
        for survey, (lo, hi), k in (("nps", (0, 10), 120), ("csat", (1, 5), 60), ("ces", (1, 7), 40),
                                    ("pmf", (1, 3), 30), ("enps", (0, 10), 25 if i % 4 == 3 else 0)):
            if not k:
                continue
            score = rng.integers(lo, hi + 1, k).astype(float)
            score[rng.random(k) < 0.03] = np.nan
            parts.append(pd.DataFrame({
                "response_id": [f"{survey}-{week}-{j}" for j in range(k)], "customer_id": [f"C{j % 50}" for j in range(k)],
                "submitted_at": at(week, rng.integers(0, 7 * 1440, k)), "survey": survey, "score": score,
                "region": rng.choice(["North", "South", "East"], k), "plan": rng.choice(["basic", "plus"], k)}))
        n_orders, n_compl = 400, int(rng.integers(1, 8))
        orders.append(pd.DataFrame({"order_id": [f"O-{week}-{j}" for j in range(n_orders)], "customer_id": "C1",
                                    "ordered_at": at(week, rng.integers(0, 7 * 1440, n_orders)), "amount": 20.0}))
        complaints.append(pd.DataFrame({"complaint_id": [f"K-{week}-{j}" for j in range(n_compl)], "customer_id": "C2",
                                        "received_at": at(week, rng.integers(0, 7 * 1440, n_compl)),
                                        "category": rng.choice(["delivery", "billing"], n_compl), "text": "late"}))
        n_t = 30
        created = at(week, rng.integers(0, 7 * 1440 - 600, n_t))
        ids = [f"T-{week}-{j}" for j in range(n_t)]
        closed = pd.Series(created + pd.to_timedelta(rng.integers(60, 3000, n_t), unit="min"))
        closed[rng.random(n_t) < 0.2] = pd.NaT
        tickets.append(pd.DataFrame({"ticket_id": ids, "customer_id": "C3", "channel": "email", "created_at": created,
                                     "closed_at": closed, "team": rng.choice(["a", "b"], n_t),
                                     "status": np.where(closed.isna(), "open", "closed")}))
        replied = rng.random(n_t) < 0.9
        messages.append(pd.DataFrame({"ticket_id": np.array(ids)[replied], "message_id": [f"M-{x}" for x in np.array(ids)[replied]],
                                      "sent_at": created[replied] + pd.to_timedelta(rng.integers(1, 240, replied.sum()), unit="min"),
                                      "author_role": "agent", "author_id": "A1", "text": "hello"}))
    out = {"responses": pd.concat(parts, ignore_index=True), "complaints": pd.concat(complaints, ignore_index=True),
           "orders": pd.concat(orders, ignore_index=True), "tickets": pd.concat(tickets, ignore_index=True),
           "messages": pd.concat(messages, ignore_index=True)}
    out["responses"]["score"] = out["responses"]["score"].astype("Int64")
    return out


def write_parts(folder, frames: dict[str, pd.DataFrame], dated: dict[str, str]) -> None:
    """Each table as Hive-style week partitions: ``<table>/week=2026-W03/part-0.parquet``."""
    for name, frame in frames.items():
        week = periods.iso_week(frame[dated[name]])
        for w, part in frame.groupby(week, sort=True):
            (folder / name / f"week={w}").mkdir(parents=True, exist_ok=True)
            part.to_parquet(folder / name / f"week={w}" / "part-0.parquet", index=False)


DATED = {"responses": "submitted_at", "complaints": "received_at", "orders": "ordered_at", "tickets": "created_at",
         "messages": "sent_at"}


@pytest.fixture(scope="module")
def parquet_ws(tmp_path_factory):
    """The same workspace twice: as Parquet files (read by pandas) and as week partitions (read by engines)."""
    root = tmp_path_factory.mktemp("engines")
    frames = tables()
    (root / "files").mkdir()
    for name, frame in frames.items():
        frame.to_parquet(root / "files" / f"{name}.parquet", index=False)
    (root / "parts").mkdir()
    write_parts(root / "parts", frames, DATED)
    return root


# ------------------------------------------------------------------ choosing the engine


def test_auto_picks_duckdb_for_folders_of_parts_and_pandas_for_small_files(parquet_ws):
    assert load_workspace(parquet_ws / "parts", today=TODAY).engine == "duckdb"
    assert load_workspace(parquet_ws / "files", today=TODAY).engine == "pandas"
    assert load_workspace(parquet_ws / "files", today=TODAY, engine="duckdb").engine == "duckdb"
    with pytest.raises(ParameterError, match="engine must be one of auto, duckdb, pandas, spark, got 'polars'"):
        load_workspace(parquet_ws / "files", engine="polars")


def test_spark_session_reads_the_master_from_the_environment(monkeypatch):
    calls = {}

    class Builder:
        def appName(self, name):  # noqa: N802 - pyspark's name
            return self

        def remote(self, url):
            calls["remote"] = url
            return self

        def master(self, url):
            calls["master"] = url
            return self

        def config(self, *a):
            return self

        def getOrCreate(self):  # noqa: N802
            return "session"

    pyspark_sql = pytest.importorskip("pyspark.sql")
    monkeypatch.setattr(pyspark_sql.SparkSession, "builder", Builder())
    monkeypatch.setenv("SPARK_REMOTE", "sc://cluster:15002")
    assert engines.spark_session() == "session" and calls == {"remote": "sc://cluster:15002"}
    calls.clear()
    monkeypatch.delenv("SPARK_REMOTE")
    monkeypatch.setenv("SPARK_MASTER", "spark://m:7077")
    engines.spark_session()
    assert calls == {"master": "spark://m:7077"}
    monkeypatch.delenv("SPARK_MASTER")
    engines.spark_session()
    assert calls == {"master": "local[*]"}


# ------------------------------------------------------------------ tables on DuckDB


def test_partitioned_tables_read_on_duckdb_equal_the_pandas_path(parquet_ws):
    a = Workspace(parquet_ws / "files", today=TODAY)
    b = load_workspace(parquet_ws / "parts", today=TODAY, engine="duckdb")
    for name in ("responses", "orders", "tickets"):
        key = {"responses": "response_id", "orders": "order_id", "tickets": "ticket_id"}[name]
        x = a[name].sort_values(key, ignore_index=True)
        y = b.frame(name).sort_values(key, ignore_index=True)[list(x.columns)]
        pd.testing.assert_frame_equal(x, y)
    assert b.load_report()["rows_read"].tolist() == [len(a["responses"]), len(a["orders"]), len(a["tickets"])]


def test_iso_weeks_in_the_engine_match_pandas():
    import duckdb
    import narwhals as nw

    stamps = pd.Series(pd.date_range("2019-12-25", "2027-01-10", freq="37h"))
    stamps = pd.concat([stamps, pd.Series(pd.to_datetime(["2020-12-31 23:59", "2021-01-03", "2026-12-28", None], format="ISO8601"))],
                       ignore_index=True)
    frame = pd.DataFrame({"t": stamps})
    rel = duckdb.from_df(frame)
    got = nw.from_native(rel).select(engines.iso_week_expr("t").alias("w")).collect().to_pandas()["w"]
    pd.testing.assert_series_equal(got.astype(object).where(got.notna(), np.nan), periods.iso_week(stamps).rename("w"),
                                   check_dtype=False)


def test_ticket_times_in_the_engine_equal_the_pandas_ones(parquet_ws):
    from carelib.metrics import response_times as rt

    frames = tables()
    frames["messages"].loc[frames["messages"].index[:5], "author_role"] = "bot"  # bots do not answer
    want = rt.ticket_times(frames["tickets"], frames["messages"]).sort_values("ticket_id", ignore_index=True)
    con = engines.duckdb_connection()
    t, m = (con.from_df(frames[k]) for k in ("tickets", "messages"))
    got = rt.ticket_times_lazy(t, m).collect().to_pandas().sort_values("ticket_id", ignore_index=True)
    cols = ["ticket_id", "responded", "resolved", "first_response_min", "resolution_h"]
    pd.testing.assert_frame_equal(got[cols], want[cols], check_dtype=False)
    assert (~want["responded"]).sum() > 10 and (~want["resolved"]).sum() > 10  # censored tickets are kept


def bad_responses() -> pd.DataFrame:
    return pd.DataFrame({
        "response_id": ["r1", "r2", "r3", "r4", "r2", "r6", "r7"],
        "submitted_at": pd.to_datetime(["2026-05-01", "2026-05-02", "2027-05-02", "2026-05-03", "2026-05-04",
                                        "2026-05-05", None]),
        "survey": ["nps", "csat", "nps", "pmf", "nps", "nps", "nps"],
        "score": [9.0, 7.0, 8.0, 2.0, 10.0, 7.5, None],
    })


@pytest.mark.parametrize("errors", ["exclude", "raise"])
def test_violations_are_counted_by_reason_like_the_pandas_path(tmp_path, errors):
    bad_responses().to_parquet(tmp_path / "responses.parquet", index=False)
    ws = Workspace(tmp_path, errors=errors, today=TODAY, engine="duckdb")
    if errors == "raise":
        with pytest.raises(DataError, match=r"(?s)4 row\(s\) break the contract.*responses.parquet row 2, column "
                                            r"'score': expected a score on its survey's scale, found 7.0"):
            ws.lazy("responses")
        return
    kept = ws.frame("responses")
    pandas_data, pandas_report = load_table(tmp_path / "responses.parquet", errors="exclude", today=TODAY)
    pd.testing.assert_frame_equal(kept.reset_index(drop=True), pandas_data)
    report = ws._reports["responses"]  # noqa: SLF001 - the report the load report is made of
    assert (report.rows_read, report.rows_kept) == (7, 3)
    assert report.by_reason().to_dict("list") == {"reason": ["date in the future", "duplicate id", "not int",
                                                             "score outside its scale"], "rows": [1, 1, 1, 1]}
    pd.testing.assert_frame_equal(report.by_reason(), pandas_report.by_reason(), check_dtype=False)
    sample = ws.exclusions()
    assert sample[["source", "row", "column"]].values.tolist() == [
        ["responses.parquet", 2, "score"], ["responses.parquet", 3, "submitted_at"],
        ["responses.parquet", 5, "response_id"], ["responses.parquet", 6, "score"]]


def test_a_column_of_the_wrong_type_is_refused_with_the_way_out(tmp_path):
    bad_responses().assign(score="nine").to_parquet(tmp_path / "responses.parquet", index=False)
    ws = Workspace(tmp_path, today=TODAY, engine="duckdb")
    with pytest.raises(DataError, match=r"column 'score': expected int values, found a column of String .*engine='pandas'"):
        ws.lazy("responses")


# ------------------------------------------------------------------ the metric review on every engine

SECTIONS = ("overview", "headline", "exclusions", "nps_trend", "nps_chart", "nps_by_segment", "nps_blocks",
            "enps", "csat", "ces_pmf", "public_reviews", "complaint_rates", "response_times", "hour_of_week",
            "segments_below", "detractor_drivers", "kaizen_actions")  # the notebook's, in its order (the case differs where no
# complaint has a full conversation: the file's first on pandas, the earliest on an engine; the load report adds what
# the tally store did on an engine)


def review_findings(folder, engine: str, monkeypatch, sections=SECTIONS) -> tuple[list[dict], list[pd.DataFrame]]:
    """The findings the sections publish, and the tables they show (with the weekly NPS)."""
    seen: list[dict] = []
    monkeypatch.setattr(findings, "publish", lambda key, value, **kw: seen.append(findings.finding(key, value, **kw)))
    r = mr.open_review(str(folder), period=PERIOD, window=4, weeks=12, today=TODAY, engine=engine, min_n=10,
                       segments_by=("region", "plan"))
    shown = [r.nps_by_week]
    for name in sections:
        out = getattr(mr, name)(r)
        shown += [p.frame for p in getattr(out, "parts", []) if hasattr(p, "frame")]
    return sorted(seen, key=lambda f: f["key"]), shown


def assert_same_tables(got: list[pd.DataFrame], want: list[pd.DataFrame]) -> None:
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)


def test_metric_review_findings_identical_on_pandas_and_duckdb(parquet_ws, monkeypatch):
    on_pandas, weekly_pandas = review_findings(parquet_ws / "files", "pandas", monkeypatch)
    on_duckdb, weekly_duckdb = review_findings(parquet_ws / "parts", "duckdb", monkeypatch)
    assert {f["key"] for f in on_pandas} >= {"headline.nps", "headline.csat", "headline.ces", "headline.pmf",
                                            "headline.enps", "headline.complaint_rate", "headline.first_response"}
    assert on_duckdb == on_pandas
    assert len(weekly_pandas) >= 5  # the weekly NPS and the response-time tables (first response, resolution, SLA)
    assert_same_tables(weekly_duckdb, weekly_pandas)


# Spark: tests/test_engines_spark.py (every section, DuckDB against Spark local mode, on ~1 M generated rows)


def test_ascii_classes_from_one_scan_equal_a_scan_per_character():
    """The engine regexes' classes of ASCII letters and digits come from one scan of every code point; each equals
    what a scan with the character alone finds (Python's own case-insensitive matching: the Kelvin sign, long s,
    dotted and dotless i)."""
    import re

    from carelib.qual.coding import ASCII_ALNUM, _ascii_classes, _char_class, _every_char

    every = _every_char()
    got = _ascii_classes()
    assert len(ASCII_ALNUM) == 62
    for ch in ASCII_ALNUM:
        assert got[ch] == sorted({ord(c) for c in re.findall("(?i)" + re.escape(ch), every)}), ch
    assert 0x212A in got["k"] and 0x17F in got["S"] and 0x130 in got["i"]
    # other classes from runs of matching characters: the same code points as one match a character
    for pattern in (r"\w", r"\s", "(?i)é", "(?i)ß"):
        codes = {int(x, 16) for x in re.findall(r"\\x\{([0-9a-f]+)\}", _char_class(pattern))}
        ranges = re.findall(r"\\x\{([0-9a-f]+)\}-\\x\{([0-9a-f]+)\}", _char_class(pattern))
        codes |= {c for a, b in ranges for c in range(int(a, 16), int(b, 16) + 1)}
        assert codes == {ord(c) for c in re.findall(pattern, every)}, pattern


def test_engine_regex_codes_equal_python_auto_coding_on_duckdb():
    import narwhals as nw

    from carelib.qual.codebook import codebook_from_records
    from carelib.qual.coding import auto_code, keyword_codes, keyword_inputs, keyword_stages

    book = codebook_from_records([{"code": "late", "keywords": ["late", "delay*"], "exclude": ["announced"]},
                                  {"code": "king", "keywords": ["king", "where is my order"]},
                                  {"code": "app", "keywords": ["app"]}])
    texts = ["KİNG late", "Kelvin \u212aing", "delayed, late, announced", "late but announced", "chocolate",
             "where  is\u00a0my order", "where_is my order", "ＡＰＰ", "apps", "the app!", "", "late\u0301", "DELAY", None]
    d = pd.DataFrame({"id": range(len(texts)), "text": texts})
    want = auto_code(d.dropna(subset=["text"]), book, text="text", id="id")
    want = {(i, c) for i, c in zip(want["id"], want["code"], strict=True)}
    con = engines.duckdb_connection()
    rows = nw.from_native(con.from_df(d)).select(
        "id", *[e.alias(k) for k, e in keyword_codes(book, "text", "re2").items()]).collect().to_pandas()
    got = {(int(r["id"]), c) for _, r in rows.iterrows() for c in ("late", "king", "app") if r[c]}
    assert got == want
    hits, codes = keyword_stages(book, "text", "re2", prepared=True)  # each phrase once, as the drivers count them
    staged = (nw.from_native(con.from_df(d)).with_columns(**keyword_inputs("text")).with_columns(**hits)
              .select("id", *[e.alias(k) for k, e in codes.items()]).collect().to_pandas())
    assert {(int(r["id"]), c) for _, r in staged.iterrows() for c in ("late", "king", "app") if r[c]} == want
    assert len(hits) == 6  # late, delay*, announced, king, where is my order, app
    assert {(0, "king"), (1, "king"), (2, "late"), (5, "king"), (9, "app"), (12, "late")} <= want
    assert (3, "late") not in want and (4, "late") not in want and (6, "king") not in want


def test_duplicate_ids_are_counted_exactly_in_the_engine():
    con = engines.duckdb_connection()
    ids = pd.DataFrame({"id": ["a", "b", "a", None, None, "c", "c", "c"]})
    assert engines.duplicate_ids(con.from_df(ids), "id") == 3
    assert engines.duplicate_ids(con.from_df(ids.drop_duplicates()), "id") == 0

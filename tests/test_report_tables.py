"""The one table renderer (carelib.report.tables): tables made for people (issue 17)."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from carelib.report.html import check_offline, sanitize_html
from carelib.report.tables import Table, column_label, format_value, render_table


def cells(html_: str) -> list[list[str]]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html_, re.S)
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows]


def test_no_index_human_labels_shares_counts_and_one_interval_column():
    df = pd.DataFrame({"region": ["North", "South"], "n": [1200.0, 75.0], "share": [0.7256, 0.5],
                       "ci_low": [0.664, 0.4], "ci_high": [0.78, 0.6], "p_value": [0.0004, 0.25]})
    out = render_table(df, "Share by region")
    rows = cells(out)
    assert rows[0] == ["region", "n", "share", "interval", "p"]
    assert rows[1] == ["North", "1,200", "72.6 %", "66.4–78.0 %", "< 0.001"]
    assert rows[2] == ["South", "75", "50.0 %", "40.0–60.0 %", "0.250"]
    assert "<caption>Share by region</caption>" in out and ">0<" not in out


def test_a_meaningful_index_becomes_the_first_column_and_a_range_index_is_dropped():
    by_week = pd.DataFrame({"nps": [31.2, 28.0]}, index=pd.Index(["2026-W46", "2026-W47"], name="week"))
    assert cells(render_table(by_week, "NPS by week"))[0] == ["week", "NPS"]
    assert cells(render_table(by_week.reset_index(), "NPS by week"))[1][0] == "2026-W46"


def test_missing_values_are_a_dash_with_the_reason_and_empty_columns_are_named():
    df = pd.DataFrame({"team": ["A", "B"], "p50": [12.0, np.nan], "note": ["", "n too small"],
                       "missing": [np.nan, np.nan]})
    out = render_table(df, "First response by team")
    assert "nan" not in out.lower().replace("nanswer", "") and "NaN" not in out and "None" not in out
    assert cells(out)[2][1] == "–" and "the row&#x27;s note says why" in out.replace("'", "&#x27;")
    assert "not shown: missing" in out


def test_lists_are_bullets_long_tables_fold_and_significant_rows_are_marked():
    df = pd.DataFrame({"theme": [f"t{i}" for i in range(20)], "terms": [["late", "parcel"]] * 20,
                       "quotes": [["A long sentence a customer wrote about the parcel.", "Another one."]] * 20,
                       "q_value": [0.01] + [0.5] * 19})
    out = render_table(df, "Themes")
    assert '<ul class="inline"><li>late</li><li>parcel</li></ul>' in out and "<ul><li>A long" in out
    assert "['" not in out and "<details" in out and "All 20 rows" in out
    assert out.count('<tr class="hl">') == 1 and "●" in out


def test_counts_never_show_decimals_and_floats_are_rounded():
    df = pd.DataFrame({"texts": [32.0, 1000.0], "mean": [4.23456, 3.5], "ratio": [np.inf, 1.23456]})
    rows = cells(render_table(df, "x"))
    assert rows[1] == ["32", "4.2", "∞"] and rows[2] == ["1,000", "3.5", "1.23"]
    assert format_value(-3.14159, "number", 1) == "−3.1" and format_value(pd.NaT, "date") == "–"


def test_hostile_cells_are_escaped_and_the_table_survives_the_sanitiser():
    df = pd.DataFrame({"comment": ["<img src=x onerror=alert(1)>", "[click](javascript:x)"], "n": [1, 2]})
    out = render_table(df, "<b>caption</b>")
    assert "<img" not in out and "&lt;b&gt;caption" in out
    assert sanitize_html(out) == out and check_offline(out) == []


def test_labels_and_plain_text():
    assert column_label("before_per_1000") == "before, per 1,000" and column_label("spend_12m") == "spend, 12 months"
    text = Table(pd.DataFrame({"a": [1.0], "b": [None]}), "T").text()
    assert text.splitlines()[0] == "T" and "nan" not in text.lower()


def test_odd_frames_render_without_losing_a_column_or_a_value():
    odd = {
        "duplicate names": pd.DataFrame([[1, 2]], columns=["a", "a"]),
        "two-level columns and index": pd.DataFrame(
            np.arange(4).reshape(2, 2), index=pd.MultiIndex.from_tuples([("x", 1), ("y", 2)], names=["k", "n"]),
            columns=pd.MultiIndex.from_tuples([("a", "b"), ("a", "c")])),
        "durations": pd.DataFrame({"wait": pd.to_timedelta([1.5, np.nan], unit="h")}),
        "categories": pd.DataFrame({"c": pd.Categorical(["a", None])}),
        "mixed objects": pd.DataFrame({"m": [1, "x", None, 2.5, [1, 2], {"a": 1}]}),
        "nullable dtypes": pd.DataFrame({"n": pd.array([1, None], dtype="Int64"),
                                         "b": pd.array([True, None], dtype="boolean")}),
        "time zones": pd.DataFrame({"t": pd.to_datetime(["2026-01-01 10:00", None]).tz_localize("UTC")}),
        "a series": pd.Series([1, 2], name="s"),
    }
    for what, frame in odd.items():
        out = render_table(frame, what)
        assert "could not be formatted" not in out, what
        text = Table(frame, what).text()
        assert not re.search(r"\b(nan|NaN|NaT)\b|<NA>", text), (what, text)
    assert cells(render_table(odd["duplicate names"], "d"))[0] == ["a", "a (2)"]
    assert cells(render_table(odd["two-level columns and index"], "m"))[0] == ["k", "n", "a · b", "a · c"]


def test_a_customer_who_wrote_none_is_quoted_not_blanked():
    rows = cells(render_table(pd.DataFrame({"answer": ["None", "nan", None]}), "What could we improve?"))
    assert [r[0] for r in rows[1:]] == ["None", "–", "–"]

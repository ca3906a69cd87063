"""The incremental tally store: reuse unchanged weeks, tally new and changed ones, equal to a cold run."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from carelib.analysis.tallies import TallyStore, week_fingerprints
from carelib.errors import DataError


def _answers(seed: int, weeks: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 400 * len(weeks)
    return pd.DataFrame({"week": np.repeat(weeks, 400), "region": rng.choice(["North", "South"], n),
                         "score": rng.integers(0, 11, n)})


def _boxes(frame: pd.DataFrame):
    """The NPS boxes by week and region, as an engine would return them for the weeks asked."""
    calls = []

    def compute(weeks):
        calls.append(list(weeks))
        part = frame[frame["week"].isin(weeks)]
        return (part.assign(promoters=part["score"] >= 9, detractors=part["score"] <= 6)
                .groupby(["week", "region"], as_index=False)
                .agg(n=("score", "size"), promoters=("promoters", "sum"), detractors=("detractors", "sum")))
    return compute, calls


def _fp(weeks: dict[str, list[str]]) -> dict[str, str]:
    return week_fingerprints(SimpleNamespace(week=w, fingerprint=f) for w, fps in weeks.items() for f in fps)


def test_a_new_week_is_the_only_week_tallied_and_the_result_equals_a_cold_run(tmp_path):
    weeks = [f"2026-W{i:02d}" for i in range(1, 9)]
    data = _answers(0, weeks)
    store = TallyStore(tmp_path)
    compute, calls = _boxes(data)
    first = store.tally("responses", "nps_boxes", ("region",), _fp({w: [w] for w in weeks[:-1]}), compute)
    assert first.computed == 7 and first.reused == 0
    second = store.tally("responses", "nps_boxes", ("region",), _fp({w: [w] for w in weeks}), compute)
    assert calls[-1] == ["2026-W08"] and (second.reused, second.computed) == (7, 1)
    cold, _ = _boxes(data)
    expected = cold(weeks).sort_values(["week", "region"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(second.frame, expected, check_dtype=False)
    third = store.tally("responses", "nps_boxes", ("region",), _fp({w: [w] for w in weeks}), compute)
    assert third.computed == 0 and len(calls) == 2  # nothing new: nothing read


def test_a_changed_past_file_invalidates_exactly_its_week(tmp_path):
    weeks = [f"2026-W{i:02d}" for i in range(1, 6)]
    data = _answers(1, weeks)
    store = TallyStore(tmp_path)
    compute, calls = _boxes(data)
    store.tally("responses", "nps_boxes", ("region",), _fp({w: [w] for w in weeks}), compute)
    data.loc[data["week"] == "2026-W03", "score"] = 10  # the W03 file rewritten
    changed = _fp({w: [w + ("'" if w == "2026-W03" else "")] for w in weeks})
    again = store.tally("responses", "nps_boxes", ("region",), changed, compute)
    assert calls[-1] == ["2026-W03"] and again.computed_weeks == ["2026-W03"]
    w03 = again.frame[again.frame["week"] == "2026-W03"]
    assert (w03["promoters"] == w03["n"]).all()
    # a second file added to W04 changes W04's fingerprint too; a week that is gone is dropped
    added = {**{w: [w] for w in weeks[:4]}, "2026-W03": ["2026-W03'"], "2026-W04": ["2026-W04", "late.parquet"]}
    third = store.tally("responses", "nps_boxes", ("region",), _fp(added), compute)
    assert third.computed_weeks == ["2026-W04"] and third.dropped == 1 and set(third.frame["week"]) == set(weeks[:4])


def test_the_key_holds_grouping_and_parameters_and_a_damaged_store_is_rebuilt(tmp_path):
    weeks = ["2026-W01", "2026-W02"]
    data = _answers(2, weeks)
    store = TallyStore(tmp_path)
    compute, calls = _boxes(data)
    fps = _fp({w: [w] for w in weeks})
    store.tally("responses", "nps_boxes", ("region",), fps, compute, params={"confidence": 0.95})
    store.tally("responses", "nps_boxes", ("region",), fps, compute, params={"confidence": 0.9})
    assert len(calls) == 2  # other parameters: another entry
    for f in (tmp_path / ".carelib" / "tallies").rglob("*.parquet"):
        f.write_bytes(b"not parquet")
    again = store.tally("responses", "nps_boxes", ("region",), fps, compute, params={"confidence": 0.95})
    assert again.computed == 2 and len(again.frame) == 4


def test_rows_of_weeks_not_asked_for_are_refused(tmp_path):
    store = TallyStore(tmp_path)
    with pytest.raises(DataError, match="got rows of other weeks"):
        store.tally("responses", "n", (), {"2026-W01": "a"}, lambda w: pd.DataFrame({"week": ["2026-W02"], "n": [1]}))


@pytest.mark.parametrize("statistics", [True, False])
def test_one_parquet_file_is_validated_through_the_store_as_the_whole_table(tmp_path, statistics):
    """A table kept as one Parquet file (``customers.parquet``) on DuckDB with a store: validated as one part, the
    same rows kept and set aside (a duplicate id, a date in the future, an empty id) as without a store; a second
    run reads the counts from the store. A file without footer statistics is no reason to validate it apart."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from carelib.data.tables import Workspace

    rows = pd.DataFrame({"customer_id": ["C1", "C2", "C2", None, "C5"],
                         "first_seen": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04",
                                                       "2031-01-01"]),
                         "name": ["Ada Lane", "Bo Chen", "Bo Chen", "Cy Dunn", "Di Eve"]})
    pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), tmp_path / "customers.parquet",
                   write_statistics=statistics)

    def read(store: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        ws = Workspace(tmp_path, errors="exclude", today="2026-06-01", engine="duckdb",
                       tally_store=TallyStore(tmp_path) if store else None)
        kept = ws.frame("customers").sort_values("customer_id", ignore_index=True)
        return kept, ws.load_report(), ws.tally_report()

    want = read(False)
    assert want[0]["customer_id"].tolist() == ["C1", "C2"] and int(want[1]["rows_read"].iloc[0]) == 5
    for run in ("cold", "warm"):
        kept, report, tallies = read(True)
        pd.testing.assert_frame_equal(kept, want[0])
        pd.testing.assert_frame_equal(report, want[1])
        line = tallies[tallies["tally"] == "validation"].iloc[0]
        assert (line["weeks tallied"], line["weeks from the store"]) == ((1, 0) if run == "cold" else (0, 1))

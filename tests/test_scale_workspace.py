"""Hearthly at scale (carelib.demo.scale) and week-partitioned tables (carelib.data.partitions).

A workspace of 0.02 scale units (20,000 answers, 52 weeks) is generated once per module; tests that
damage a workspace work on a copy. The planted truths are checked with plain pandas, not carelib.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
import yaml

from carelib.cli import main
from carelib.data import partitions as P
from carelib.data import week_append as A
from carelib.demo.scale import TABLES, make_scale_workspace
from carelib.errors import DataError
from carelib.periods import iso_week

TODAY = "2027-01-31"


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Path:
    return make_scale_workspace(tmp_path_factory.mktemp("scale") / "ws", scale=0.02, seed=0).path


@pytest.fixture(scope="module")
def short(tmp_path_factory) -> Path:
    """The first six weeks only: for the checks that read every row."""
    return make_scale_workspace(tmp_path_factory.mktemp("short") / "ws", scale=0.02, seed=3, weeks=6).path


@pytest.fixture()
def copy(ws, tmp_path) -> Path:
    return Path(shutil.copytree(ws, tmp_path / "ws"))


def nps(frame: pd.DataFrame) -> float:
    s = frame["score"].dropna()
    return 100 * ((s >= 9).mean() - (s <= 6).mean())


# --------------------------------------------------------------------------- layout and determinism


def test_layout_is_hive_week_partitions(ws):
    assert (ws / "customers.parquet").is_file() and (ws / "actions.csv").is_file() and (ws / "TRUTH.yml").is_file()
    truth = yaml.safe_load((ws / "TRUTH.yml").read_text())
    for table in TABLES:
        weeks = sorted(p.name for p in (ws / table).iterdir())
        assert len(weeks) == 52 and weeks[0] == "week=2025-W48" and weeks[-1] == "week=2026-W47"
        assert all((ws / table / w / "part-0.parquet").is_file() for w in weeks)
        parts = P.validate(ws, table)
        assert sum(p.rows for p in parts) == truth["counts"][table] > 0
        assert "week" not in pq.read_schema(parts[0].path).names  # the key is in the folder name only
    data = ds.dataset(ws / "responses", format="parquet", partitioning="hive").to_table(columns=["week", "score"])
    assert data.num_rows == truth["counts"]["responses"]
    assert set(data["week"].to_pylist()) == {p.week for p in P.scan(ws, "responses")}


def test_rows_sit_in_their_week_and_meet_the_contract(short):
    for table in TABLES:
        assert len(P.validate(short, table, deep=True)) == 6
        assert A.check_rows(short, table, today=TODAY) == sum(p.rows for p in P.scan(short, table))


def test_same_seed_same_bytes_other_seed_other_rows(short, tmp_path):
    a = short
    b = make_scale_workspace(tmp_path / "b", scale=0.02, seed=3, weeks=6).path
    c = make_scale_workspace(tmp_path / "c", scale=0.02, seed=4, weeks=6).path

    def prints(root):
        return [P.fingerprint(p.path, root, how="content") for t in TABLES for p in P.scan(root, t)]

    assert prints(a) == prints(b)
    assert prints(a) != prints(c)


def test_stat_fingerprint_changes_when_a_week_is_rewritten(copy):
    before = {p.week: p.fingerprint for p in P.scan(copy, "orders")}
    table = pq.read_table(copy / "orders" / "week=2026-W10" / "part-0.parquet")
    P.write_week(copy, "orders", "2026-W10", table.slice(0, 3), replace=True)
    after = {p.week: p.fingerprint for p in P.scan(copy, "orders")}
    assert [w for w in before if before[w] != after[w]] == ["2026-W10"]


# --------------------------------------------------------------------------- planted truths, with plain pandas


def test_north_nps_dips_in_w20_to_w27(ws):
    r = P.read(ws, "responses", columns=["survey", "score", "submitted_at", "region"])
    r = r[r["survey"] == "nps"].assign(week=lambda d: iso_week(d["submitted_at"]))
    dip = r["week"].between("2026-W20", "2026-W27")
    north, others = r["region"] == "North", r["region"] != "North"
    assert nps(r[dip & north]) < nps(r[dip & others]) - 25
    assert nps(r[dip & north]) < nps(r[~dip & north]) - 25
    assert abs(nps(r[~dip & north]) - nps(r[~dip & others])) < 8


def test_double_charge_complaints_in_w33_w34(ws):
    c = P.read(ws, "complaints").assign(week=lambda d: iso_week(d["received_at"]))
    billing = c[c["category"] == "billing"].groupby("week").size().reindex(sorted(set(c["week"])), fill_value=0)
    spike = billing[["2026-W33", "2026-W34"]]
    assert spike.min() > 4 * billing.drop(spike.index).mean()
    assert c["text"].str.contains(r"\d{4} \d{4} \d{4} \d{4}").any()  # card numbers for redaction to find


def test_team_b_refuses_and_scores_lower(ws):
    m = P.read(ws, "messages").merge(P.read(ws, "tickets")[["ticket_id", "team", "category"]], on="ticket_id")
    agent = m[(m["author_role"] == "agent") & (m["category"] == "returns")]
    rigid = agent["text"].str.contains("policy|nothing I can do|rules are rules|not able to override|doesn't allow")
    share = rigid.groupby(agent["team"]).mean()
    assert share["B"] > 3 * max(share["A"], share["C"])
    r = P.read(ws, "responses")
    csat = r[r["survey"] == "csat"].groupby("team")["score"].mean()
    assert csat["B"] < csat["A"] - 0.2 and csat["B"] < csat["C"] - 0.2


def test_texts_come_from_the_demo_banks(ws):
    m = P.read(ws, "messages")
    assert m["text"].notna().all()
    assert m["text"].str.contains(r"\+44 7\d{3} \d{6}").any()  # phone numbers in follow-ups
    assert m.loc[m["author_role"] == "agent", "text"].str.match(r"(Hi|Hello|Dear|Hey)").mean() > 0.3


# --------------------------------------------------------------------------- append


def _new_rows(path: Path, weeks=("2026-W48",), extra: dict | None = None) -> Path:
    rows = []
    for i, w in enumerate(weeks):
        day = pd.Timestamp.fromisocalendar(int(w[:4]), int(w[-2:]), 2) + pd.Timedelta(hours=10)
        rows += [{"response_id": f"N{i}a", "customer_id": "C00001", "submitted_at": day, "survey": "nps", "score": 9},
                 {"response_id": f"N{i}b", "customer_id": "C00002", "submitted_at": day, "survey": "nps", "score": 3}]
    rows += [{"response_id": "Nbad", "customer_id": "C00003", "submitted_at": rows[0]["submitted_at"], "survey": "nps",
              "score": 11},
             {"response_id": "Nundated", "customer_id": "C00004", "submitted_at": None, "survey": "nps", "score": 7}]
    frame = pd.DataFrame(rows)
    for k, v in (extra or {}).items():
        frame[k] = v
    frame.to_csv(path, index=False)
    return path


def test_append_round_trip(copy, tmp_path):
    before = sum(p.rows for p in P.scan(copy, "responses"))
    report = A.append(copy, "responses", _new_rows(tmp_path / "responses.csv"), today=TODAY)
    assert (report.rows_in, report.rows_written, report.weeks_written) == (4, 2, ("2026-W48",))
    assert report.set_aside == {"contract: score out of range": 1, "no submitted_at: cannot be placed in a week": 1} \
        or sum(report.set_aside.values()) == 2
    parts = P.validate(copy, "responses")
    assert parts[-1].week == "2026-W48" and sum(p.rows for p in parts) == before + 2
    new = P.read(copy, "responses", weeks=["2026-W48"])
    assert sorted(new["response_id"]) == ["N0a", "N0b"] and new["region"].isna().all()
    with pytest.raises(DataError, match=r"2026-W48 already exist.*--replace.*nothing was written"):
        A.append(copy, "responses", tmp_path / "responses.csv", today=TODAY)
    again = A.append(copy, "responses", tmp_path / "responses.csv", replace=True, today=TODAY)
    assert again.weeks_replaced == ("2026-W48",)
    assert sum(p.rows for p in P.validate(copy, "responses")) == before + 2
    assert not [p for p in (copy / "responses").iterdir() if p.name.startswith(".")]  # no temporary left


def test_append_refuses_a_gap_and_new_columns(copy, tmp_path):
    with pytest.raises(DataError, match=r"2026-W50.*leave week\(s\) 2026-W48\.\.2026-W49.*missing"):
        A.append(copy, "responses", _new_rows(tmp_path / "responses.csv", weeks=("2026-W50",)), today=TODAY)
    with pytest.raises(DataError, match=r"column\(s\) 'mood': not in the existing weeks"):
        A.append(copy, "responses", _new_rows(tmp_path / "r2.csv", extra={"mood": "ok"}), today=TODAY)
    assert P.validate(copy, "responses")[-1].week == "2026-W47"  # nothing written


def test_append_fills_empty_weeks_inside_its_span(copy, tmp_path):
    report = A.append(copy, "responses", _new_rows(tmp_path / "responses.csv", weeks=("2026-W48", "2026-W50")),
                      today=TODAY)
    assert report.weeks_written == ("2026-W48", "2026-W49", "2026-W50")
    assert [p.rows for p in P.validate(copy, "responses")][-3:] == [2, 0, 2]


def test_append_starts_a_table_and_reads_a_staging_folder(tmp_path):
    staging = tmp_path / "staging"
    staging.mkdir()
    _new_rows(staging / "responses.csv", weeks=("2026-W01", "2026-W02"))
    (staging / "customers.csv").write_text("customer_id,first_seen\nC1,2026-01-01\n")  # not partitioned: left alone
    (tmp_path / "ws").mkdir()
    [report] = A.append_files(tmp_path / "ws", [staging], today=TODAY)
    assert report.weeks_written == ("2026-W01", "2026-W02") and report.rows_written == 4
    schema = pq.read_schema(tmp_path / "ws" / "responses" / "week=2026-W01" / "part-0.parquet")
    assert schema.field("score").type == pa.int64() and schema.field("submitted_at").type == pa.timestamp("us")


def test_generator_refuses_a_folder_with_table_files(tmp_path):
    (tmp_path / "responses.csv").write_text("response_id\n")
    with pytest.raises(ValueError, match=r"responses\.csv: a table is either one file or a folder"):
        make_scale_workspace(tmp_path, scale=0.01, weeks=1)


def test_cli_append_and_demo_data(copy, tmp_path, capsys):
    src = _new_rows(tmp_path / "responses.csv")
    assert main(["append", str(copy), str(src)]) == 0
    out = capsys.readouterr().out
    assert "responses: 4 rows in responses.csv, 2 written, 2 set aside" in out and "2026-W48" in out
    assert main(["append", str(copy), str(src)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "already exist" in err and len(err.strip().splitlines()) == 1
    assert main(["demo-data", str(tmp_path / "big"), "--scale", "50"]) == 2
    assert "--partitioned" in capsys.readouterr().err
    assert main(["demo-data", str(tmp_path / "small"), "--scale", "0.01", "--partitioned"]) == 0
    assert "week-partitioned workspace written" in capsys.readouterr().out
    assert len(P.validate(tmp_path / "small", "complaints")) == 52


# --------------------------------------------------------------------------- strict reading: each bad input named


def _part(ws: Path, table: str, week: str) -> Path:
    return ws / table / f"week={week}" / "part-0.parquet"


def test_malformed_parquet_is_named(copy):
    bad = _part(copy, "orders", "2026-W10")
    bad.write_bytes(b"PAR1 this is not a parquet file")
    for call in (lambda: P.validate(copy, "orders"), lambda: P.read(copy, "orders")):
        with pytest.raises(DataError, match=r"orders/week=2026-W10/part-0\.parquet: week 2026-W10: cannot be read as Parquet"):
            call()


def test_missing_column_in_one_week_is_named(copy):
    path = _part(copy, "responses", "2026-W20")
    pq.write_table(pq.read_table(path).drop_columns(["score"]), path)
    with pytest.raises(DataError, match=r"responses/week=2026-W20/part-0\.parquet: week 2026-W20, column 'score': "
                                        r"expected \(as in .*week=2025-W48.*\), found no such column"):
        P.validate(copy, "responses")


def test_changed_type_is_named(copy):
    path = _part(copy, "responses", "2026-W21")
    t = pq.read_table(path)
    t = t.set_column(t.schema.get_field_index("score"), "score", t["score"].cast(pa.string()))
    pq.write_table(t, path)
    with pytest.raises(DataError, match=r"week=2026-W21/part-0\.parquet: week 2026-W21, column 'score': "
                                        r"expected integer .*found string"):
        P.read(copy, "responses")


def test_type_the_contract_cannot_read_is_named(copy):
    for week in [p.week for p in P.scan(copy, "tickets")]:  # every week alike: only the contract can object
        path = _part(copy, "tickets", week)
        t = pq.read_table(path)
        pq.write_table(t.set_column(t.schema.get_field_index("created_at"), "created_at",
                                    pa.array([1.5] * t.num_rows)), path)
    with pytest.raises(DataError, match=r"week=2025-W48/part-0\.parquet: week 2025-W48, column 'created_at': expected "
                                        r"date or string or timestamp \(contract kind datetime\), found float"):
        P.validate(copy, "tickets")


def test_missing_partition_is_named(copy):
    shutil.rmtree(copy / "messages" / "week=2026-W30")
    with pytest.raises(DataError, match=r"messages/week=2026-W30: week 2026-W30 missing between 2025-W48 and 2026-W47"):
        P.read(copy, "messages", columns=["ticket_id"])


def test_stray_entries_and_empty_weeks_are_named(copy):
    (copy / "complaints" / "notes.txt").write_text("hello")
    (copy / "complaints" / "week=2026-W99").mkdir()
    _part(copy, "complaints", "2026-W05").unlink()
    (copy / "complaints" / ".week=2026-W05.abc.tmp").mkdir()  # a writer's temporary: skipped
    with pytest.raises(DataError) as info:
        P.validate(copy, "complaints")
    text = "\n".join(info.value.problems)
    assert "complaints/notes.txt: not a week partition" in text
    assert "complaints/week=2026-W99: not a week partition" in text
    assert "complaints/week=2026-W05: week 2026-W05 has no Parquet file" in text
    assert len(info.value.problems) == 3, text


def test_row_in_the_wrong_week_is_named(short, tmp_path):
    copy = Path(shutil.copytree(short, tmp_path / "ws"))
    path = _part(copy, "complaints", "2025-W50")
    other = pq.read_table(_part(copy, "complaints", "2025-W51"))
    pq.write_table(pa.concat_tables([pq.read_table(path), other.slice(0, 1)]), path)
    with pytest.raises(DataError, match=r"week=2025-W50/part-0\.parquet: week 2025-W50, column 'received_at': "
                                        r"expected dates in 2025-W50 .* found 1 row\(s\) outside it"):
        P.validate(copy, "complaints", deep=True)


def test_carelib_validate_checks_week_partitions_and_says_where(copy, capsys):
    """`carelib validate` reads a partitioned workspace on DuckDB: a lost week and a damaged file are named."""
    assert main(["validate", str(copy)]) == 0
    shutil.rmtree(copy / "messages" / "week=2026-W30")
    _part(copy, "orders", "2026-W10").write_bytes(b"junk!")
    assert main(["validate", str(copy)]) == 1
    out = capsys.readouterr()
    text = out.out + out.err
    assert "messages/week=2026-W30: week 2026-W30 missing" in text
    assert "orders/week=2026-W10/part-0.parquet: week 2026-W10: cannot be read as Parquet" in text


def test_derived_files_in_the_workspace_do_not_change_its_fingerprint(copy):
    """The tally store lives in .carelib/: a run that fills it must not make the next run look like new data."""
    from carelib.data.tables import Workspace

    before = Workspace(copy).fingerprint()
    (copy / ".carelib" / "tallies").mkdir(parents=True)
    (copy / ".carelib" / "tallies" / "x.parquet").write_bytes(b"derived")
    assert Workspace(copy).fingerprint() == before
    (copy / "actions.csv").write_text((copy / "actions.csv").read_text() + "\n", encoding="utf-8")
    assert Workspace(copy).fingerprint() != before

"""The first-reply cache: a re-review joins only the ticket weeks a change can touch, and always equals a cold join."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from carelib.analysis.first_replies import first_replies
from carelib.analysis.tallies import TallyStore
from carelib.data import partitions as P
from carelib.data.tables import Workspace
from carelib.demo.scale import make_scale_workspace
from carelib.metrics import response_times as rt
from carelib.metrics.tally import collect

TODAY = "2027-01-31"
WEEKS = 5


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> Path:
    return make_scale_workspace(tmp_path_factory.mktemp("fr") / "full", scale=0.02, seed=1, weeks=WEEKS).path


def cached(folder: Path) -> tuple[pd.DataFrame, dict]:
    ws = Workspace(folder, engine="duckdb", today=TODAY, tally_store=TallyStore(folder))
    read, done = first_replies(ws)
    got = collect(read().select("ticket_id", "first_response_at"))
    return got.sort_values("ticket_id", ignore_index=True), done


def cold(folder: Path) -> pd.DataFrame:
    """The join without any cache (the reference)."""
    ws = Workspace(folder, engine="duckdb", today=TODAY)
    out = rt.ticket_times_lazy(ws.lazy("tickets"), ws.lazy("messages")).select("ticket_id", "first_response_at")
    return collect(out).sort_values("ticket_id", ignore_index=True)


def histogram(folder: Path, store: bool = True) -> tuple[pd.DataFrame, pd.Series | None]:
    """The review's first-response histogram of every ticket week (through the store, or read cold), and the
    store's line for it."""
    from carelib.practices import metric_review as mr

    r = mr.open_review(str(folder), period="latest", engine="duckdb", today=TODAY, weeks=WEEKS, tally_store=store)
    got = r.response_tally([p.week for p in P.scan(folder, "tickets")])
    report = r.ws.tally_report()
    line = report[report["tally"] == "first_response_minutes"]
    return got.reset_index(drop=True), (line.iloc[0] if len(line) else None)


def same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def rewrite(folder: Path, table: str, week: str, keep=None, add: pa.Table | None = None) -> None:
    path = P.partition_dir(folder, table, week) / "part-0.parquet"
    data = pq.read_table(path)
    if keep is not None:
        data = data.filter(keep(data))
    if add is not None:
        data = pa.concat_tables([data, add.cast(data.schema)])
    P.write_week(folder, table, week, data, replace=True)


def test_waiting_tickets_are_searched_in_new_weeks_and_a_changed_week_rejoins_only_what_it_touches(full, tmp_path):
    folder = Path(shutil.copytree(full, tmp_path / "ws"))
    weeks = [p.week for p in P.scan(folder, "tickets")]
    last = weeks[-1]
    staged = {t: pq.read_table(P.partition_dir(folder, t, last) / "part-0.parquet") for t in ("tickets", "messages")}
    for t in P.WEEK_COLUMNS:
        if (folder / t).is_dir():
            shutil.rmtree(P.partition_dir(folder, t, last))
    # one answered ticket of the second week made to wait: its messages removed from every week
    msgs = {w: pq.read_table(P.partition_dir(folder, "messages", w) / "part-0.parquet") for w in weeks[:-1]}
    second = pq.read_table(P.partition_dir(folder, "tickets", weeks[1]) / "part-0.parquet")
    target = next(t for t in second["ticket_id"].to_pylist()
                  if any(t in m["ticket_id"].to_pylist() for m in msgs.values()))
    for w in weeks[:-1]:
        rewrite(folder, "messages", w, keep=lambda d: pc.invert(pc.equal(d["ticket_id"], target)))

    got, done = cached(folder)
    plain = lambda d: {k: d[k] for k in ("reused", "tallied")}  # noqa: E731
    assert plain(done) == {"reused": 0, "tallied": weeks[:-1]}
    assert done["waiting"][weeks[1]] >= 1 and set(done["keys"]) == set(weeks[:-1])
    same(got, cold(folder))
    assert pd.isna(got.loc[got["ticket_id"] == target, "first_response_at"]).all()

    keys = done["keys"]
    before, line = histogram(folder)
    assert line is not None and line["weeks tallied"] == len(weeks) - 1
    pd.testing.assert_frame_equal(before, histogram(folder, store=False)[0], check_dtype=False)
    assert histogram(folder)[1]["weeks tallied"] == 0  # warm: every week's histogram from the store
    again, done = cached(folder)
    assert plain(done) == {"reused": len(weeks) - 1, "tallied": []} and done["keys"] == keys  # same digests
    same(again, got)

    # the next week arrives with an agent's reply to the waiting ticket
    reply = staged["messages"].slice(0, 1)
    reply = reply.set_column(reply.schema.get_field_index("ticket_id"), "ticket_id", pa.array([target]))
    reply = reply.set_column(reply.schema.get_field_index("author_role"), "author_role", pa.array(["agent"]))
    reply = reply.set_column(reply.schema.get_field_index("message_id"), "message_id", pa.array([max(staged["messages"]["message_id"].to_pylist()) + "-late"]))  # ids stay in their week's range
    P.write_week(folder, "tickets", last, staged["tickets"])
    P.write_week(folder, "messages", last, pa.concat_tables([staged["messages"], reply.cast(staged["messages"].schema)]))
    got, done = cached(folder)
    assert last in done["tallied"] and weeks[1] in done["tallied"]  # the new week joined, the waiting one searched
    assert done["reused"] >= 1
    # a week's digest (the first-response histogram's key) moves with what its first replies depend on
    assert done["keys"][weeks[1]] != keys[weeks[1]] and done["keys"][weeks[0]] == keys[weeks[0]] != ""
    same(got, cold(folder))
    # the histograms: the new week's, and each week that had a waiting ticket (its reply came, or the data's end
    # it is censored at moved), computed again; the others from the store; all equal to a cold read
    after, line = histogram(folder)
    waited = {w for w in weeks[:-1] if done["waiting"].get(w) or keys[w] != done["keys"][w]}
    assert {last, weeks[1]} <= set(line["tallied"].split(", ")) and line["weeks from the store"] >= 1
    assert line["weeks tallied"] <= len(waited | {last}) + 1
    pd.testing.assert_frame_equal(after, histogram(folder, store=False)[0], check_dtype=False)
    assert not after.equals(before)
    assert got.loc[got["ticket_id"] == target, "first_response_at"].notna().all()

    # a message week rewritten: only the ticket weeks whose first replies could lie in it are joined again
    rewrite(folder, "messages", weeks[2])
    got, done = cached(folder)
    assert weeks[2] in done["tallied"] and set(done["tallied"]) <= set(weeks[:3])
    same(got, cold(folder))

    # a ticket week rewritten: that week only
    rewrite(folder, "tickets", weeks[3])
    got, done = cached(folder)
    assert done["tallied"] == [weeks[3]]
    same(got, cold(folder))

    # the cache holds each kept ticket's columns too; a read of some weeks reads only theirs
    ws = Workspace(folder, engine="duckdb", today=TODAY, tally_store=TallyStore(folder))
    read, _ = first_replies(ws)
    some = collect(read([weeks[1], weeks[3]]))
    tickets = collect(ws.lazy("tickets"))
    want = tickets[tickets["ticket_id"].isin(some["ticket_id"])]
    assert len(some) == sum(p.rows for p in P.scan(folder, "tickets") if p.week in (weeks[1], weeks[3]))
    assert set(some.columns) == {*tickets.columns, "first_response_at"} and len(want) == len(some)


def test_no_cache_without_the_store_or_on_unplaced_rows(full, tmp_path):
    folder = Path(shutil.copytree(full, tmp_path / "ws"))
    assert first_replies(Workspace(folder, engine="duckdb", today=TODAY)) is None  # no tally store
    week = P.scan(folder, "messages")[1].week
    data = pq.read_table(P.partition_dir(folder, "messages", week) / "part-0.parquet")
    sent = data["sent_at"].to_pandas() - pd.Timedelta(days=30)  # rows outside their partition's week
    data = data.set_column(data.schema.get_field_index("sent_at"), "sent_at",
                           pa.array(sent, data.schema.field("sent_at").type))
    P.write_week(folder, "messages", week, data, replace=True)
    ws = Workspace(folder, engine="duckdb", today=TODAY, tally_store=TallyStore(folder))
    assert first_replies(ws) is None

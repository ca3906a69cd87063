"""The service quality review and the weekly playbook on a workspace of week partitions: the window's tickets,
their messages and the CSAT answers linked to them filtered in the engine (``Workspace.in_weeks``,
``Workspace.linked_to_weeks``), with findings and tables identical to the pandas path on the same rows.

A generated Hearthly workspace (``carelib.demo.scale``, 0.05 units over 10 weeks) is written twice: as week
partitions (DuckDB reads only the window's files) and as one Parquet file per table (pandas, and DuckDB without
partitions). A hostile copy adds messages of window tickets stored in weeks outside the window, before and after it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import narwhals as nw
import pandas as pd
import pytest

from carelib.data import partitions as P
from carelib.data.tables import Workspace
from carelib.demo.scale import make_scale_workspace
from carelib.practices import service_quality as sq
from carelib.report import findings
from tests.conftest import shared_file

TODAY = "2027-01-31"
SECTIONS = ["overview", "case", "availability", "waves", "skills", "examples", "sentiment_shift", "csat"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def flat_copy(parts: Path, to: Path) -> Path:
    """The same workspace with one Parquet file per table, rows in the partitions' order."""
    to.mkdir(parents=True)
    for p in parts.iterdir():
        if p.is_dir() and not p.name.startswith("."):
            P.read(parts, p.name).to_parquet(to / f"{p.name}.parquet", index=False)
        elif p.is_file():
            shutil.copy(p, to / p.name)
    return to


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return make_scale_workspace(tmp_path_factory.mktemp("svc") / "parts", scale=0.05, seed=2, weeks=10).path


@pytest.fixture(scope="module")
def hostile(generated, tmp_path_factory) -> Path:
    """A copy whose window tickets have messages stored in a week before the window and in a week after it."""
    parts = Path(shutil.copytree(generated, tmp_path_factory.mktemp("hostile") / "parts"))
    weeks = sorted(d.name.removeprefix("week=") for d in (parts / "tickets").iterdir())
    tickets = P.read(parts, "tickets", weeks=[weeks[-2]])
    for week, ticket in ((weeks[1], tickets["ticket_id"].iloc[0]), (weeks[-1], tickets["ticket_id"].iloc[1])):
        file = parts / "messages" / f"week={week}" / "part-0.parquet"
        old = pd.read_parquet(file)
        start = pd.Timestamp.fromisocalendar(int(week[:4]), int(week[-2:]), 3)  # a Wednesday of that week
        extra = old.iloc[:1].assign(ticket_id=ticket, message_id=f"X-{week}", author_role="agent",
                                    sent_at=start.as_unit(old["sent_at"].dt.unit),
                                    text="I'm afraid that's our policy, nothing I can do.")
        pd.concat([old, extra], ignore_index=True).to_parquet(file, index=False)
    return parts


def run(folder: Path, engine: str, monkeypatch, **kw) -> tuple[sq.Review, list[dict], list[pd.DataFrame]]:
    """Every section of the review: its findings (sorted) and the tables it shows."""
    seen: list[dict] = []
    monkeypatch.setattr(findings, "publish", lambda key, value, **k: seen.append(findings.finding(key, value, **k)))
    r = sq.open_review(str(folder), period="latest", weeks=4, min_n=10, today=TODAY, engine=engine, **kw)
    shown: list[pd.DataFrame] = []
    for name in SECTIONS:
        out = getattr(sq, name)(r)
        shown += [p.frame for p in getattr(out, "parts", []) if hasattr(p, "frame")]
        shown += [pd.DataFrame({"html": [p.data]}) for p in getattr(out, "parts", []) if name == "examples"]
    return r, sorted(seen, key=lambda f: f["key"]), shown


def assert_same(a: tuple, b: tuple) -> None:
    (ra, fa, ta), (rb, fb, tb) = a, b
    assert ra.period == rb.period
    for x, y in ((ra.tickets, rb.tickets), (ra.messages, rb.messages)):
        pd.testing.assert_frame_equal(x.reset_index(drop=True), y.reset_index(drop=True), check_dtype=False)
    assert fa == fb
    assert len(ta) == len(tb)
    for x, y in zip(ta, tb, strict=True):
        pd.testing.assert_frame_equal(x.reset_index(drop=True), y.reset_index(drop=True), check_dtype=False)


@pytest.mark.parametrize("which", ["generated", "hostile"])
def test_service_review_identical_on_pandas_and_duckdb(which, request, tmp_path, monkeypatch):
    parts = request.getfixturevalue(which)
    flat = flat_copy(parts, tmp_path / "flat")
    on_pandas = run(flat, "pandas", monkeypatch)
    keys = {f["key"] for f in on_pandas[1]}
    assert {"case", "availability.first_response", "skills.plan", "skills.rigid", "skills.empathy"} <= keys
    assert len(on_pandas[0].tickets) > 100 and len(on_pandas[0].messages) > 300
    # week partitions: only the window's ticket files read, the messages by a semi-join; again from the tally store
    assert_same(run(parts, "duckdb", monkeypatch), on_pandas)
    assert_same(run(parts, "duckdb", monkeypatch), on_pandas)
    assert_same(run(flat, "duckdb", monkeypatch), on_pandas)  # one file per table: the week computed per row
    if which == "hostile":  # the stray messages are in, on every path
        assert on_pandas[0].messages["message_id"].str.startswith("X-").sum() == 2


def test_team_b_refuses_most_in_the_scorecard(generated, monkeypatch):
    """The demo story's Team B (rigid refusals) is what the scorecard shows on the generated workspace too."""
    r, _, shown = run(generated, "duckdb", monkeypatch)
    card = next(t for t in shown if "rigid" in t.columns and "team" in t.columns).set_index("team")
    assert card.loc["B", "rigid"] > 2 * max(card.loc["A", "rigid"], card.loc["C", "rigid"])


def test_only_the_window_comes_back_from_the_engine(generated, monkeypatch):
    """No table is collected whole: ``Workspace.table`` is never called on the engine path."""
    def whole(self, kind):
        raise AssertionError(f"{kind} collected whole")

    monkeypatch.setattr(Workspace, "table", whole)
    r, found, _ = run(generated, "duckdb", monkeypatch)
    assert r.ws.engine == "duckdb" and any(f["key"].startswith("skills.") for f in found)


def test_in_weeks_and_linked_to_weeks_equal_pandas(generated, tmp_path):
    flat = flat_copy(generated, tmp_path / "flat")
    weeks = sorted(d.name.removeprefix("week=") for d in (generated / "tickets").iterdir())[3:5]
    where = nw.col("survey") == "csat"
    got = {}
    for name, folder, engine in (("pandas", flat, "pandas"), ("parts", generated, "duckdb"), ("flat", flat, "duckdb")):
        ws = Workspace(folder, errors="exclude", today=TODAY, engine=engine)
        got[name] = (ws.in_weeks("tickets", "created_at", weeks),
                     ws.linked_to_weeks("responses", "ticket_id", "tickets", "created_at", weeks, where=where,
                                        columns=["ticket_id", "score"]))
    tickets, answers = got["pandas"]
    assert set(tickets["week"]) == set(weeks) and len(answers) > 10 and list(answers.columns) == ["ticket_id", "score"]
    assert answers["ticket_id"].isin(tickets["ticket_id"]).all()
    for name in ("parts", "flat"):
        for a, b in zip(got[name], got["pandas"], strict=True):
            pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_weekly_playbook_sees_week_partitions_and_counts_the_latest_week(generated, monkeypatch):
    """The playbook found no table in a folder of week partitions ("no step can run"), and took the latest week by
    loading every table whole; now the tables are there and the weeks are counted in the engine."""
    from carelib.run import playbook as pb

    book = pb.load_playbook(pb.find_playbook("weekly-care-review", Path(__file__).parents[1] / "playbooks"))
    assert pb._absent(book, dict(book.parameters), generated) == {}

    def whole(self, kind):
        raise AssertionError(f"{kind} collected whole")

    monkeypatch.setenv("CARELIB_TODAY", TODAY)
    monkeypatch.setattr(Workspace, "table", whole)
    weeks = sorted(d.name.removeprefix("week=") for d in (generated / "responses").iterdir())
    assert pb._latest_week(generated) == weeks[-1]


def write_weeks(folder: Path, name: str, frame: pd.DataFrame, column: str) -> None:
    """``frame`` as week partitions of ``column``, every week of its span with a file (an empty week: no rows)."""
    from carelib import periods

    week = periods.iso_week(frame[column])
    first, last = (periods.week_bounds(w)[0] for w in (week.min(), week.max()))
    for w in periods.last_weeks(week.max(), (last - first).days // 7 + 1):
        (folder / name / f"week={w}").mkdir(parents=True)
        frame[week == w].to_parquet(folder / name / f"week={w}" / "part-0.parquet", index=False)


@pytest.mark.parametrize("source", ["twcs", "ibm"])
def test_real_conversations_in_week_partitions_read_as_on_pandas(source, shared_data, tmp_path, monkeypatch):
    """Real customer-care threads (TWCS sample, IBM Twitter customer care) in week partitions: DuckDB reads the last
    four weeks' tickets and their messages as pandas reads the same rows from one file per table, every finding and
    table identical; the median
    first response is the library's quantile of the window's ticket times, recomputed here from plain pandas."""
    from carelib import periods
    from carelib.data import public_data
    from carelib.metrics import response_times as rt

    if source == "twcs":
        tickets, messages = public_data.read_twcs(shared_file(shared_data, "twcs-sample", "twcs.csv"))
    else:
        tickets, messages = public_data.read_ibm_twitter(
            shared_file(shared_data, "ibm-twitter-customer-care", "dev.json").parent)
    parts = tmp_path / "parts"
    write_weeks(parts, "tickets", tickets, "created_at")
    write_weeks(parts, "messages", messages, "sent_at")
    flat = flat_copy(parts, tmp_path / "flat")  # the rows in the partitions' order: the examples are picked by it
    on_pandas, on_duckdb = run(flat, "pandas", monkeypatch), run(parts, "duckdb", monkeypatch)
    assert len(on_pandas[0].tickets) > 200
    assert_same(on_duckdb, on_pandas)
    window = tickets[periods.iso_week(tickets["created_at"]).isin(periods.last_weeks(on_pandas[0].period, 4))]
    times = rt.ticket_times(window, messages[messages["ticket_id"].isin(window["ticket_id"])])
    published = next(f for f in on_duckdb[1] if f["key"] == "availability.first_response")
    assert published["value"] == float(rt.quantiles(times, "first_response_min", "responded").iloc[0]["p50"])

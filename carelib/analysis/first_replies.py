"""Each ticket's first agent reply, kept per ticket week: a weekly re-review joins only the new weeks.

Response times need every ticket's first agent reply, and a reply to a ticket of week W may be sent in
any later week: so the per-week tally of W is not a function of W's files alone. This cache keeps, per
ticket week W, one Parquet file of ``ticket_id, first_response_at`` (null while the ticket waits), and in
its manifest what W's answer depended on:

* the fingerprint of W's ticket files;
* the fingerprint of every message week from W to the last week holding a first reply to W's tickets
  (its *horizon*), or, while some ticket of W still waits, to the last message week there was.

On the next run, W is reused when those fingerprints are unchanged (a later message cannot come before a
first reply already found); when W still had waiting tickets, only the message weeks added since are
searched, for those tickets only; when a ticket file or a message week it depended on changed, W is
joined again from scratch. So changing one past file recomputes exactly the ticket weeks it can touch,
and the answer is the one a cold join gives. Waiting tickets are not censored here: the caller censors
them at the end of the data, which moves with every new week.

Only for week-partitioned ``tickets`` and ``messages`` whose footers prove each row lies in its week
(:meth:`carelib.data.tables.Workspace.placed_weeks`), with the workspace's tally store on.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import narwhals as nw
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from carelib.analysis.tallies import STORE_DIR
from carelib.data.engines import scan_table, with_week_lazy
from carelib.files import write_atomic

__all__ = ["first_replies", "FOLDER", "MAX_WAITING"]

FOLDER = STORE_DIR / "tickets" / "first_reply"
LAYOUT = 1
#: tickets still waiting, over all weeks, searched for by id in the new message weeks; more: the weeks are joined again
MAX_WAITING = 5000


def _lazy_to_arrow(frame: Any) -> pa.Table:
    return nw.from_native(frame).lazy().collect(backend="pyarrow").to_native()


def first_replies(ws: Any, agent_roles: tuple[str, ...] = ("agent",)) -> tuple[Any, dict] | None:
    """The first agent reply of every ticket, as a lazy frame in the workspace's engine, and what the cache did.

    Parameters
    ----------
    ws : Workspace
        On an engine, with its tally store, ``tickets`` and ``messages`` in placed week partitions.
    agent_roles : tuple of str
        ``author_role`` values that count as an agent reply.

    Returns
    -------
    (callable, dict) or None
        ``read(weeks=None)``: a lazy frame of the tickets kept by validation in those ticket weeks (default all),
        their columns and ``first_response_at`` (null while waiting), reading only those weeks' files; and what
        the cache did: ``reused`` (ticket weeks read from it) and ``tallied`` (the weeks joined or searched
        again); and per ticket week, ``keys`` (a digest of everything its first replies depend on) and ``waiting``
        (its tickets without a reply yet). None when the cache cannot be used.
    """
    tw, mw = ws.validation_keys("tickets"), ws.validation_keys("messages")
    if tw is None or mw is None or ws.placed_weeks("tickets", "created_at") is None \
            or ws.placed_weeks("messages", "sent_at") is None:
        return None
    root = Path(ws.path) / FOLDER
    manifest_path = root / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("layout") != LAYOUT or manifest.get("roles") != list(agent_roles):
            manifest = {}
    except (OSError, ValueError):
        manifest = {}
    known: dict[str, dict] = manifest.get("weeks", {})
    mweeks = sorted(mw)
    full, search, reused = [], {}, 0
    for w in sorted(tw):
        e = known.get(w)
        if e is None or e["tickets"] != tw[w] or not (root / f"{w}.parquet").is_file() \
                or any(mw.get(m) != fp for m, fp in e["messages"].items()):
            full.append(w)
        elif e["waiting"] and (new := [m for m in mweeks if m >= w and m not in e["messages"]]):
            search[w] = new
        else:
            reused += 1
    if sum(known[w]["waiting"] for w in search) > MAX_WAITING:
        full, search = sorted([*full, *search]), {}
    roles = list(agent_roles)
    weeks = {w: e for w, e in known.items() if w in tw}
    if full:
        weeks.update(_join(ws, full, mweeks, mw, roles, root))
    if search:
        weeks.update(_search(ws, search, mw, roles, root, known))
    if full or search or set(known) != set(weeks) or not manifest_path.is_file():
        for stale in set(known) - set(weeks):
            (root / f"{stale}.parquet").unlink(missing_ok=True)
        write_atomic(manifest_path, json.dumps({"layout": LAYOUT, "roles": roles, "weeks": dict(sorted(weeks.items()))},
                                               indent=1))
    def read(wanted: list[str] | None = None) -> Any:
        """The kept tickets of the ticket weeks ``wanted`` (default all) with ``first_response_at``: only their files."""
        have = [w for w in sorted(tw) if wanted is None or w in set(wanted)] or sorted(tw)[:1]
        lazy = scan_table(root, ws.engine, ws.handle, files=[root / f"{w}.parquet" for w in have]).drop("__source",
                                                                                                       "__row")
        return lazy if wanted is None else with_week_lazy(lazy, "created_at").filter(
            nw.col("week").is_in(list(wanted))).drop("week")

    keys = {w: hashlib.sha256(json.dumps(e, sort_keys=True).encode()).hexdigest()[:32] for w, e in weeks.items()}
    return read, {"reused": reused, "tallied": sorted([*full, *search]), "keys": keys,
                  "waiting": {w: int(e["waiting"]) for w, e in weeks.items()}}


def _write(root: Path, week: str, table: pa.Table) -> None:
    sink = pa.BufferOutputStream()
    table = table.drop_columns([c for c in ("ticket_week", "reply_week") if c in table.column_names])
    pq.write_table(table, sink, use_dictionary=False)  # ids and times take a value a row: a dictionary halves the speed
    write_atomic(root / f"{week}.parquet", sink.getvalue().to_pybytes())


def _entry(table: pa.Table, week: str, tickets_fp: str, mweeks: list[str], mw: dict[str, str]) -> dict:
    """The manifest entry of ticket week ``week``: its fingerprints up to its horizon, and how many still wait."""
    waiting = table["first_response_at"].null_count
    replied = pc.drop_null(table["reply_week"])
    if waiting:
        last = mweeks[-1]
    elif len(replied):
        last = max(str(pc.max(replied).as_py()), week)
    else:  # no ticket: no message can change it
        last = ""
    return {"tickets": tickets_fp, "waiting": int(waiting),
            "messages": {m: mw[m] for m in mweeks if week <= m <= last}}


def _join(ws: Any, full: list[str], mweeks: list[str], mw: dict[str, str], roles: list[str], root: Path) -> dict:
    """Ticket weeks ``full`` joined to every message sent since the first of them (read: those weeks only)."""
    tickets = with_week_lazy(ws.lazy_weeks("tickets", full), "created_at").rename({"week": "ticket_week"})
    columns = [c for c in tickets.collect_schema().names() if c != "ticket_week"]
    since = [m for m in mweeks if m >= full[0]]
    replies = (nw.from_native(ws.lazy_weeks("messages", since)).filter(nw.col("author_role").is_in(roles))
               .select("ticket_id", "sent_at")
               .join(tickets.select("ticket_id", nw.col("created_at").alias("opened")), on="ticket_id", how="inner")
               .filter(nw.col("sent_at") >= nw.col("opened"))
               .group_by("ticket_id").agg(nw.col("sent_at").min().alias("first_response_at")))
    out = with_week_lazy(tickets.join(replies, on="ticket_id", how="left"), "first_response_at")
    out = _lazy_to_arrow(out.select(*columns, "first_response_at", "ticket_week", nw.col("week").alias("reply_week")))
    done = {}
    for w in full:
        part = out.filter(pc.equal(out["ticket_week"], w)).sort_by("ticket_id")
        _write(root, w, part)
        done[w] = _entry(part, w, ws.validation_keys("tickets")[w], mweeks, mw)
    return done


def _search(ws: Any, search: dict[str, list[str]], mw: dict[str, str], roles: list[str], root: Path,
            known: dict[str, dict]) -> dict:
    """The waiting tickets of some weeks looked for in the message weeks added since (read: those weeks only)."""
    cached = {w: pq.read_table(root / f"{w}.parquet") for w in search}
    waiting = sorted({t for tab in cached.values() for t in
                      tab.filter(pc.is_null(tab["first_response_at"]))["ticket_id"].to_pylist()})
    new = sorted({m for ms in search.values() for m in ms})
    found = _lazy_to_arrow(
        nw.from_native(ws.lazy_weeks("messages", new))
        .filter(nw.col("author_role").is_in(roles) & nw.col("ticket_id").is_in(waiting))
        .group_by("ticket_id").agg(nw.col("sent_at").min().alias("first"))) if waiting else None
    done = {}
    for w, tab in cached.items():
        i = tab.schema.get_field_index("first_response_at")
        if found is not None and found.num_rows:  # a waiting ticket's first reply, where one came (columns, no loop)
            at = pc.take(found["first"], pc.index_in(tab["ticket_id"], value_set=found["ticket_id"]))
            filled = pc.coalesce(tab["first_response_at"], at.cast(tab.schema.field(i).type))
            if filled.null_count != tab["first_response_at"].null_count:  # some reply came: the week's file anew
                tab = tab.set_column(i, "first_response_at", filled)
                _write(root, w, tab)
        e = known[w]
        waiting_now = tab["first_response_at"].null_count
        done[w] = {"tickets": e["tickets"], "waiting": int(waiting_now),
                   "messages": {**e["messages"], **{m: mw[m] for m in search[w]}}}
    return done

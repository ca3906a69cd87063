"""An incremental tally store: a weekly re-review reads only the weeks whose files changed.

Every number of a weekly review is built from tallies — counts and sums by (week, group) — and a
tally of a past week never changes unless that week's files change. The store keeps, per
(table, metric, grouping, parameters), one Parquet file of per-week tally rows and a manifest of
the fingerprint of each week's source files (:func:`week_fingerprints`, from
:func:`carelib.data.partitions.scan`). On the next run:

* a week whose fingerprint is unchanged is read from the store;
* a new week, or a week whose files changed (a file rewritten, added or removed), is tallied again
  by the caller's ``compute`` (an engine query restricted to those weeks, so a partitioned Parquet
  dataset reads only their files);
* a week that no longer exists in the data is dropped.

So changing one past file invalidates exactly the weeks it touches, and the answer is always the
answer a cold run on the same files gives. The store lives inside the workspace, under
``.carelib/tallies/`` (a hidden folder the workspace readers skip), and is safe to delete: the next
run rebuilds it. Writes are atomic (a killed run leaves the previous store intact).

Examples
--------
>>> import tempfile, pandas as pd
>>> store = TallyStore(tempfile.mkdtemp())
>>> calls = []
>>> def compute(weeks):
...     calls.append(list(weeks))
...     return pd.DataFrame({"week": weeks, "n": [10] * len(weeks)})
>>> int(store.tally("responses", "n", (), {"2026-W01": "a", "2026-W02": "b"}, compute).frame["n"].sum())
20
>>> r = store.tally("responses", "n", (), {"2026-W01": "a", "2026-W02": "b", "2026-W03": "c"}, compute)
>>> calls[-1], r.reused, r.computed
(['2026-W03'], 2, 1)
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from carelib.errors import DataError
from carelib.files import write_atomic

__all__ = ["TallyStore", "TallyResult", "week_fingerprints", "STORE_DIR", "WEEK"]

STORE_DIR = Path(".carelib") / "tallies"
WEEK = "week"
#: Bumped when the layout of the store changes; an old store is then rebuilt, never misread.
LAYOUT = 1


def week_fingerprints(parts: Iterable[Any]) -> dict[str, str]:
    """One fingerprint per week from the partitions of a table (objects with ``week`` and ``fingerprint``).

    A week's fingerprint covers every file of the week, so a file added to or removed from a week
    changes it as surely as a file rewritten.
    """
    by_week: dict[str, list[str]] = {}
    for p in parts:
        by_week.setdefault(p.week, []).append(p.fingerprint)
    return {w: hashlib.sha256("\n".join(sorted(f)).encode()).hexdigest()[:32] for w, f in sorted(by_week.items())}


@dataclass
class TallyResult:
    """The tally of every current week, and what the store did to get it."""

    frame: pd.DataFrame
    reused: int
    computed: int
    dropped: int
    computed_weeks: list[str]

    def line(self) -> str:
        return (f"{self.reused} week(s) from the tally store, {self.computed} tallied"
                + (f" ({', '.join(self.computed_weeks[:6])}{' ...' if self.computed > 6 else ''})"
                   if self.computed else "")
                + (f", {self.dropped} dropped (no longer in the data)" if self.dropped else ""))


class TallyStore:
    """Per-week tallies kept between runs, keyed by table, metric, grouping, parameters and week fingerprints.

    Parameters
    ----------
    folder : str or Path
        The workspace folder (the store is ``folder/.carelib/tallies``), or any folder to keep it in.
    """

    def __init__(self, folder: str | Path) -> None:
        self.root = Path(folder) / STORE_DIR

    def _paths(self, table: str, metric: str, grouping: tuple[str, ...], params: Mapping[str, Any]) -> tuple[Path, Path]:
        key = json.dumps({"layout": LAYOUT, "table": table, "metric": metric, "grouping": list(grouping),
                          "params": {k: params[k] for k in sorted(params)}}, default=str, sort_keys=True)
        digest = hashlib.sha256(key.encode()).hexdigest()[:24]
        base = self.root / table / metric
        return base / f"{digest}.parquet", base / f"{digest}.json"

    def _load(self, data: Path, manifest: Path) -> tuple[pd.DataFrame, dict[str, str]]:
        if not (data.is_file() and manifest.is_file()):
            return pd.DataFrame(), {}
        try:
            weeks = json.loads(manifest.read_text(encoding="utf-8"))["weeks"]
            frame = pq.read_table(data).to_pandas()  # the same frame as pandas.read_parquet, a quarter of the time
        except (OSError, ValueError, KeyError):  # a damaged store is rebuilt, never trusted
            return pd.DataFrame(), {}
        return frame, weeks

    def tally(
        self,
        table: str,
        metric: str,
        grouping: tuple[str, ...],
        weeks: Mapping[str, str],
        compute: Callable[[list[str]], pd.DataFrame],
        params: Mapping[str, Any] | None = None,
    ) -> TallyResult:
        """The per-week tally of ``metric`` by ``grouping`` for every week in ``weeks``.

        Parameters
        ----------
        table : str
            The source table (part of the key).
        metric : str
            What is tallied (``"nps_boxes"``, ``"csat_boxes"`` ...; part of the key).
        grouping : tuple of str
            The grouping columns besides ``week`` (part of the key).
        weeks : mapping of str to str
            Every week of the data now, with its fingerprint (:func:`week_fingerprints`).
        compute : callable
            ``compute(weeks)`` returns the tally rows of exactly those weeks: a ``week`` column, the
            grouping columns and the counts. A week with no rows may be absent.
        params : mapping, optional
            Anything else the tally depends on (a filter, a scale, the code's version); part of the key.

        Returns
        -------
        TallyResult
            ``frame`` holds the rows of every current week, sorted by week then grouping.
        """
        data, manifest = self._paths(table, metric, grouping, params or {})
        stored, known = self._load(data, manifest)
        keep = sorted(w for w, fp in weeks.items() if known.get(w) == fp)
        todo = sorted(w for w in weeks if w not in set(keep))
        dropped = len([w for w in known if w not in weeks])
        parts = []
        if keep and not stored.empty:
            kept = stored[WEEK].isin(keep)
            parts.append(stored if kept.all() else stored[kept])
        if todo:
            fresh = compute(todo)
            if WEEK not in fresh.columns:
                raise DataError(f"tally {metric!r} of {table!r}: the computed rows have no {WEEK!r} column")
            stray = sorted(set(fresh[WEEK].astype(str)) - set(todo))
            if stray:
                raise DataError(f"tally {metric!r} of {table!r}: asked for {len(todo)} week(s), got rows of "
                                f"other weeks too: {stray[:5]}")
            parts.append(fresh)
        order = [WEEK, *[g for g in grouping if any(g in p.columns for p in parts)]]
        if len(parts) == 2 and not parts[0].empty and not parts[1].empty \
                and str(parts[0][WEEK].max()) < str(parts[1][WEEK].min()):
            # new weeks after the stored ones (a week appended): the stored rows are in order already
            frame = pd.concat([parts[0], parts[1].sort_values(order, kind="stable")], ignore_index=True)
        else:
            frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[WEEK, *grouping])
            frame = frame.sort_values([WEEK, *[g for g in grouping if g in frame.columns]], kind="stable")
        frame = frame.reset_index(drop=True)
        if todo or dropped or not data.is_file():
            buf = io.BytesIO()
            frame.to_parquet(buf, index=False)
            write_atomic(data, buf.getvalue())
            write_atomic(manifest, json.dumps({"table": table, "metric": metric, "grouping": list(grouping),
                                               "weeks": dict(sorted(weeks.items()))}, indent=1))
        return TallyResult(frame, len(keep), len(todo), dropped, todo)

"""The redaction roster of a workspace, kept between runs beside the tally store.

A workspace of 2 M customers gives its redactor 2 M ids to match (:class:`carelib.text.redact.Redactor`): read
as Arrow, sorted, and ranked into pseudonyms, about a second and a half on every run that redacts a text. The
weekly review redacts a dozen texts. So the roster's derived tables (the names in roster order, the free-form ids
with their pseudonyms, and the ``LETTERS DIGITS`` ids as sorted numbers per shape) are kept in
``WORKSPACE/.carelib/roster/``: one JSON file and one NumPy ``.npz`` (read with ``allow_pickle=False``: no
object in the cache is ever unpickled), under a key that holds everything they depend on:

* the customers file's fingerprint (path, size, modification time: :func:`carelib.data.partitions.fingerprint`);
* its validation (rows read, rows kept, rows set aside by reason) and, when a row was set aside, the run's
  future-date limit (a row dated ahead of today may be kept on a later day);
* the redactor's parameters (labels, greetings, the everyday words) and :data:`LAYOUT`.

Any change recomputes the roster; a cache that cannot be read or written is ignored (the roster is then built as
without it). Only for a workspace on an engine with its tally store, whose ids come from the customers table
alone (no table loaded into pandas holds ids of people).
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from carelib.analysis.tallies import STORE_DIR
from carelib.files import write_atomic

__all__ = ["cached_redactor", "FOLDER", "LAYOUT"]

FOLDER = STORE_DIR.parent / "roster"
LAYOUT = 1


def _key(ws: Any, params: dict) -> str | None:
    """The key of the workspace's roster, or None when it cannot be cached."""
    from carelib.data import partitions
    from carelib.periods import future_limit

    if ws.engine == "pandas" or ws.tally_store is None or not ws.has("customers"):
        return None
    if any("customer_id" in t.columns or "author_id" in t.columns for t in ws._tables.values()):
        return None  # ids of people in a loaded table: the roster is not the customers file's alone
    path = ws.file("customers")
    if not path.is_file():
        return None
    ws.lazy("customers")  # validated (its counts in the key)
    report = ws.load_report()
    row = report[report["table"] == "customers"]
    reasons = ws._reports["customers"].reasons
    state = {"file": partitions.fingerprint(path, ws.path), "layout": LAYOUT, "params": params,
             "report": row.astype(str).to_dict("records"),
             "reasons": reasons.astype(str).to_dict("records") if reasons is not None else [],
             "limit": str(future_limit(ws.today)) if reasons is not None and len(reasons) else ""}
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()[:32]


def cached_redactor(ws: Any, build: Any, params: dict) -> Any:
    """The workspace's :class:`~carelib.text.redact.Redactor`, from the cache when its key matches, else ``build()``
    (then kept for the next run).

    Parameters
    ----------
    ws : Workspace
        The workspace (on an engine, with its tally store, for a cache to be used).
    build : callable
        ``build()``: the redactor built from the workspace (:func:`carelib.practices.common.redactor`'s way).
    params : dict
        The redactor's parameters (part of the key).

    Returns
    -------
    Redactor
    """
    from carelib.text.redact import Redactor

    try:
        key = _key(ws, params)
    except (OSError, ValueError, KeyError):
        key = None
    if key is None:
        return build()
    folder = Path(ws.path) / FOLDER
    head, arrays = folder / f"{key}.json", folder / f"{key}.npz"
    try:
        meta = json.loads(head.read_text(encoding="utf-8"))
        with np.load(arrays, allow_pickle=False) as npz:
            return Redactor.from_parts(meta, {k: npz[k] for k in npz.files})
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not there yet, or unreadable: built again below
    made = build()
    try:
        meta, data = made.parts()
        buf = io.BytesIO()
        np.savez(buf, **data)
        for old in folder.glob("*.json") if folder.is_dir() else []:  # one roster kept: the workspace's latest
            old.unlink(missing_ok=True)
            old.with_suffix(".npz").unlink(missing_ok=True)
        write_atomic(arrays, buf.getvalue())
        write_atomic(head, json.dumps(meta))
    except (OSError, ValueError, TypeError):
        pass  # a read-only workspace: the roster is built on each run
    return made

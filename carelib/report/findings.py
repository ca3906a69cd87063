"""Structured findings published by notebooks and read back from executed notebooks.

A notebook calls :func:`publish` for each key result. The finding is displayed as a
small escaped HTML line for the reader *and* carried in a custom MIME type
(``application/vnd.carekit.finding+json``) that :func:`read_findings` collects from the
executed notebook. Playbook reports put them first; the run index stores them.
(scrapbook did this once; it is unmaintained and fails to import.)
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import nbformat

__all__ = ["MIME", "publish", "finding", "read_findings", "findings_table"]

MIME = "application/vnd.carekit.finding+json"


def _plain(value: Any) -> Any:
    """JSON-safe plain values (numpy scalars, NaN -> None)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def finding(
    key: str,
    value: Any,
    *,
    label: str | None = None,
    text: str | None = None,
    note: str | None = None,
    ci: tuple[float, float] | None = None,
    kind: str = "metric",
    **extra: Any,
) -> dict[str, Any]:
    """Build a finding record (a plain, JSON-serialisable dict).

    Parameters
    ----------
    key : str
        Stable identifier, e.g. ``"nps.overall"``.
    value : Any
        The headline value (a number, a string, a small list or dict).
    label : str, optional
        Human label; defaults to ``key``.
    text : str, optional
        The value as it should read, e.g. ``"+31.2 (95 % CI 28.4 to 34.0)"``.
    note : str, optional
        A qualifier: a signal, a change, "n too small".
    ci : tuple of float, optional
        Interval of the value.
    kind : str
        ``metric``, ``signal``, ``theme``, ``case`` ...
    **extra : Any
        Further fields stored as they are (made JSON-safe: numpy scalars to Python, NaN to None).

    Returns
    -------
    dict
        ``key, label, value, text, kind`` and, when given, ``note``, ``ci`` (a list of two) and
        the ``extra`` fields; a ``TypeError`` when a value cannot be written as JSON.

    Examples
    --------
    >>> finding("nps.overall", 31.2, label="NPS", ci=(28.4, 34.0))["ci"]
    [28.4, 34.0]
    """
    rec = {
        "key": key,
        "label": label or key,
        "value": _plain(value),
        "text": text if text is not None else (f"{value}" if not isinstance(value, float) else f"{value:.1f}"),
        "kind": kind,
    }
    if note:
        rec["note"] = note
    if ci is not None:
        rec["ci"] = [_plain(ci[0]), _plain(ci[1])]
    rec.update({k: _plain(v) for k, v in extra.items()})
    json.dumps(rec)  # fail here, not in the kernel's serializer
    return rec


def publish(key: str, value: Any, *, show: bool = True, **kwargs: Any) -> None:
    """Display a finding in the notebook and carry it for reports (see :func:`finding`).

    ``show=False`` carries the finding without a line of its own (a table beside it already shows it).

    Parameters
    ----------
    key : str
        Stable identifier, e.g. ``"headline.nps"``.
    value : Any
        The headline value.
    show : bool
        Display the finding as a line of its own (else it is only carried, for reports).
    **kwargs : Any
        As :func:`finding` (``label``, ``text``, ``note``, ``ci``, ``kind`` and further fields).

    Returns
    -------
    None
    """
    from IPython.display import display

    rec = finding(key, value, **kwargs)
    if not show:
        display({MIME: rec, "text/plain": ""}, raw=True)
        return
    note = f" <em>({html.escape(rec['note'])})</em>" if rec.get("note") else ""
    shown = f"<p><strong>{html.escape(rec['label'])}</strong>: {html.escape(rec['text'])}{note}</p>"
    plain = f"{rec['label']}: {rec['text']}" + (f" ({rec['note']})" if rec.get("note") else "")
    display({MIME: rec, "text/html": shown, "text/plain": plain}, raw=True)


def read_findings(notebook: nbformat.NotebookNode | str | Path) -> list[dict[str, Any]]:
    """Every finding published by an executed notebook, in cell order."""
    import nbformat  # here, not at the top: a notebook's kernel publishes findings but never reads a notebook,
    # and nbformat's schema validator takes two seconds to import (jsonschema's URI grammar)

    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(notebook, as_version=4)
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = o.get("data", {})
            if MIME in data:
                rec = data[MIME]
                out.append(json.loads(rec) if isinstance(rec, str) else dict(rec))
    return out


def findings_table(findings: list[dict[str, Any]]) -> pd.DataFrame:
    """Findings as a table: key, label, text, note."""
    cols = ["key", "label", "text", "note"]
    return pd.DataFrame([{c: f.get(c) for c in cols} for f in findings], columns=cols)

"""The report of a playbook run: the point first, the evidence next, the method last."""

from __future__ import annotations

import fnmatch
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from carelib import periods
from carelib.errors import ParameterError
from carelib.report.brief import actions_due, headline_changes, render_brief, what_changed
from carelib.report.html import Section, inline_markdown, provenance, render_report
from carelib.run.playbook_file import Playbook, PlaybookRun

__all__ = ["render_playbook_report", "order_findings", "LastRun", "read_actions"]

MAX_LEAD = 12


def order_findings(findings: list[dict[str, Any]], lead: tuple[str, ...]) -> list[dict[str, Any]]:
    """Findings matching the ``lead`` patterns (in pattern order) first, then the rest.

    A pattern matches a finding's key (``headline.*``) or its step and key (``metrics/headline.*``).
    The same finding published by two steps (the same key and text, e.g. the case) is kept once.

    Examples
    --------
    >>> fs = [{"key": "a.x"}, {"key": "b.y"}, {"key": "c.z", "step": "s"}, {"key": "a.x"}]
    >>> [f["key"] for f in order_findings(fs, ("s/c.*", "a.x"))]
    ['c.z', 'a.x', 'b.y']
    """
    seen, unique = set(), []
    for f in findings:
        ident = (f.get("key"), f.get("text"))
        if ident not in seen:
            seen.add(ident)
            unique.append(f)

    def names(f: dict[str, Any]) -> tuple[str, str]:
        key = str(f.get("key", ""))
        return key, f"{f['step']}/{key}" if f.get("step") else key

    chosen: list[dict[str, Any]] = []
    for pattern in lead:
        chosen += [f for f in unique if any(fnmatch.fnmatch(n, pattern) for n in names(f)) and f not in chosen]
    return chosen + [f for f in unique if f not in chosen]


def _markdown(text: str) -> str:
    """Markdown written by the playbook's authors, rendered with nbconvert's mistune.

    Not trusted for being ours: like every fragment, it is sanitised where the page is assembled
    (:func:`carelib.report.html.render_report`).
    """
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(text)


def _definitions():
    try:
        from carelib.metrics.definitions import definitions_table
    except ImportError:
        return None
    return definitions_table()


@dataclass
class LastRun:
    """What the brief compares with: the last good run of the same playbook."""

    run_id: str
    period: str
    findings: list[dict[str, Any]]
    actions: dict[str, str] | None = None

    @property
    def label(self) -> str:
        return f"the last run ({self.name})"

    @property
    def name(self) -> str:
        """Its period and run id, e.g. ``2026-W46, run 2026-W46-20261206T204227Z``."""
        return f"{self.period}, run {self.run_id}" if self.period else f"run {self.run_id}"


def read_actions(data: str | Path | None) -> pd.DataFrame | None:
    """The workspace's ``actions.csv`` (owner, due, status ...), or None when it has none or it cannot be read."""
    if data is None:
        return None
    path = Path(data) / "actions.csv"
    if not path.is_file():
        return None
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError):
        return None


def _period_end(period: str) -> pd.Timestamp | None:
    try:
        return periods.week_bounds(period)[1]
    except (ParameterError, ValueError):
        return None


def render_playbook_report(
    book: Playbook,
    run: PlaybookRun,
    params: dict[str, Any],
    data: str | Path | None,
    fingerprint: str,
    versions: dict[str, str],
    last: LastRun | None = None,
) -> tuple[list[dict[str, Any]], str]:
    """Findings (ordered) and the HTML page of a successful run.

    Parameters
    ----------
    book : Playbook
        The playbook (title, audience, cadence, practice, ``lead_findings`` patterns).
    run : PlaybookRun
        The finished run; every step's executed notebook is read.
    params : dict
        The run's parameters, shown in the provenance footer (``period`` also in the subtitle).
    data : str or Path, optional
        The workspace folder, shown in the footer.
    fingerprint : str
        The workspace's data fingerprint.
    versions : dict of str to str
        Package → version, listed in the footer.
    last : LastRun, optional
        The last good run of this playbook, for "what changed since the last run" (None: this is
        the first).

    Returns
    -------
    findings, page : tuple of (list of dict, str)
        Every finding with its ``step`` (lead patterns first, see :func:`order_findings`), and
        the self-contained HTML page, which leads with at most ``MAX_LEAD`` (12) findings when
        the playbook names lead findings.
    """
    sections, findings = [], []
    skipped = [r for r in run.steps if r.status == "skipped"]
    for r in run.steps:
        if r.status == "skipped":
            continue
        nb = nbformat.read(r.executed, as_version=4)
        section = Section.from_notebook(nb, r.step.notebook, title=r.step.title)
        section.anchor = r.step.id
        if r.step.shows:
            section.lead_html = f'<p class="shows">{inline_markdown(r.step.shows)}</p>'
        if r.step.todo:
            section.after_html = f'<p class="todo"><strong>What to do with it:</strong> {inline_markdown(r.step.todo)}</p>'
        sections.append(section)
        findings += [{**f, "step": r.step.id} for f in section.findings]
    if skipped:  # said before the evidence: what this report cannot show, and why
        items = "".join(f"<li><strong>{html.escape(r.step.title or r.step.id)}</strong>: skipped, "
                        f"{html.escape(r.error or 'not run')}.</li>" for r in skipped)
        sections.insert(0, Section("Not in this report", f"<p>The workspace lacks what these sections read:</p>"
                                   f"<ul>{items}</ul>", "skipped"))
    ordered = order_findings(findings, book.lead_findings)
    lead = ordered[:MAX_LEAD] if book.lead_findings else ordered
    practice = ""
    if book.practice:
        practice = (
            '<details class="practice"><summary><strong>The practice</strong>: '
            f"{html.escape(book.cadence)} · for {html.escape(book.audience)}</summary>"
            f"{_markdown(book.practice)}</details>"
        )
    prov = provenance(
        {**params, **({"data": str(data)} if data is not None else {})},
        extra={
            "data fingerprint (SHA-256)": fingerprint,
            "steps": ", ".join(f"{r.step.id} {r.status}" for r in run.steps),
            "run id": run.run_id,
            "run time": f"{run.seconds:.1f} s",
            "packages": ", ".join(f"{k} {v}" for k, v in sorted(versions.items())),
        },
    )
    actions = read_actions(data)
    period = str(params.get("period", "") or "")
    changed = what_changed(ordered, last.findings if last else None, actions_now=actions,
                           actions_before=last.actions if last else None,
                           before_label=last.label if last else "the last run")
    brief = render_brief(ordered, period=period, changed=changed,
                         compared=headline_changes(ordered, last.findings) if last else None,
                         since=last.name if last else "",
                         actions=actions_due(actions, _period_end(period)) if actions is not None else None)
    page = render_report(
        sections,
        title=book.title,
        subtitle=" · ".join(x for x in (period, book.audience) if x),
        intro_html=practice,
        findings=lead,
        definitions=_definitions(),
        provenance=prov,
        brief_html=brief,
    )
    return ordered, page

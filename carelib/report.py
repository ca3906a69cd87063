"""Self-contained HTML reports: key findings first, no code, offline, escaped.

A report is one HTML file: inline CSS, images inline as ``data:`` URIs, no script and
no URL that leaves the machine. Notebook sections are rendered by nbconvert's
``basic`` template without code (inputs and prompts excluded). Customer text is
escaped where it enters HTML: pandas escapes table cells, and every string carelib
itself displays or puts in the page (findings, parameters, definitions, case cards) is
escaped. :func:`check_offline` is the guard run before writing: a page holding a
script, an event handler, a ``javascript:`` link or a URL that leaves the machine is
refused.
"""

from __future__ import annotations

import datetime as _dt
import html
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from carelib import __version__
from carelib.errors import RunError

__all__ = [
    "Section",
    "render_report",
    "provenance",
    "write_atomic",
    "check_offline",
    "git_commit",
]

_CSS = """
:root{--ink:#1f2933;--muted:#52606d;--line:#d9e2ec;--accent:#2f5d8a;--bg:#ffffff;--soft:#f5f7fa;--warn:#b44d12}
*{box-sizing:border-box}
body{margin:0;background:var(--soft);color:var(--ink);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1000px;margin:0 auto;background:var(--bg);padding:32px 48px 48px;min-height:100vh}
h1{font-size:1.9em;margin:.2em 0 .1em} h2{font-size:1.4em;margin-top:1.8em;border-bottom:1px solid var(--line);padding-bottom:.2em}
h3{font-size:1.15em;margin-top:1.4em} .subtitle{color:var(--muted);margin:0 0 1.2em}
a{color:var(--accent)} a.anchor-link{display:none}
table{border-collapse:collapse;margin:.6em 0 1em;font-size:.9em;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:4px 10px;text-align:right;vertical-align:top}
th{background:var(--soft);font-weight:600} td:first-child,th:first-child{text-align:left}
tbody tr:nth-child(even){background:#fafbfc}
img{max-width:100%;height:auto}
.findings{background:#eef4fa;border-left:4px solid var(--accent);padding:12px 20px;margin:1em 0 1.5em}
.findings h2{border:0;margin-top:.2em} .findings li{margin:.25em 0}
.finding-value{font-weight:600} .finding-note{color:var(--muted)}
nav.toc{font-size:.92em;margin:0 0 1.5em} nav.toc ol{margin:.3em 0;padding-left:1.4em}
section.notebook{margin-top:2em}
.jp-OutputArea-output pre,pre{white-space:pre-wrap;background:var(--soft);padding:8px 10px;border-radius:4px;font-size:.85em}
.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]{display:none}
footer.provenance{margin-top:3em;border-top:2px solid var(--line);padding-top:1em;color:var(--muted);font-size:.85em}
footer.provenance table{font-size:1em} footer.provenance td{text-align:left;word-break:break-all}
@media print{body{background:#fff} main{padding:0} nav.toc{display:none}}
"""

# Only markup counts: escaped customer text ("&lt;img onerror=...") holds no "<" and cannot match.
_EXTERNAL = re.compile(
    r"""<[^>]*\s(?:src|href|action|poster|srcset|background)\s*=\s*["']?\s*(?!data:|#)(?:[a-z][a-z0-9+.-]*:|//)""",
    re.I,
)
_SCRIPT = re.compile(r"""<\s*(?:script|iframe|object|embed)\b|<[^>]*\son[a-z]+\s*=|<[^>]*=\s*["']?\s*javascript:""", re.I)
_CSS_URL = re.compile(r"""(?:<style[^>]*>[^<]*|<[^>]*\sstyle\s*=\s*["'][^"']*)url\(\s*['"]?\s*(?!data:)""", re.I)


def git_commit(path: str | Path = ".") -> str:
    """The git commit of ``path`` (with ``+dirty`` when the tree has changes), or ``unknown``."""
    try:
        cwd = str(Path(path).resolve())
        head = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return "unknown"
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd, capture_output=True, text=True, timeout=10,
        )
        return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def provenance(
    parameters: dict[str, Any],
    *,
    data: str | Path | None = None,
    started: float | None = None,
    seconds: float | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, str]:
    """The provenance footer: parameters, data fingerprint, code version, run time."""
    from carelib.tables import Workspace

    out: dict[str, str] = {}
    for k, v in parameters.items():
        out[f"parameter {k}"] = repr(v) if not isinstance(v, str) else v
    if data is not None and Path(data).is_dir():
        out["data fingerprint (SHA-256)"] = Workspace(data).fingerprint()
    out["carelib version"] = __version__
    out["git commit"] = git_commit(Path(__file__).parent)
    if started is not None:
        when = _dt.datetime.fromtimestamp(started, tz=_dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        out["run started"] = when
    if seconds is not None:
        out["run time"] = f"{seconds:.1f} s"
    out.update({k: str(v) for k, v in (extra or {}).items()})
    return out


@dataclass
class Section:
    """One rendered part of a report (a notebook's outputs and narrative, without code)."""

    title: str
    body_html: str
    anchor: str
    findings: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_notebook(cls, nb: nbformat.NotebookNode, name: str, title: str | None = None) -> Section:
        from nbconvert import HTMLExporter

        from carelib.findings import read_findings

        exporter = HTMLExporter(
            template_name="basic",
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            exclude_anchor_links=True,
            sanitize_html=False,  # escapes all HTML wholesale; escaping happens at the source + check_offline
        )
        nb = _strip_for_report(nb)
        body, _ = exporter.from_notebook_node(nb)
        heading = title or _first_heading(nb) or Path(name).stem.replace("_", " ").capitalize()
        anchor = re.sub(r"[^a-z0-9]+", "-", Path(name).stem.lower()).strip("-")
        return cls(heading, body, anchor, read_findings(nb))


def _first_heading(nb: nbformat.NotebookNode) -> str | None:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def _strip_for_report(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what a reader should not see: parameter cells, stderr, the title cell (shown by the page)."""
    nb = nbformat.from_dict(nb)
    keep = []
    for i, cell in enumerate(nb.cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {"parameters", "injected-parameters", "report-hide"}:
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
        if i == 0 and cell.cell_type == "markdown" and cell.source.lstrip().startswith("# "):
            lines = cell.source.lstrip().splitlines()[1:]
            cell.source = "\n".join(lines)
        keep.append(cell)
    nb.cells = keep
    return nb


def _findings_html(findings: list[dict[str, Any]]) -> str:
    if not findings:
        return ""
    items = []
    for f in findings:
        label = html.escape(str(f.get("label", f.get("key", ""))))
        value = html.escape(str(f.get("text", f.get("value", ""))))
        note = f.get("note")
        note_html = f' <span class="finding-note">{html.escape(str(note))}</span>' if note else ""
        items.append(f'<li>{label}: <span class="finding-value">{value}</span>{note_html}</li>')
    return '<div class="findings"><h2>Key findings</h2><ul>' + "".join(items) + "</ul></div>"


def _table_html(rows: dict[str, str], cls: str) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows.items())
    return f'<table class="{cls}">{body}</table>'


def render_report(
    sections: list[Section],
    *,
    title: str | None = None,
    subtitle: str | None = None,
    intro_html: str = "",
    findings: list[dict[str, Any]] | None = None,
    definitions: pd.DataFrame | None = None,
    provenance: dict[str, str] | None = None,
) -> str:
    """Assemble one self-contained HTML page.

    Key findings (given, or gathered from the sections) come first, then a table of
    contents, the sections, the definitions appendix and the provenance footer.
    ``intro_html`` is trusted markup produced by carelib (e.g. a case card), inserted
    after the findings.
    """
    title = title or (sections[0].title if sections else "carekit report")
    all_findings = findings if findings is not None else [f for s in sections for f in s.findings]
    toc = "".join(f'<li><a href="#{s.anchor}">{html.escape(s.title)}</a></li>' for s in sections)
    if definitions is not None and not definitions.empty:
        toc += '<li><a href="#definitions">Definitions</a></li>'
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if subtitle:
        parts.append(f'<p class="subtitle">{html.escape(subtitle)}</p>')
    parts.append(_findings_html(all_findings))
    parts.append(intro_html)
    if len(sections) > 1 or (definitions is not None and not definitions.empty):
        parts.append(f'<nav class="toc"><strong>Contents</strong><ol>{toc}</ol></nav>')
    for s in sections:
        heading = f"<h2>{html.escape(s.title)}</h2>" if len(sections) > 1 else ""
        parts.append(f'<section class="notebook" id="{s.anchor}">{heading}{s.body_html}</section>')
    if definitions is not None and not definitions.empty:
        parts.append('<section id="definitions"><h2>Definitions</h2>')
        parts.append(definitions.to_html(index=False, escape=True, border=0))
        parts.append("</section>")
    if provenance:
        parts.append('<footer class="provenance"><h3>Provenance</h3>')
        parts.append(_table_html(provenance, "provenance"))
        parts.append("</footer>")
    parts.append("</main></body></html>")
    page = "\n".join(p for p in parts if p)
    problems = check_offline(page)
    if problems:
        raise RunError("report would not be self-contained: " + "; ".join(problems[:5]))
    return page


def check_offline(page: str) -> list[str]:
    """Problems that would make a page unsafe or not self-contained: scripts, event handlers, external URLs."""
    problems = []
    for rx, what in ((_SCRIPT, "script or event handler"), (_EXTERNAL, "external URL"), (_CSS_URL, "CSS url()")):
        for m in rx.finditer(page):
            start = max(0, m.start() - 40)
            problems.append(f"{what} at character {m.start()}: {page[start:m.end() + 40]!r}")
    return problems


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise

"""Self-contained HTML reports: key findings first, no code, offline, sanitised.

A report is one HTML file: the report's own inline CSS, images inline as ``data:`` URIs,
no script and no URL that leaves the machine. Notebook sections are rendered by
nbconvert's ``basic`` template without code (inputs and prompts excluded).

Customer text is escaped where it enters HTML (pandas escapes table cells; carelib
escapes what it displays; notebooks pass data through :func:`escape_md`), but a report
does not rely on that: :func:`render_report`, the one place a page is assembled, passes
every fragment through :func:`sanitize_html`, an allow-list sanitiser (nh3, i.e.
Ammonia) that keeps a fixed set of tags and attributes, links only to ``#fragments``
and images only as PNG/JPEG ``data:`` URIs, and drops everything else: scripts, styles,
``meta``/``link``/``base``, frames, forms, event handlers, ``style`` attributes. Hostile
text therefore never blocks a report: it is shown, inert, or dropped. A
Content-Security-Policy (no script, no fetch, no form, no ``base``, images from ``data:``
only) backs this up in the browser. :func:`check_offline` re-checks the
sanitised page; if it ever finds something, that is a carelib bug and the report is
refused naming the fragment.
"""

from __future__ import annotations

import datetime as _dt
import html
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from carelib import __version__
from carelib.errors import RunError
from carelib.report.look import css_variables

if TYPE_CHECKING:
    import nbformat

__all__ = [
    "Section",
    "render_report",
    "provenance",
    "check_offline",
    "sanitize_html",
    "CONTENT_SECURITY_POLICY",
    "git_commit",
    "escape_md",
    "md",
    "inline_markdown",
]

_CSS = """
:root{VARS}
*{box-sizing:border-box}
body{margin:0;background:var(--soft);color:var(--ink);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1000px;margin:0 auto;background:#fff;padding:32px 48px 48px;min-height:100vh}
h1{font-size:1.9em;margin:.2em 0 .1em} h2{font-size:1.4em;margin-top:1.8em;border-bottom:1px solid var(--rule);padding-bottom:.2em}
h3{font-size:1.15em;margin-top:1.4em} .subtitle{color:var(--muted);margin:0 0 1.2em}
a{color:var(--link)} a.anchor-link{display:none}
img{max-width:100%;height:auto}
.table{margin:.6em 0 1.2em;max-width:100%}
table{border-collapse:collapse;font-size:.86em;font-variant-numeric:tabular-nums;max-width:100%}
table.carekit{width:auto}
caption{caption-side:top;text-align:left;font-weight:600;color:var(--ink);padding:0 0 .35em;font-size:1.05em}
th,td{border-bottom:1px solid var(--rule);padding:3px 6px;vertical-align:top;overflow-wrap:break-word}
td.txt,tbody th.txt{min-width:6em;overflow-wrap:anywhere} td.long{min-width:12em}
table.dense{font-size:.78em} table.dense th,table.dense td{padding:2px 4px}
.table{overflow-x:auto}
thead th{background:var(--soft);font-weight:600;vertical-align:bottom;overflow-wrap:anywhere}
td.num,th.num{text-align:right} td.num{white-space:nowrap} td.txt,th.txt{text-align:left}
tbody th{font-weight:600;text-align:left}
tbody tr:nth-child(even){background:#fafbfc}
tbody tr.hl{background:var(--highlight)} tbody tr.hl th:first-child::before{content:"● ";color:var(--accent)}
td ul,th ul{margin:0;padding-left:1.1em;text-align:left} td li{margin:0}
td ul.inline{padding:0;list-style:none;display:inline} td ul.inline li{display:inline}
td ul.inline li:not(:last-child)::after{content:", "}
.table-note{color:var(--muted);font-size:.82em;margin:.2em 0}
.trends{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:8px;margin:.5em 0 1em}
.table-caption{font-weight:600;margin:.2em 0}
details{margin:.4em 0} summary{cursor:pointer;color:var(--link)}
details.more-rows summary{font-size:.88em}
details.appendix{border-top:1px solid var(--rule);padding-top:.4em;margin-top:1em}
details.appendix>summary{font-weight:600;color:var(--ink)}
.findings{background:#eef4fa;border-left:4px solid var(--line);padding:12px 20px;margin:1em 0 1.5em}
.findings h2{border:0;margin-top:.2em} .findings li{margin:.25em 0}
.finding-value{font-weight:600} .finding-note{color:var(--muted)}
nav.toc{font-size:.92em;margin:0 0 1.5em} nav.toc ol{margin:.3em 0;padding-left:1.4em}
section.notebook{margin-top:2em}
.jp-OutputArea-output pre,pre{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--soft);padding:8px 10px;border-radius:4px;font-size:.85em}
.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]{display:none} .output_stderr{display:none}
.case-card{border-left:4px solid var(--accent);padding:.5em 1em;background:#fbf6f3}
.brief{border:1px solid var(--rule);padding:16px 24px;margin:0 0 1.5em;background:#fff}
.brief h2{margin-top:.2em;border:0;font-size:1.3em} .brief h3{margin:.8em 0 .3em;font-size:1.05em}
.brief ol,.brief ul{margin:.2em 0;padding-left:1.3em} .brief li{margin:.2em 0}
.brief .case-quote{border-left:4px solid var(--accent);background:#fbf6f3;padding:.4em .8em;margin:.3em 0}
.signal{color:var(--accent-ink);font-weight:600} .noise{color:var(--muted)} .better{color:var(--good-ink);font-weight:600}
.tag{display:inline-block;border:1px solid currentColor;border-radius:3px;padding:0 4px;font-size:.78em;margin-left:4px}
footer.provenance{margin-top:3em;border-top:2px solid var(--rule);padding-top:1em;color:var(--muted);font-size:.85em}
footer.provenance table{font-size:1em} footer.provenance td{text-align:left;word-break:break-all}
@media (max-width:700px){main{padding:16px 14px} .brief{padding:10px 12px}}
@media print{body{background:#fff;font-size:12px} main{padding:0;max-width:none} nav.toc{display:none}
 .brief{break-after:page;border:0;padding:0;font-size:10.5px;line-height:1.4} .brief h2{font-size:15px;margin:0}
 .brief h3{font-size:12px;margin:.5em 0 .2em} .brief li{margin:.1em 0} .brief .table{margin:.3em 0}
 table,figure,img,tr,.case-card{break-inside:avoid}
 h2,h3{break-after:avoid}}
""".replace("VARS", css_variables())

# No script, no fetch, no frame; images from data: only. Inline styles stay allowed: the page's own <style> and
# the print stylesheet carelib.report.browser.to_pdf adds to a copy; the sanitiser strips styles from content. base-uri
# and form-action do not fall back to default-src, so they are named: a <base> would send even "#fragment"
# links elsewhere, and a form would submit.
CONTENT_SECURITY_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

# The allow-list: what nbconvert's basic template, pandas tables and carelib's own cards and findings use.
_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del", "details",
    "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var",
})
_ATTRIBUTES = {
    "*": {"class"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "table": {"border"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    "details": {"open"},
    "div": {"tabindex"},  # "0" only: a table that scrolls sideways on a phone can be scrolled from the keyboard
}
# Dropped with their content (the rest of what is not allowed is dropped keeping its text).
_DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "template", "noscript", "iframe", "frame", "frameset", "object", "embed", "applet", "svg",
    "math", "title", "textarea", "select", "noembed", "noframes", "xmp", "plaintext",
})
# Classes of the page's own frame: content may not borrow them to pass itself off as key findings or provenance.
_PAGE_CLASSES = frozenset({"findings", "finding-value", "finding-note", "subtitle", "toc", "provenance", "practice",
                           "brief", "verdict", "case-quote", "shows", "todo"})
_IMAGE_URI = re.compile(r"data:image/(?:png|jpeg);base64,[A-Za-z0-9+/=\s]*\Z")
_FRAGMENT_URI = re.compile(r"#[^\s\x00-\x1f\\]*\Z")
_CLASS_NAME = re.compile(r"[A-Za-z_][\w-]*\Z")
_NUMBER = re.compile(r"\d{1,4}\Z")
_SCOPES = frozenset({"row", "col", "rowgroup", "colgroup"})
_IMG_TAG = re.compile(r"""<img((?:\s+[\w:-]+="[^"]*")*)\s*/?>""")


def _attribute_filter(own_classes: bool):
    def keep(tag: str, name: str, value: str) -> str | None:
        if name == "href":
            return value if _FRAGMENT_URI.match(value) else None
        if name == "src":
            return value if _IMAGE_URI.match(value) else None
        if name == "class":
            kept = [c for c in value.split() if _CLASS_NAME.match(c) and (own_classes or c not in _PAGE_CLASSES)]
            return " ".join(kept) or None
        if name == "scope":
            return value if value in _SCOPES else None
        if name == "tabindex":
            return "0" if value == "0" else None
        if name in ("colspan", "rowspan", "border", "width", "height", "start"):
            return value if _NUMBER.match(value) else None
        return value  # alt, open: plain text, escaped on output

    return keep


def _image_or_alt(m: re.Match[str]) -> str:
    """An image whose source was dropped would show as broken: its alt text stands in for it."""
    if ' src="' in m.group(1):
        return m.group(0)
    alt = re.search(r' alt="([^"]*)"', m.group(1))  # serialised values escape '"' and '&', not '<'
    return html.escape(html.unescape(alt.group(1)), quote=False) if alt else ""


def sanitize_html(fragment: str, *, own_classes: bool = False) -> str:
    """``fragment`` reduced to the report's allow-list of tags and attributes (nh3, i.e. Ammonia).

    Kept: text, tables, headings, lists, paragraphs, ``pre``/``code``, emphasis,
    ``details``/``summary``, ``figure``/``img``, ``div``/``span``/``section`` with classes;
    ``a`` only with an ``href`` to a ``#fragment`` of the page; ``img`` only with a PNG or
    JPEG ``data:`` URI. Dropped: every other tag (``script``, ``style``, ``meta``, ``link``,
    ``base``, ``iframe``, ``object``, ``form``, ``svg`` ... with their content), every
    other attribute (event handlers, ``style``, ``id``, ``target``), comments.

    Parameters
    ----------
    fragment : str
        HTML from a notebook section or from carelib.
    own_classes : bool
        True for markup carelib builds for the page's frame (findings box, practice,
        provenance), which may use the page's own classes (``findings`` ...).

    Returns
    -------
    str
        The sanitised fragment.

    Examples
    --------
    >>> sanitize_html('<p onclick="x()">Hi <a href="javascript:x()">a</a><script>x()</script></p>')
    '<p>Hi <a>a</a></p>'
    >>> sanitize_html('<a href="#definitions">Definitions</a><style>main{display:none}</style>')
    '<a href="#definitions">Definitions</a>'
    """
    import nh3

    clean = nh3.clean(
        fragment,
        tags=set(_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={k: set(v) for k, v in _ATTRIBUTES.items()},
        attribute_filter=_attribute_filter(own_classes),
        url_schemes={"data"},
        link_rel=None,
        strip_comments=True,
    )
    return _IMG_TAG.sub(_image_or_alt, clean)


# check_offline reads the serialised page tag by tag (quoted values may hold ">").
_TAG = re.compile(r"""<([a-zA-Z][\w:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_ATTR = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.I | re.S)
_REFUSED_TAGS = frozenset({
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "link", "form", "input", "button",
    "textarea", "select", "svg", "math", "template", "noscript", "video", "audio", "source", "track", "picture",
    "portal", "canvas",
})
_URL_ATTRIBUTES = frozenset({
    "src", "href", "action", "formaction", "poster", "srcset", "background", "xlink:href", "data", "ping",
    "longdesc", "lowsrc", "dynsrc", "manifest", "codebase", "icon",
})
_UNSAFE_CSS = re.compile(r"@import|url\s*\(|expression\s*\(|\\|behavior\s*:|-moz-binding|position\s*:\s*fixed", re.I)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def escape_md(value: object) -> str:
    r"""Data (customer text, file values) made inert for Markdown: HTML escaped, Markdown marks escaped.

    Every piece of data that goes into a ``Markdown(...)`` display passes through this one
    helper (or :func:`md`), so a value can neither open an HTML tag nor start a link,
    a heading or emphasis. Line breaks become spaces.

    Examples
    --------
    >>> escape_md('<script>x</script> [click](javascript:alert(1)) *bold*')
    '&lt;script&gt;x&lt;/script&gt; \\[click\\]\\(javascript:alert\\(1\\)\\) \\*bold\\*'
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = " ".join(str(value).split())
    return html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=True)


def md(template: str, /, **values: object) -> str:
    """Fill a trusted Markdown ``template`` with data values, each escaped by :func:`escape_md`.

    Examples
    --------
    >>> md("**{n} interviews**: {who}", n=3, who="<b>Ruth</b>")
    '**3 interviews**: &lt;b&gt;Ruth&lt;/b&gt;'
    """
    return template.format(**{k: escape_md(v) for k, v in values.items()})


def inline_markdown(text: str) -> str:
    """One trusted Markdown paragraph as inline HTML (no ``<p>``), e.g. a table's caption or a section's lead.

    Not trusted for being ours: like every fragment it is sanitised where the page is assembled
    (:func:`render_report`).

    Examples
    --------
    >>> inline_markdown("**Rows read** by table")
    '<strong>Rows read</strong> by table'
    """
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    out = markdown2html_mistune(text).strip()
    return out[3:-4].strip() if out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1 else out


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
    """The provenance footer: parameters, data fingerprint, code version, run time.

    Parameters
    ----------
    parameters : dict
        The run's parameters; each becomes ``"parameter <name>"`` (strings as they are, lists
        as ``a, b, c``, other values by ``str``).
    data : str or Path, optional
        The workspace folder; when it exists, its SHA-256 fingerprint is added.
    started : float, optional
        Start of the run as a POSIX timestamp (seconds), shown in UTC.
    seconds : float, optional
        Run time in seconds.
    extra : dict, optional
        Further rows, values turned into strings.

    Returns
    -------
    dict of str to str
        Label → value in footer order: parameters, ``data fingerprint (SHA-256)``,
        ``carelib version``, ``git commit``, ``run started``, ``run time``, then ``extra``.
    """
    from carelib.data.tables import Workspace

    out: dict[str, str] = {}
    for k, v in parameters.items():
        out[f"parameter {k}"] = _said(v)
    if data is not None and Path(data).is_dir():
        out["data fingerprint (SHA-256)"] = Workspace(data).fingerprint()
    out["carelib version"] = __version__
    out["git commit"] = git_commit(Path(__file__).resolve().parents[1])
    if started is not None:
        when = _dt.datetime.fromtimestamp(started, tz=_dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        out["run started"] = when
    if seconds is not None:
        out["run time"] = f"{seconds:.1f} s"
    out.update({k: str(v) for k, v in (extra or {}).items()})
    return out


def _said(value: Any) -> str:
    """A parameter value as a reader reads it: a list as ``a, b, c`` (``none`` when empty), not a Python repr.

    Examples
    --------
    >>> [_said(v) for v in (["region", "plan"], [], "2026-W47", 0.95, True)]
    ['region, plan', 'none', '2026-W47', '0.95', 'True']
    """
    if isinstance(value, (list, tuple, set)):
        return ", ".join(_said(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_said(v)}" for k, v in value.items()) or "none"
    return value if isinstance(value, str) else str(value)


@dataclass
class Section:
    """One rendered part of a report (a notebook's outputs and narrative, without code)."""

    title: str
    body_html: str
    anchor: str
    findings: list[dict[str, Any]] = field(default_factory=list)
    #: the outputs of cells tagged ``report-detail``: shown collapsed at the end of the section
    detail_html: str = ""
    #: carelib-made Markdown-rendered HTML around the body: what the section shows, what to do with it
    lead_html: str = ""
    after_html: str = ""

    @classmethod
    def from_notebook(cls, nb: nbformat.NotebookNode, name: str, title: str | None = None) -> Section:
        """The section of an executed notebook: its outputs and markdown, without code or parameters.

        Parameters
        ----------
        nb : NotebookNode
            The executed notebook; it is not changed. Cells tagged ``parameters``,
            ``injected-parameters`` or ``report-hide`` and stderr outputs are left out.
        name : str
            The notebook's file name; its stem makes the anchor (and the title when there is no
            other).
        title : str, optional
            Section title; default the notebook's first ``# `` heading (dropped from the body),
            else the file stem in words.

        Returns
        -------
        Section
            ``title``, ``body_html`` (nbconvert's basic template, not yet sanitised: see
            :func:`render_report`), ``anchor`` and the notebook's ``findings``.
        """
        from nbconvert import HTMLExporter

        from carelib.report.findings import read_findings

        exporter = HTMLExporter(
            template_name="basic",
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            exclude_anchor_links=True,
            sanitize_html=False,  # nbconvert's would escape all HTML wholesale; render_report sanitises instead
        )
        nb = _strip_for_report(nb)
        import nbformat  # lazily: kernels import this module to publish, and nbformat costs 2 s to import

        main, detail = nbformat.from_dict(nb), nbformat.from_dict(nb)
        main.cells = [c for c in nb.cells if "report-detail" not in c.get("metadata", {}).get("tags", [])]
        detail.cells = [c for c in nb.cells if "report-detail" in c.get("metadata", {}).get("tags", [])]
        body, _ = exporter.from_notebook_node(main)
        more = exporter.from_notebook_node(detail)[0] if detail.cells and _has_output(detail) else ""
        heading = title or _first_heading(nb) or Path(name).stem.replace("_", " ").capitalize()
        anchor = re.sub(r"[^a-z0-9]+", "-", Path(name).stem.lower()).strip("-")
        return cls(heading, body, anchor, read_findings(nb), detail_html=more)


def _has_output(nb: nbformat.NotebookNode) -> bool:
    return any(c.cell_type == "markdown" or c.get("outputs") for c in nb.cells)


def _first_heading(nb: nbformat.NotebookNode) -> str | None:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def _strip_for_report(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what a reader should not see: parameter cells, stderr, the title cell (shown by the page)."""
    import nbformat

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
    brief_html: str = "",
) -> str:
    """Assemble one self-contained HTML page.

    Key findings (given, or gathered from the sections) come first, then a table of
    contents, the sections, the definitions appendix and the provenance footer.
    ``intro_html`` is markup produced by carelib (e.g. the playbook's practice), inserted
    after the findings. Every fragment passes :func:`sanitize_html`; the frame around
    them (title, contents, section headings) is built here from escaped strings.
    Raises :class:`RunError` naming the fragment only if the sanitised page still fails
    :func:`check_offline`, which would be a bug in carelib, never a property of the data.

    Parameters
    ----------
    sections : list of Section
        The parts of the report, in order (from :meth:`Section.from_notebook`).
    title : str, optional
        Page title; default the first section's title, else ``"carekit report"``.
    subtitle : str, optional
        A line under the title (escaped).
    intro_html : str
        carelib-made markup after the findings (sanitised).
    findings : list of dict, optional
        Key findings (from :func:`carelib.report.findings.finding`); default those of the
        sections.
    definitions : DataFrame, optional
        Appendix of metric definitions, shown as an escaped table.
    provenance : dict of str to str, optional
        Footer rows (from :func:`provenance`).
    brief_html : str
        The one-page brief (:func:`carelib.report.brief.render_brief`); when given it takes the
        place of the key-findings box.

    Returns
    -------
    str
        The whole HTML page (UTF-8, no external resource, a strict Content-Security-Policy).
    """
    title = title or (sections[0].title if sections else "carekit report")
    all_findings = findings if findings is not None else [f for s in sections for f in s.findings]
    has_definitions = definitions is not None and not definitions.empty
    toc = "".join(f'<li><a href="#{html.escape(s.anchor)}">{html.escape(s.title)}</a></li>' for s in sections)
    if has_definitions:
        toc += '<li><a href="#definitions">Definitions</a></li>'
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if subtitle:
        parts.append(f'<p class="subtitle">{html.escape(subtitle)}</p>')
    if brief_html:
        parts.append(_clean("brief", brief_html, own_classes=True))
    else:
        parts.append(_clean("key findings", _findings_html(all_findings), own_classes=True))
    parts.append(_clean("introduction", intro_html, own_classes=True))
    if len(sections) > 1 or has_definitions:
        parts.append(f'<nav class="toc"><strong>Contents</strong><ol>{toc}</ol></nav>')
    for s in sections:
        heading = f"<h2>{html.escape(s.title)}</h2>" if len(sections) > 1 else ""
        lead = _clean(f"section {s.anchor!r} lead", s.lead_html, own_classes=True)
        body = _clean(f"section {s.anchor!r}", s.body_html)
        if s.detail_html:
            body += ('<details class="appendix"><summary>Detail: the full tables and how they were made</summary>'
                     + _clean(f"section {s.anchor!r} detail", s.detail_html) + "</details>")
        after = _clean(f"section {s.anchor!r} what to do", s.after_html, own_classes=True)
        parts.append(f'<section class="notebook" id="{html.escape(s.anchor)}">{heading}{lead}{body}{after}</section>')
    if has_definitions:
        from carelib.report.tables import render_table

        table = render_table(definitions, "How each metric is defined, with its interval and reference",
                             visible_rows=len(definitions))
        parts.append('<section id="definitions"><h2>Definitions</h2><details class="appendix"><summary>'
                     f'{len(definitions)} metric definitions</summary>{_clean("definitions", table)}</details></section>')
    if provenance:
        table = _clean("provenance", _table_html(provenance, "provenance"), own_classes=True)
        parts.append('<footer class="provenance"><details><summary>Provenance: parameters, data fingerprint, '
                     f'versions, run id</summary>{table}</details></footer>')
    parts.append("</main></body></html>")
    page = "\n".join(p for p in parts if p)
    problems = check_offline(page)
    if problems:  # the frame itself: also a carelib bug
        raise RunError("report would not be self-contained (a carelib bug): " + "; ".join(problems[:5]))
    return page


def _clean(name: str, fragment: str, *, own_classes: bool = False) -> str:
    """One fragment sanitised and re-checked; a problem left after sanitising is a carelib bug."""
    if not fragment:
        return ""
    clean = sanitize_html(fragment, own_classes=own_classes)
    problems = check_offline(clean)
    if problems:
        raise RunError(f"report fragment {name} is unsafe after sanitising (a carelib bug, please report it): "
                       + "; ".join(problems[:5]))
    return clean


def check_offline(page: str) -> list[str]:
    """Problems that would make a page unsafe or not self-contained.

    Refused: script, frame, object, form, ``base``, ``link``, ``svg`` ... elements; a
    ``meta`` other than charset, viewport and Content-Security-Policy; event handlers and
    ``style`` attributes; a link other than to a ``#fragment``; any other URL other than
    a PNG/JPEG ``data:`` image; a stylesheet outside the page's head, more than one, or
    one that imports, loads a URL, escapes characters or fixes an element over the page.

    This is an assertion on a sanitised page (:func:`render_report` runs it), not the
    security boundary: it reads markup as serialised by the sanitiser. Escaped customer
    text (``&lt;img onerror=...``) holds no ``<`` and cannot match.

    Examples
    --------
    >>> check_offline('<p>ok <a href="#s">s</a></p>')
    []
    >>> check_offline('<a href="https://example.com">x</a>')[0].split(" at ")[0]
    "link to 'https://example.com'"
    """
    problems = []
    for tag in _TAG.finditer(page):
        name = tag.group(1).lower()
        where = f"at character {tag.start()}: {tag.group(0)[:120]!r}"
        if name in _REFUSED_TAGS:
            problems.append(f"<{name}> element {where}")
        attrs = {a.group(1).lower(): html.unescape(next((v for v in a.group(2, 3, 4) if v is not None), ""))
                 for a in _ATTR.finditer(tag.group(2))}
        if name == "meta" and not ("charset" in attrs or attrs.get("name") == "viewport"
                                   or attrs.get("http-equiv", "").lower() == "content-security-policy"):
            problems.append(f"<meta> {where}")
        for attr, value in attrs.items():
            if attr.startswith("on"):
                problems.append(f"event handler {attr} {where}")
            elif attr == "style":
                problems.append(f"style attribute {where}")
            elif attr == "href" and not _FRAGMENT_URI.match(value):
                problems.append(f"link to {value[:60]!r} {where}")
            elif attr in _URL_ATTRIBUTES - {"href"} and not (attr == "src" and _IMAGE_URI.match(value)):
                problems.append(f"URL in {attr}={value[:60]!r} {where}")
    head_end = page.find("</head>")
    sheets = list(_STYLE_ELEMENT.finditer(page))
    if len(sheets) > 1:
        problems.append(f"{len(sheets)} stylesheets, expected the report's own only")
    for sheet in sheets:
        if sheet.start() > head_end:  # a fragment, or a page's body: the page's one stylesheet is in its head
            problems.append(f"stylesheet outside the head at character {sheet.start()}: {sheet.group(0)[:80]!r}")
        bad = _UNSAFE_CSS.search(sheet.group(1))
        if bad:
            problems.append(f"stylesheet holds {bad.group(0)!r}")
    return problems

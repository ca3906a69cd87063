"""No planted personal value reaches what leadership reads (issue 14, "Trustworthy under attack").

A small demo workspace (``tests/hostile.py``, shared with the injection corpus) gets a corpus of distinctive personal values (``fixtures/pii/corpus.yml``:
e-mails, phones in several formats, Luhn and card-like numbers, IBANs in upper and lower case, street
addresses, roster names with curly apostrophes and diacritics, handles, URLs) in every customer-text field
the four playbooks read: recoveries, complaints, reviews, ticket messages (customers' and agents'), survey
comments (and a score cell, so the data section lists an excluded row's value), interview transcripts and
participant attributes; the injection payloads follow each planted sentence. Then all four playbooks run,
and the two notebooks with CSV exports run once more with ``export_dir`` (the playbooks do not pass it). No planted
value, nor its digits-only, case-folded, accent-folded or apostrophe-folded form, may appear in a report,
a ``findings.json``, an executed notebook's outputs or a CSV export.

The same run checks that customer-controlled segment values stay inert (no raw tag in a Markdown output)
and that no exported CSV cell can start a spreadsheet formula.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT
from tests.hostile import CORPUS

NUMBER_KINDS = ("phone", "card", "iban")

# Planted value -> why it may still leak, for values only a pending change of carelib/text/redact.py will catch
# (marked xfail, strict: an entry that stops leaking fails the run, so the list cannot go stale). Empty: with the
# rewritten Redactor (street addresses, cards failing Luhn, lower-case IBANs, curly and accented names) in the
# tree, every planted value is caught.
AWAITING_REDACTOR: dict[str, str] = {}


def _fold(text: str) -> str:
    """Case-, accent- and apostrophe-folded, whitespace collapsed."""
    text = text.replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("Ø", "O").replace("đ", "d")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = re.sub(r"[’‘`´]", "'", text.casefold())
    return " ".join(text.split())


def _digits_joined(text: str) -> str:
    """Digits with the separators people write inside numbers removed (``+44 (0)30 1234-5678`` → ``4403012345678``)."""
    return re.sub(r"(?<=\d)[ \u00a0().\-/+]{1,2}(?=\d)", "", text)


def _compact(text: str) -> str:
    """Folded text with single spaces and dashes between letters and digits removed (IBANs as one token)."""
    return re.sub(r"(?<=[0-9a-z])[ \-](?=[0-9a-z])", "", _fold(text))


def _planted() -> list[tuple[str, str]]:
    """(kind, value) of every planted value, names of the customer and participant rosters included."""
    out = []
    for kind, spec in CORPUS["kinds"].items():
        values = CORPUS["roster_names"] if spec["values"] == "roster_names" else spec["values"]
        out += [(kind, str(v)) for v in values]
    people = pd.read_csv(ROOT / "data" / "demo" / "participants.csv")
    out += [("participant", n) for n in people["name"]]
    out += [("participant", n) for n in CORPUS["participant_rename"].values()]
    for attrs in CORPUS["participant_attributes"].values():
        out += [("attribute", str(v)) for v in attrs.values()]
    return out


PLANTED = _planted()


def _needles(kind: str, value: str) -> list[tuple[str, str]]:
    """(how, needle) pairs to look for: the folded value; digits only for numbers; name parts as whole words."""
    found = [("folded", _fold(value))]
    digits = re.sub(r"\D", "", value)
    if kind in NUMBER_KINDS or (kind == "attribute" and len(digits) >= 8):
        found.append(("digits", digits))
    if kind == "iban":
        found.append(("compact", _compact(value)))
    if kind in ("name", "participant"):
        found += [("name part", p) for p in re.split(r"[\s\-]+", _fold(value)) if len(p.strip("'")) >= 4]
    return found


# ---- running and reading what leadership gets -----------------------------------------------------------


@pytest.fixture(scope="module")
def artefacts(hostile_runs) -> dict[str, str]:
    """Every file leadership reads, as stored: path → text (executed notebooks: their outputs only)."""
    base = hostile_runs.base
    for name, run in hostile_runs.runs.items():
        assert not isinstance(run, BaseException) and run.status == "ok", (name, run)
    files: dict[str, str] = {}
    for p in sorted([*(base / "runs").rglob("*"), *hostile_runs.notebooks.glob("*")]):
        if not p.is_file() or ".cache" in p.parts:
            continue
        if p.suffix == ".ipynb":
            files[str(p.relative_to(base))] = _notebook_outputs(p)
        elif p.suffix in (".html", ".json"):
            files[str(p.relative_to(base))] = p.read_text(encoding="utf-8")
    csvs = sorted(hostile_runs.export.glob("*.csv"))
    assert {p.name for p in csvs} == {"recovery_backlog.csv", "high_touch.csv", "user_stories.csv"}
    for p in csvs:
        files[str(p.relative_to(base))] = p.read_text(encoding="utf-8")
    return files


@pytest.fixture(scope="module")
def outputs(artefacts) -> dict[str, str]:
    """The same files as a reader sees them: entities and Markdown escapes undone, embedded images left out."""
    return {k: _readable(v) for k, v in artefacts.items()}


def _notebook_outputs(path: Path) -> str:
    """The outputs of an executed notebook that a report is built from: the richest text of each, and streams."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            for mime in ("text/html", "text/markdown", "image/svg+xml", "text/plain"):
                if mime in data:
                    parts.append("".join(data[mime]))
                    break
            if "text" in out:
                parts.append("".join(out["text"]))
            if "application/json" in data:
                parts.append(json.dumps(data["application/json"], ensure_ascii=False))
    return "\n".join(parts)


def _readable(text: str) -> str:
    text = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+", "", text)  # embedded images are not text
    if text.lstrip().startswith(("{", "[")):
        try:  # findings.json: the strings as a reader sees them, not JSON escapes
            text = json.dumps(json.loads(text), ensure_ascii=False)
        except json.JSONDecodeError:
            pass
    text = html.unescape(html.unescape(text))
    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!|~])", r"\1", text)  # Markdown escapes


def _hits(outputs: dict[str, str], kind: str, value: str) -> list[str]:
    hits = []
    for name, text in outputs.items():
        folded, stripped = _fold(text), _fold(re.sub(r"<[^>]+>", "", text))
        for how, needle in _needles(kind, value):
            if how == "digits":
                found = needle in _digits_joined(text)
            elif how == "compact":
                found = needle in _compact(text)
            elif how == "name part":
                found = any(re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", t) for t in (folded, stripped))
            else:
                found = needle in folded or needle in stripped
            if found:
                hits.append(f"{name} ({how}: {needle!r})")
    return hits


def _params() -> list:
    return [pytest.param(kind, value, id=f"{kind}:{value}",
                         marks=[pytest.mark.xfail(reason=AWAITING_REDACTOR[value], strict=True)]
                         if value in AWAITING_REDACTOR else [])
            for kind, value in PLANTED]


# ---- the checks ----------------------------------------------------------------------------------------------


def test_corpus_is_large_and_varied():
    kinds = {k for k, _ in PLANTED}
    assert len(PLANTED) >= 40 and {"email", "phone", "card", "iban", "address", "handle", "url", "name"} <= kinds


@pytest.mark.notebook
def test_the_corpus_reached_the_outputs(outputs):
    """The check below is not vacuous: planted text flowed into the reports and CSVs, redacted."""
    every = "\n".join(outputs.values())
    for marker in ("[email]", "[phone]", "[card]", "[url]", "[handle]", "Customer "):
        assert marker in every, marker
    stories = outputs[next(k for k in outputs if k.endswith("recovery_backlog.csv"))]
    assert "[" in stories  # stories are built from planted (redacted) recovery text


@pytest.mark.notebook
@pytest.mark.parametrize(("kind", "value"), _params())
def test_no_planted_value_reaches_leadership(outputs, kind, value):
    hits = _hits(outputs, kind, value)
    assert not hits, f"{kind} {value!r} found in: " + "; ".join(hits[:6])


@pytest.mark.notebook
def test_interviews_show_no_file_names(outputs):
    stems = [p.stem for p in (ROOT / "data" / "demo" / "interviews").iterdir()]
    for name, text in outputs.items():
        assert not [s for s in stems if s in text], name


@pytest.mark.notebook
def test_segment_values_stay_inert(artefacts):
    """A tag typed into a participant's plan is shown as text, never as markup."""
    # CSV and findings.json are data, not markup (findings.json holds segment values as typed; the report escapes them)
    rendered = {name: text for name, text in artefacts.items() if not name.endswith((".csv", ".json"))}
    assert [name for name, text in rendered.items() if "&lt;img src=x" in text]  # it reached the outputs, escaped
    for name, text in rendered.items():
        assert not re.search(r"<img\s+src=x", text, re.I), name


@pytest.mark.notebook
def test_no_exported_cell_can_start_a_formula(artefacts):
    for name, text in artefacts.items():
        if name.endswith(".csv"):
            for row in csv.reader(io.StringIO(text, newline="")):
                bad = [c for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.fullmatch(r"[+-]?[\d.]+", c)]
                assert not bad, (name, bad)

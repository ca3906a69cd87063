"""One hostile workspace for the attack corpora: personal data and injection payloads in every customer-text field.

Building it and running the four playbooks (plus the two notebooks that export CSV) on it is the most expensive
fixture of the suite, so the PII corpus (``tests/test_pii_corpus.py``) and the injection corpus
(``tests/test_injection.py``) share one build: both files are one xdist group (``tests/conftest.py``), and the
session fixture ``hostile_runs`` runs once. The workspace is the demo generator's output at a quarter of the demo's
size (same interviews and participants, the same truths in shape): these checks are about what reaches the page,
not about the demo's numbers, which ``tests/test_playbooks_real.py`` and nbval check on the full demo.

Every text cell gets its planted PII sentence first and its payload last, so a payload that swallows the text after
it (an unclosed ``<noscript>``) cannot hide a personal value from the PII check.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from tests.conftest import ROOT

PAYLOADS: list[dict[str, str]] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "injection" / "payloads.yml").read_text(encoding="utf-8"))["payloads"]
CORPUS = yaml.safe_load((Path(__file__).parent / "fixtures" / "pii" / "corpus.yml").read_text(encoding="utf-8"))
BOOKS = ("weekly-care-review", "launch-high-touch", "research-readout", "segments-and-journeys")
EXPORTING = ("recovery_review", "interview_synthesis")
SCALE = 0.25  # of the demo workspace's size


def payload(pid: str) -> str:
    return next(p["payload"] for p in PAYLOADS if p["id"] == pid)


# ---- injection payloads ------------------------------------------------------------------------------------


def _append(values: pd.Series, offset: int) -> pd.Series:
    """Each text with a payload appended (the payloads taken in turn, so every one lands in every field)."""
    out = [v if not isinstance(v, str) or not v.strip() else f"{v} {PAYLOADS[(i + offset) % len(PAYLOADS)]['payload']}"
           for i, v in enumerate(values)]
    return pd.Series(out, index=values.index, dtype=object)


# Whole segments renamed to a payload: the value then shows up in tables, headings, findings and user stories.
RENAMED = {
    "region": ("North", payload("img-onerror")),
    "plan": ("Plus", payload("style-hide-main")),
    "channel": ("app", payload("markdown-javascript-link")),
    "team": ("A", payload("meta-refresh")),
    "tenure_band": ("1 year+", payload("fixed-overlay")),
}
HOSTILE_NAME = ("Bea Moreau", "Bea <img src=x onerror=window.__pwned=1>")  # no ':' so a transcript still parses


def _rename(table: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    for c in columns:
        if c in table.columns:
            old, new = RENAMED[c]
            table[c] = table[c].where(table[c] != old, new)
    return table


def build_hostile_workspace(demo: Path, target: Path) -> Path:
    """A copy of the demo workspace with payloads in every customer-text field the playbooks read."""
    shutil.copytree(demo, target)
    return plant_payloads(target)


def plant_payloads(target: Path, *, clean_customers: int = 0) -> Path:
    """Payloads in every customer-text field of the workspace ``target`` (in place); the first ``clean_customers``
    customers keep their names (they hold the PII corpus's roster, which must stay a clean deny-list)."""
    csv = {name: pd.read_csv(target / f"{name}.csv", dtype=str, keep_default_na=False, na_values=[""])
           for name in ("responses", "complaints", "reviews", "recoveries", "participants", "customers", "tickets", "actions")}
    t = csv["responses"]
    t["comment"] = _append(t["comment"], 0)
    _rename(t, ("region", "plan", "channel", "team"))
    t = csv["complaints"]
    t["text"] = _append(t["text"], 1)
    t["category"] = t["category"].where(t["category"] != "billing", payload("tab-javascript"))
    t = csv["reviews"]
    t["text"] = _append(t["text"], 2)
    t["product_name"] = _append(t["product_name"], 3)
    t["source"] = t["source"].where(t.index % 3 != 0, payload("markdown-image-external"))
    t = csv["recoveries"]
    for i, c in enumerate(("what_failed", "compensating_action", "learning")):
        t[c] = _append(t[c], 4 + i)
    t["outcome"] = t["outcome"].where(t["outcome"] != "unknown", payload("script"))
    t = csv["participants"]
    t["name"] = t["name"].replace(*HOSTILE_NAME)
    _rename(t, ("region", "plan", "channel", "tenure_band"))
    t = csv["customers"]
    t["name"] = _append(t["name"], 7).where((t.index % 50 == 0) & (t.index >= clean_customers), t["name"])
    _rename(t, ("region", "tenure_band"))  # a region outside the contract: the row is set aside, its value shown
    t = csv["tickets"]
    _rename(t, ("team",))
    t["category"] = t["category"].where(t["category"] != "delivery", payload("css-escaped-url"))
    t = csv["actions"]
    for i, c in enumerate(("description", "owner", "theme")):
        t[c] = _append(t[c], 8 + i)
    for name, table in csv.items():
        table.to_csv(target / f"{name}.csv", index=False)
    messages = pd.read_parquet(target / "messages.parquet")
    messages["text"] = _append(messages["text"], 11)
    messages.to_parquet(target / "messages.parquet", index=False)
    for i, path in enumerate(sorted((target / "interviews").iterdir())):
        path.write_text(_hostile_transcript(path.read_text(encoding="utf-8"), path.suffix, i), encoding="utf-8")
    return target


def _hostile_transcript(text: str, suffix: str, offset: int) -> str:
    """Every spoken line with a payload at its end (a WebVTT cue keeps its closing </v>)."""
    lines, n = [], offset
    for line in text.replace(*HOSTILE_NAME).split("\n"):
        spoken = (re.match(r"\[\d\d:\d\d:\d\d\] [^:]+: ", line) if suffix == ".txt"
                  else line.strip() and not re.match(r"WEBVTT|\d+$|\d\d:\d\d:\d\d\.\d+ -->", line))
        if spoken:
            p = PAYLOADS[n % len(PAYLOADS)]["payload"]
            n += 1
            line = line[:-4] + f" {p}</v>" if line.endswith("</v>") else f"{line} {p}"
        lines.append(line)
    return "\n".join(lines)




# ---- personal data ----------------------------------------------------------------------------------------


def pii_sentences(names: bool = True) -> list[str]:
    """One sentence per planted value; ``names=False`` leaves out the customer roster's names."""
    out = []
    for kind, spec in CORPUS["kinds"].items():
        if kind == "name" and not names:
            continue
        values = CORPUS["roster_names"] if spec["values"] == "roster_names" else spec["values"]
        out += [spec["template"].format(v=v) for v in values]
    return out


def _plant_column(frame: pd.DataFrame, column: str, sentences: list[str], offset: int = 0) -> pd.DataFrame:
    """Append a planted sentence to every non-empty text of ``column`` (empty cells stay empty: they are counted)."""
    text = frame[column].astype(object)
    has = text.map(lambda v: isinstance(v, str) and v.strip() != "")
    planted = [f"{t} {sentences[(i + offset) % len(sentences)]}" if h else t
               for i, (t, h) in enumerate(zip(text, has, strict=True))]
    return frame.assign(**{column: planted})


def _plant_interviews(folder: Path, roster: pd.DataFrame, sentences: list[str]) -> None:
    renamed = CORPUS["participant_rename"]
    people = roster[roster["role"] == "participant"]
    k = 0
    for _, p in people.iterrows():
        path = next(folder.glob(f"{p['interview_id']}.*"))
        text = path.read_text(encoding="utf-8-sig")
        name = p["name"]
        if p["participant_id"] in renamed:
            new = renamed[p["participant_id"]]
            text = text.replace(name, new).replace(name.split()[0], new.split()[0])
            name = new
        if path.suffix == ".vtt":
            def add(m: re.Match[str]) -> str:
                nonlocal k
                k += 1
                return f"{m.group(1)}{m.group(2)} {sentences[k % len(sentences)]}</v>"

            text = re.sub(rf"(<v {re.escape(name)}>)(.*?)</v>", add, text, flags=re.S)
        else:
            lines = []
            for line in text.split("\n"):
                if re.match(rf"^(\[[\d:]+\]\s*)?{re.escape(name)}:", line):
                    k += 1
                    line = f"{line} {sentences[k % len(sentences)]}"
                lines.append(line)
            text = "\n".join(lines)
        path.write_text(text, encoding="utf-8")


def plant_pii(ws: Path) -> None:
    sentences = pii_sentences()
    customers = pd.read_csv(ws / "customers.csv", dtype=str, keep_default_na=False)
    emails, phones = CORPUS["kinds"]["email"]["values"], CORPUS["kinds"]["phone"]["values"]
    for i, name in enumerate(CORPUS["roster_names"]):
        customers.loc[i, ["name", "email", "phone"]] = [name, emails[i % len(emails)], phones[i % len(phones)]]
    customers.to_csv(ws / "customers.csv", index=False)
    for table, columns in {"recoveries": ["what_failed", "compensating_action", "learning"],
                           "complaints": ["text"], "reviews": ["text"], "responses": ["comment"]}.items():
        frame = pd.read_csv(ws / f"{table}.csv", dtype=str, keep_default_na=False)
        for j, col in enumerate(columns):
            frame = _plant_column(frame, col, sentences, offset=7 * j)
        if table == "responses":  # a score cell holding a comment: the row is excluded and its value listed
            bad = frame.iloc[[0]].assign(response_id="R-PII", score=f"ten! {sentences[1]} {sentences[6]} {sentences[-1]}")
            frame = pd.concat([frame, bad], ignore_index=True)
        frame.to_csv(ws / f"{table}.csv", index=False)
    messages = pd.read_parquet(ws / "messages.parquet")
    _plant_column(messages, "text", sentences).to_parquet(ws / "messages.parquet", index=False)
    roster = pd.read_csv(ws / "participants.csv", dtype=str, keep_default_na=False)
    # interviews are redacted with the participants' roster: the names planted there are the participants' own
    # (a renamed one with accents, and one the roster lacks), not customers'
    _plant_interviews(ws / "interviews", roster, pii_sentences(names=False))
    for pid, new in CORPUS["participant_rename"].items():
        roster.loc[roster["participant_id"] == pid, "name"] = new
    for pid, attrs in {**CORPUS["participant_attributes"], **CORPUS["hostile"]}.items():
        for col, value in attrs.items():
            roster.loc[roster["participant_id"] == pid, col] = value
    roster = roster[roster["participant_id"] != CORPUS["participant_unlisted"]]
    roster.to_csv(ws / "participants.csv", index=False)

# ---- the shared build and runs ----------------------------------------------------------------------------


@dataclass
class HostileRuns:
    """The hostile workspace, each playbook's run (or the exception it raised) and the exporting notebooks' files."""

    base: Path
    workspace: Path
    runs: dict[str, object] = field(default_factory=dict)
    notebooks: Path | None = None
    export: Path | None = None


def run_hostile(base: Path) -> HostileRuns:
    """Generate the small demo, plant PII then payloads, run the four playbooks and the two exporting notebooks."""
    from carelib.demo.workspace import make_demo
    from carelib.run.notebook import run_notebook
    from carelib.run.playbook import run_playbook

    ws = base / "ws"
    make_demo(ws, seed=0, scale=SCALE)
    plant_pii(ws)
    plant_payloads(ws, clean_customers=len(CORPUS["roster_names"]))
    out = HostileRuns(base, ws, notebooks=base / "nb", export=base / "export")
    for name in BOOKS:
        try:
            out.runs[name] = run_playbook(name, {}, data=ws, runs_dir=base / "runs", playbooks_dir=ROOT / "playbooks",
                                          force=True, workers=1, progress=lambda m: None)
        except Exception as exc:  # noqa: BLE001 - reported by the test of that playbook, not here
            out.runs[name] = exc
    for nb in EXPORTING:
        run_notebook(ROOT / "notebooks" / f"{nb}.ipynb", {"export_dir": str(out.export)}, out.notebooks, data=ws)
    return out

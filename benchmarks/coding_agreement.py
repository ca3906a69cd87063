"""Agreement of carelib's automatic coder with human coders on real open-ended answers.

Data: ../shared/data/llmcode-games-as-art-coded/bopp_test.csv (174 answers to "why was it
art?", cp1252, human codes separated by ";"). The human codes are free-form (300 distinct),
so they are first grouped into code families **by the code names alone** (rules below);
carelib gets a codebook for the same families whose keywords were written from the family
definitions, not from the answers. The 19 rows the dataset's authors mark as examples are
left out; agreement is computed on the other 155.

Run: .venv/bin/python benchmarks/coding_agreement.py [--methods lexical,embeddings]
Prints a Markdown table (per family: human n, carelib n, both, percent agreement, Cohen's
kappa, Krippendorff's alpha) for docs/coding-agreement.md.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from carelib.qual.agreement import agreement  # noqa: E402
from carelib.qual.codebook import codebook_from_records  # noqa: E402
from carelib.qual.coding import auto_code  # noqa: E402

DATA = Path(os.environ.get("CAREKIT_SHARED_DATA", ROOT.parent / "shared" / "data")) / "llmcode-games-as-art-coded" / "bopp_test.csv"

# family -> patterns over the *names* of human codes
FAMILY_RULES = {
    "emotion": r"emotion|feeling|moved|cried|cry|tears|sad|joy|empath",
    "beauty": r"beaut|visual|aesthetic|graphic|art style|pretty|scenery|picture|richness",
    "story": r"story|narrative|plot|writing|character|lore|world",
    "immersion": r"immers|absorb|lost in|presence",
    "music": r"music|soundtrack|sound|audio|song",
    "reflection": r"reflect|thought|think|meaning|philosoph|question|interpret|message",
    "lasting": r"lasting|afterwards|stay|remember|memor|still think",
    "craft": r"effort|craft|making|made|creator|developer|design|detail",
}

CODEBOOK = codebook_from_records([
    {"code": "emotion", "definition": "The game made the player feel strong emotions.",
     "keywords": ["emotion*", "feel*", "felt", "moved", "cry", "cried", "tears", "sad*", "touch*", "heart*", "empath*"]},
    {"code": "beauty", "definition": "Visual beauty: scenery, art style, graphics.",
     "keywords": ["beaut*", "visual*", "aesthetic*", "graphic*", "art style", "stunning", "gorgeous", "scenery", "pretty", "colou*", "landscape*"]},
    {"code": "story", "definition": "Story, narrative, characters and world.",
     "keywords": ["story", "stories", "narrative*", "plot", "writing", "written", "character*", "lore", "world"]},
    {"code": "immersion", "definition": "Being absorbed in the game world.",
     "keywords": ["immers*", "absorb*", "lost in", "drawn in", "transported"]},
    {"code": "music", "definition": "Music, soundtrack and sound design.",
     "keywords": ["music*", "soundtrack*", "sound*", "audio", "song*", "score"]},
    {"code": "reflection", "definition": "The game made the player think or reflect on meaning.",
     "keywords": ["think*", "thought*", "reflect*", "meaning*", "philosoph*", "question*", "interpret*", "message"]},
    {"code": "lasting", "definition": "The experience stayed with the player afterwards.",
     "keywords": ["still", "remember*", "memor*", "years", "afterwards", "stayed with", "never forget", "lasting"]},
    {"code": "craft", "definition": "Effort, care and craft of the makers.",
     "keywords": ["effort", "craft*", "care", "detail*", "developer*", "designer*", "creator*", "made", "design*"]},
])


def human_families(codes: str) -> set[str]:
    names = [c.strip().lower() for c in str(codes).split(";") if c.strip()]
    return {fam for fam, rx in FAMILY_RULES.items() for n in names if re.search(rx, n)}


def evaluate(method: str) -> tuple[pd.DataFrame, float]:
    raw = pd.read_csv(DATA, encoding="cp1252")
    data = raw[raw["use_as_example"].isna()].reset_index(drop=True)
    data["excerpt_id"] = data.index
    human = [(i, fam, "human") for i, codes in enumerate(data["human_codes"]) for fam in human_families(codes)]
    started = time.perf_counter()
    auto = auto_code(data, CODEBOOK, text="why_art", method=method)
    seconds = time.perf_counter() - started
    machine = [(r.excerpt_id, r.code, "carelib") for r in auto.itertuples(index=False)]
    codings = pd.DataFrame(human + machine, columns=["unit", "code", "coder"])
    table = agreement(codings, "human", "carelib", units=list(data.index))
    return table, seconds


def markdown_table(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--methods", default="lexical")
    args = ap.parse_args()
    if not DATA.exists():
        print(f"data not found: {DATA}", file=sys.stderr)
        return 1
    for method in args.methods.split(","):
        table, seconds = evaluate(method)
        table = table.rename(columns={"a_yes": "human n", "b_yes": "carelib n", "both_yes": "both"})
        print(f"\n### method: {method} ({seconds:.2f} s for 155 answers)\n")
        print(markdown_table(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

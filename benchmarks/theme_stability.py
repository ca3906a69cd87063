"""Theme ids that last: refit on another half of banking77 and count the themes matched to their old ids.

For each seed the train split (10,003 queries, 77 intents) is cut in two random halves. A theme book is fitted
on the first half (as many themes as intents), then :func:`carelib.text.themebook.refit` fits the second half
(warm-started from the book's themes: the number of themes is fixed) and matches its themes to the old ids
(Hungarian method on centroid similarity, ``docs/themes.md``). The texts
come from the same intents, so every theme should keep its id. Printed per vectorizer: the share of old themes
kept (kept or renamed) for each seed and its median; the share of kept ids whose old and new themes hold the
same intents (cosine of their intent profiles ≥ 0.5); wall time of the fits and peak RSS of the process.

Usage: ``python benchmarks/theme_stability.py [--seeds 0 1 2] [--intents 77] [--vectorizer tfidf embeddings]``
(``--write-docs`` writes the ``theme_stability`` section of ``docs/benchmarks.md``).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from carelib.text import themebook as tb

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "banking77" / "train.csv"


def _profiles(book: tb.ThemeBook, data: pd.DataFrame) -> pd.DataFrame:
    """Each theme's intents as a unit vector of counts."""
    table = pd.crosstab(tb.assign(book, data["text"])["theme"].to_numpy(), data["category"].to_numpy())
    return table.div(np.sqrt((table ** 2).sum(axis=1)), axis=0)


def one(data: pd.DataFrame, k: int, seed: int, vectorizer: str) -> tuple[float, float]:
    """Kept share and same-intents share of one seed."""
    half = np.random.default_rng(seed).permutation(len(data)) < len(data) // 2
    a, b = data[half].reset_index(drop=True), data[~half].reset_index(drop=True)
    book = tb.fit_book(a["text"].tolist(), n_themes=k, seed=seed, vectorizer=vectorizer)
    proposal = tb.refit(book, b["text"].tolist())
    kept = proposal.diff.loc[proposal.diff["change"].isin(["kept", "renamed"]), "id"]
    old, new = _profiles(book, a), _profiles(proposal.book, b)
    cols = old.columns.union(new.columns)
    old, new = old.reindex(columns=cols, fill_value=0), new.reindex(columns=cols, fill_value=0)
    same = [float((old.loc[i] * new.loc[i]).sum()) >= 0.5 for i in kept if i in old.index and i in new.index]
    return len(kept) / k, float(np.mean(same)) if same else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--intents", type=int, default=77)
    ap.add_argument("--vectorizer", nargs="+", default=["tfidf"], choices=["tfidf", "embeddings"])
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()
    data = pd.read_csv(DATA)
    keep = sorted(data["category"].unique())[: args.intents]
    data = data[data["category"].isin(keep)].reset_index(drop=True)
    lines = ["| vectorizer | texts | themes | kept share per seed | kept, median | same intents, median | "
             "wall (s) | peak RSS (MB) |", "|---|---:|---:|---|---:|---:|---:|---:|"]
    for vectorizer in args.vectorizer:
        start = time.perf_counter()
        runs = [one(data, len(keep), seed, vectorizer) for seed in args.seeds]
        wall = time.perf_counter() - start
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        lines.append(f"| {vectorizer} | {len(data):,} | {len(keep)} | {', '.join(f'{r[0]:.3f}' for r in runs)} | "
                     f"{statistics.median(r[0] for r in runs):.3f} | {statistics.median(r[1] for r in runs):.3f} | "
                     f"{wall:.1f} | {rss:.0f} |")
        print(lines[-1], file=sys.stderr, flush=True)
    print("\n".join(lines))
    if args.write_docs:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from _docs import write_section

        write_section("theme_stability", HEAD.format(seeds=args.seeds) + "\n".join(lines) + "\n\n", keep_reading=True)


HEAD = """## Theme ids that last: refit on another half of banking77 (`benchmarks/theme_stability.py`)

Train split, 10,003 queries, 77 intents. Per seed ({seeds}): a theme book fitted on a random half (77 themes),
then `carelib themes refit` on the other half (its k-means warm-started from the book's assignment of those
texts, since the number of themes is fixed; then the matching to the old ids). Kept = old themes that keep their id (kept or
renamed; the rest are merged, split, new or retired). Same intents = kept ids whose old and new themes hold
the same intents (cosine of intent profiles ≥ 0.5). Wall time: all seeds, both fits and the matching; peak
RSS of the process (the embeddings rows include the model). Python 3.11, 2 cores shared with other work, 24 GiB.
Target (issue 19): ≥ 90 % kept. Reproduce:
`python benchmarks/theme_stability.py --vectorizer tfidf embeddings --write-docs`.

"""


if __name__ == "__main__":
    main()

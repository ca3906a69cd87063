"""The automatic number of themes and the labels on real text (issue 16): three public corpora.

Each corpus is a seeded sample of 1,500 texts (``SAMPLE``, ``random_state=0``) so a fit takes a few
seconds: banking77 training queries, customers' tweets of the Customer Support on Twitter sample
(``inbound`` rows) and app-store reviews of IS-22 (all eight apps' ``Content``). Before the
minimum-theme-share rule the silhouette maximum was the top of ``k_range`` on all three (30 of
4-30); the figures chosen now are in ``docs/voice-of-the-customer.md``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from carelib.text.themes import LABEL_MIN_SHARE, MIN_SHARE, ThemeModel
from tests.conftest import shared_file

SAMPLE = 1500
K_RANGE = (4, 30)


def _banking(shared):
    return pd.read_csv(shared_file(shared, "banking77", "train.csv"))["text"]


def _tweets(shared):
    t = pd.read_csv(shared_file(shared, "twcs-sample", "twcs.csv"))
    return t.loc[t["inbound"].eq(True), "text"]


def _apps(shared):
    folder = shared_file(shared, "app-reviews-is22", "study2-searching-app-reviews", "Collected reviews")
    files = sorted(folder.glob("*_1250_review_level.xlsx"))
    if not files:
        pytest.skip("app-reviews-is22 review files absent")
    return pd.concat([pd.read_excel(f, usecols=["Content"]) for f in files])["Content"].dropna().astype(str)


CORPORA = {"banking77": _banking, "twcs": _tweets, "app-reviews-is22": _apps}
EXPECTED_K = {"banking77": 13, "twcs": 13, "app-reviews-is22": 7}  # measured 2026-12-03, seed 0


@pytest.fixture(scope="module", params=sorted(CORPORA))
def fitted(request, shared_data):
    texts = CORPORA[request.param](shared_data).sample(SAMPLE, random_state=0).tolist()
    return request.param, texts, ThemeModel(k_range=K_RANGE, seed=0).fit(texts)


@pytest.mark.slow
def test_theme_count_is_strictly_inside_the_range(fitted):
    name, texts, m = fitted
    lo, hi = K_RANGE
    assert lo < m.n_themes_ < hi, (name, m.silhouettes_)
    assert m.n_themes_ == EXPECTED_K[name]
    # the plain silhouette maximum would be the top of the range: that is what the size rule corrects
    assert max(m.silhouettes_, key=m.silhouettes_.get) == max(m.silhouettes_)
    sizes = np.bincount(m.labels_[m.labels_ >= 0])  # recomputed from the labels, not from smallest_shares_
    assert sizes.min() / sizes.sum() >= MIN_SHARE


@pytest.mark.slow
def test_every_label_term_is_in_enough_of_its_themes_texts(fitted):
    name, texts, m = fitted
    for theme, terms, members in zip(m.themes_["theme"], m.themes_["terms"], m.themes_["members"], strict=True):
        own = [texts[i].lower() for i in members]
        assert terms, (name, theme)
        for term in terms:
            pattern = re.compile(r"\b" + r"\s+".join(map(re.escape, term.split())) + r"\b")
            share = sum(bool(pattern.search(t)) for t in own) / len(own)
            assert share >= LABEL_MIN_SHARE, (name, theme, term, share)

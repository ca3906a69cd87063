"""Sentiment per excerpt with VADER (rule-based, offline, MIT): shown beside the quote, never alone.

VADER (Hutto & Gilbert 2014) scores short social-media-like English text; its compound score
runs from −1 to 1, with the usual cut-offs ±0.05 for positive / negative. It is a reading aid
for a researcher scanning quotes — a "negative" label on a quote about a late parcel says
nothing the quote does not — so reports always print it next to the text it scored.

Reference: Hutto, C. J. & Gilbert, E. (2014). VADER: A parsimonious rule-based model for
sentiment analysis of social media text. ICWSM-14.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

__all__ = ["sentiment", "label", "compound"]


@cache
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def compound(texts: pd.Series | list[str]) -> list[float]:
    """VADER compound score (−1…1) of each text, an empty text scoring 0 (Hutto & Gilbert 2014).

    Examples
    --------
    >>> [round(x, 2) for x in compound(["I love the wool throw!", ""])]
    [0.67, 0.0]
    """
    from carelib.text.clean import clean_text

    analyzer = _analyzer()  # HTML and entities as exports hold them are read as the text they show
    texts = list(texts)
    # each distinct text scored once: replies from templates and repeated complaints are common
    scores = {t: analyzer.polarity_scores(clean_text(t))["compound"] for t in dict.fromkeys(texts)}
    return [scores[t] for t in texts]


def label(compound: float, threshold: float = 0.05) -> str:
    """``positive`` / ``negative`` / ``neutral`` from a compound score.

    Examples
    --------
    >>> label(0.6), label(-0.3), label(0.01)
    ('positive', 'negative', 'neutral')
    """
    if pd.isna(compound):
        return ""
    return "positive" if compound >= threshold else "negative" if compound <= -threshold else "neutral"


def sentiment(texts: pd.Series | list[str], threshold: float = 0.05) -> pd.DataFrame:
    """Compound score and label per text (``compound, sentiment``), index aligned with the input.

    Examples
    --------
    >>> sentiment(["I love the wool throw!", "Nobody told me, again."])["sentiment"].tolist()
    ['positive', 'neutral']
    """
    s = pd.Series(texts)
    scores = [(_analyzer().polarity_scores(str(t))["compound"] if isinstance(t, str) and t.strip() else float("nan"))
              for t in s]
    out = pd.DataFrame({"compound": scores}, index=s.index)
    out["sentiment"] = [label(c, threshold) for c in out["compound"]]
    return out

"""Themes beyond the codebook: cluster texts, label each theme with its distinctive terms and its most typical quotes.

:class:`ThemeModel` follows scikit-learn: ``__init__`` stores arguments, :meth:`ThemeModel.fit`
returns self, learned attributes end in ``_``. Texts are vectorised with TF-IDF (reduced by
truncated SVD) or, with the ``embeddings`` extra, with all-MiniLM-L6-v2; k-means (seeded,
several starts) groups them; when ``n_themes`` is not given it is chosen by the mean
silhouette over ``k_range``. Every text belongs to a theme: there is no "outliers" bucket —
a text far from every centre is still in its nearest theme, and its ``distance`` says so.

Each theme is labelled by class-based TF-IDF (the terms most over-represented in the theme
relative to all texts; Grootendorst 2022) and illustrated by the texts closest to its centre.

References
----------
Rousseeuw, P. J. (1987). Silhouettes. J. Comput. Appl. Math. 20, 53–65. Grootendorst, M.
(2022). BERTopic: Neural topic modeling with a class-based TF-IDF procedure. arXiv:2203.05794.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from carelib.errors import ParameterError

__all__ = ["ThemeModel"]


class ThemeModel:
    """Cluster short texts into themes with labels and representative quotes.

    Parameters
    ----------
    n_themes : int, optional
        Number of themes; chosen by silhouette over ``k_range`` when None.
    k_range : tuple of int
        Smallest and largest number of themes tried.
    method : {"tfidf", "embeddings"}
    seed : int
        Seed of SVD and k-means.
    top_terms, n_quotes : int
        Terms and quotes kept per theme.

    Attributes
    ----------
    labels_ : ndarray
        Theme number of each text (0 = the largest theme).
    distances_ : ndarray
        Cosine distance of each text to its theme centre.
    themes_ : DataFrame
        ``theme, label, size, share, terms, quotes``.
    silhouettes_ : dict
        Mean silhouette per number of themes tried.

    Examples
    --------
    >>> texts = ["late parcel again", "parcel arrived late", "courier late with parcel",
    ...          "app login loop", "cannot login to the app", "app keeps logging me out"]
    >>> m = ThemeModel(n_themes=2, seed=0).fit(texts)
    >>> sorted(m.themes_["size"].tolist()), len(set(m.labels_[:3])) == 1
    ([3, 3], True)
    """

    def __init__(self, n_themes: int | None = None, k_range: tuple[int, int] = (2, 12), method: str = "tfidf",
                 seed: int = 0, top_terms: int = 6, n_quotes: int = 3) -> None:
        self.n_themes = n_themes
        self.k_range = k_range
        self.method = method
        self.seed = seed
        self.top_terms = top_terms
        self.n_quotes = n_quotes

    def _vectors(self, texts: list[str]) -> np.ndarray:
        from sklearn.preprocessing import normalize

        if self.method == "embeddings":
            from carelib.text.vectorize import embed

            return embed(texts)
        if self.method != "tfidf":
            raise ParameterError(f"method must be 'tfidf' or 'embeddings', got {self.method!r}")
        from sklearn.decomposition import TruncatedSVD

        from carelib.text.vectorize import tfidf

        _, m = tfidf(texts)
        dims = min(100, m.shape[1] - 1, len(texts) - 1)
        if dims < 2:
            return normalize(m.toarray())
        return normalize(TruncatedSVD(n_components=dims, random_state=self.seed).fit_transform(m))

    def fit(self, texts: pd.Series | list[str]) -> ThemeModel:
        from sklearn.cluster import KMeans
        from sklearn.metrics import silhouette_score

        texts = [("" if t is None or (isinstance(t, float) and np.isnan(t)) else str(t)) for t in texts]
        n = len(texts)
        if n < 2:
            raise ParameterError(f"themes need at least 2 texts, got {n}")
        x = self._vectors(texts)
        lo, hi = self.k_range
        if self.n_themes is not None:
            candidates = [int(self.n_themes)]
        else:
            candidates = list(range(max(2, lo), min(hi, n - 1) + 1)) or [2]
        if any(k < 1 or k > n for k in candidates):
            raise ParameterError(f"n_themes must be between 1 and the number of texts ({n}), got {candidates}")
        best, self.silhouettes_ = None, {}
        for k in candidates:
            km = KMeans(n_clusters=k, n_init=10, random_state=self.seed).fit(x)
            score = silhouette_score(x, km.labels_, metric="cosine") if 1 < k < n else 0.0
            self.silhouettes_[k] = float(score)
            if best is None or score > best[0] + 1e-12:
                best = (score, km)
        km = best[1]
        # renumber: theme 0 is the largest (ties by first appearance), deterministic
        sizes = pd.Series(km.labels_).value_counts(sort=False)
        order = sorted(sizes.index, key=lambda c: (-sizes[c], int(np.argmax(km.labels_ == c))))
        remap = {old: new for new, old in enumerate(order)}
        self.labels_ = np.array([remap[c] for c in km.labels_])
        centres = km.cluster_centers_[order]
        centres = centres / np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
        self.distances_ = 1 - np.sum(x * centres[self.labels_], axis=1)
        self.n_themes_ = len(order)
        self.themes_ = self._describe(texts)
        return self

    def _describe(self, texts: list[str]) -> pd.DataFrame:
        from sklearn.feature_extraction.text import CountVectorizer

        docs = pd.Series(texts).groupby(self.labels_).apply(" ".join)
        try:
            cv = CountVectorizer(stop_words="english", ngram_range=(1, 2), min_df=1)
            counts = cv.fit_transform(docs.tolist()).toarray().astype(float)
            vocab = np.array(cv.get_feature_names_out())
        except ValueError:  # only stop words
            counts, vocab = np.zeros((len(docs), 0)), np.array([])
        # class-based TF-IDF: term frequency in the theme x log(1 + average words per theme / term frequency overall)
        tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        idf = np.log(1 + counts.sum(axis=1).mean() / np.maximum(counts.sum(axis=0), 1))
        score = tf * idf
        rows = []
        for t in range(self.n_themes_):
            members = np.flatnonzero(self.labels_ == t)
            top: list[str] = []
            for term in (vocab[np.argsort(-score[t])].tolist() if len(vocab) else []):
                words = set(term.split())
                if any(words <= set(k.split()) or set(k.split()) <= words for k in top):
                    continue  # "want" after "want want", "late" after "late parcel": nothing new
                top.append(term)
                if len(top) == self.top_terms:
                    break
            closest = members[np.argsort(self.distances_[members], kind="stable")][: self.n_quotes]
            rows.append({"theme": t, "label": ", ".join(top[:3]) or f"theme {t}", "size": len(members),
                         "share": round(len(members) / len(texts), 3), "terms": top,
                         "quotes": [texts[i] for i in closest], "members": members.tolist()})
        return pd.DataFrame(rows)


"""Themes: cluster texts, label each theme with its distinctive terms and its most typical verbatims.

:class:`ThemeModel` follows scikit-learn: ``__init__`` stores arguments, :meth:`ThemeModel.fit`
returns self, learned attributes end in ``_``.

How it works
------------
1. **Vectors.** ``vectorizer="tfidf"`` (default, light): word uni/bigram and character 2–5-gram
   TF-IDF, reduced by truncated SVD (LSA) and L2-normalised. ``vectorizer="embeddings"`` (the
   ``embeddings`` extra): all-MiniLM-L6-v2 sentence vectors, offline.
2. **Neighbourhood smoothing.** Each vector is averaged with the mean of its ``n_neighbors``
   nearest neighbours (cosine), ``smoothing_steps`` times — a diffusion step that pulls texts
   of one intent together before clustering (on banking77 it adds 2–3 NMI points).
3. **Ward, then k-means.** A Ward merge tree over the same nearest-neighbour graph (Ward 1963)
   is cut at ``k`` themes; k-means started from those centres refines the partition. No random
   start is involved, so the themes do not reshuffle from run to run: the seed only drives the
   randomized SVD and the samples below. When ``n_themes`` is None the number of themes is
   chosen among at most 8 values spread geometrically over ``k_range`` (one tree, cut at each
   value): the one with the highest mean silhouette (Rousseeuw 1987; on a seeded sample of at
   most 3,000 texts, kept in ``silhouettes_``) **among those whose smallest theme holds at least
   ``min_share`` of the texts** (default 2 %, kept in ``smallest_shares_``); when no value
   qualifies, the smallest one. Why the size rule: on real short texts the silhouette in cosine
   distance rises with every extra theme (banking77, 1,500 queries: 0.042 at 4 themes, 0.140 at
   30; 1,500 customer tweets: 0.051 → 0.216), because ever smaller groups of near-duplicates
   (a retweeted contest, one brand's handle) are tighter than any theme a reader would act on;
   the plain maximum therefore always ran to the top of ``k_range``. A minimum theme size is the
   parsimony rule of density-based topic models (BERTopic's ``min_topic_size``, Grootendorst
   2022; HDBSCAN's ``min_cluster_size``, Campello, Moulavi & Sander 2013), here relative to the
   corpus so it holds at any size. Stability (Lange et al. 2004) was tried and rejected: on the
   same corpora it was noisier than the differences it had to separate.
4. **Discriminative refinement** (``refine_rounds``, default 1): linear discriminant analysis
   (shrinkage, Ledoit–Wolf) learns the directions that best separate the themes just found;
   the texts are projected onto them, smoothed again and the partition refined by k-means
   (discriminative clustering: De la Torre & Kanade 2006; Ye, Zhao & Wu 2008). On banking77 it
   adds about one NMI point. New texts go through the same projection in :meth:`transform`.
5. **Labels**: class-based TF-IDF terms (Grootendorst 2022) and the texts nearest each centre.
   A label term must be the theme's own: positive weight, and present in at least
   ``LABEL_MIN_SHARE`` (5 %, at least one text) of the theme's texts. A theme with fewer such
   terms gets fewer terms — never padding with words of weight 0 or words of one long text.
   Labels say what many members say, not what one long text repeats: each text is read up to
   ``LABEL_CHARS`` characters and counts a term at most ``LABEL_REPEATS`` times, so a 1 MB
   comment repeating a phrase adds at most 3 to each of its terms and cannot rename its theme.
   (Ordinary texts are untouched: no text of the demo workspace repeats a term more than 3 times.)

**Large corpora.** At most ``max_fit`` texts (default 50,000, a seeded random sample) define the
themes; every other text is then assigned to the nearest theme exactly as :meth:`transform`
does, so ``labels_`` still covers every text.

Texts are read through :func:`carelib.text.clean.clean_text` first (HTML tags dropped, entities
decoded), so themes, labels and verbatims hold plain text. Every text with content belongs to a
theme: there is no outlier bucket. The only texts left **unassigned** (theme ``-1``) are those with
no usable content — empty, whitespace, not text, or a **non-answer** ("N/A", "-", "nothing", emoji
only: :func:`carelib.text.clean.is_non_answer`) — counted in ``unassigned_`` (non-answers also in
``non_answers_``): a non-answer is counted, never themed. :meth:`transform` assigns new texts to the fitted
themes (theme ids stay stable week to week), in batches with bounded memory; :meth:`save` and
:meth:`load` keep a fitted model as **data, never code**: one ``.npz`` file of plain arrays (vocabularies as
string arrays, IDF weights, the SVD and LDA projections, centres) and a JSON header (parameters, sizes, the
themes table), read with ``allow_pickle=False``. An embeddings model is stored by its *name* (the vectors are
recomputed by :func:`carelib.text.embeddings.embed`), never the network. A pickle is refused, so a model file
that came with someone's workspace cannot run code when it is read.

References
----------
Ward (1963), Hierarchical grouping to optimize an objective function, JASA 58;
De la Torre & Kanade (2006), Discriminative cluster analysis, ICML; Ye, Zhao & Wu (2008),
Discriminative k-means for clustering, NIPS 20;
Rousseeuw (1987), Silhouettes; Grootendorst (2022), BERTopic, arXiv:2203.05794;
Campello, Moulavi & Sander (2013), Density-based clustering based on hierarchical density
estimates, PAKDD; Lange, Roth, Braun & Buhmann (2004), Stability-based validation of clustering
solutions, Neural Computation 16.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from carelib.errors import DataError, ParameterError

__all__ = ["ThemeModel", "UNASSIGNED", "MIN_SHARE", "LABEL_MIN_SHARE"]

UNASSIGNED = -1
LABEL_CHARS = 2000  # characters of each text read for the labels (a long complaint fits; a pasted log does not)
LABEL_REPEATS = 3  # times one text may count one term towards its theme's label
MIN_SHARE = 0.02  # least share of the texts in the smallest theme for a number of themes to be chosen
LABEL_MIN_SHARE = 0.05  # least share of a theme's texts that must contain a label term
FORMAT = "carelib.ThemeModel/1"  # the saved model's format (header ``format``)
EMBEDDING_MODEL = "all-MiniLM-L6-v2"  # the embeddings vectorizer's model, by name (carelib.text.embeddings)
_PARAMS = ("n_themes", "vectorizer", "seed", "k_range", "n_neighbors", "smoothing_steps", "top_terms", "n_quotes",
           "max_fit", "refine_rounds", "min_share")


class _Linear:
    """A fitted linear projection ``x @ matrix`` (the SVD's and the LDA's ``transform``), stored as one array."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = matrix

    def transform(self, x):
        return np.asarray(x @ self.matrix)


def _word_tfidf():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(sublinear_tf=True, stop_words="english", ngram_range=(1, 2), min_df=1,
                           max_features=50000, dtype=np.float32)


def _char_tfidf(n: int):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5), min_df=2 if n > 50 else 1,
                           max_features=100000, dtype=np.float32)


def _vocabulary(tfidf) -> np.ndarray:
    """A fitted TF-IDF vectorizer's terms in column order (a string array: no pickle needed)."""
    terms = np.empty(len(tfidf.vocabulary_), dtype=object)
    for term, col in tfidf.vocabulary_.items():
        terms[col] = term
    return terms.astype(str)


def _restore_tfidf(tfidf, terms: np.ndarray, idf: np.ndarray):
    tfidf.vocabulary = {str(t): i for i, t in enumerate(terms)}
    tfidf.idf_ = idf
    return tfidf


def _zip_arrays(arrays: dict[str, np.ndarray]) -> bytes:
    """An ``.npz`` with fixed member dates (``np.savez`` stamps the clock): same model, same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, arr in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, member.getvalue())
    return buf.getvalue()


def _clean(texts) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Plain texts (:func:`~carelib.text.clean.clean_text`), which have content, which are non-answers."""
    from carelib.text.clean import clean_text, is_non_answer

    out, ok, empty = [], [], []
    for t in texts:
        s = clean_text(t) if isinstance(t, str) else ""
        out.append(s)
        blank = not s.strip()
        said = not blank and not is_non_answer(s)
        ok.append(said)
        empty.append(blank)
    return out, np.array(ok, dtype=bool), np.array(empty, dtype=bool)


_LABEL_TOKEN = re.compile(r"\w+|[^\w\s]")
_WORD = re.compile(r"[^\W\d_]{2,}")


def _label_terms(text: str) -> list[str]:
    """Label candidates of a text: words (no stop words, numbers or ids) and pairs of words adjacent *as written*.

    sklearn's n-grams are formed after stop words are removed, so "arrived two days" gives the
    pair "arrived days", which no customer wrote; here a stop word, number or punctuation mark
    between two words breaks the pair.
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    out: list[str] = []
    prev = None
    for tok in _LABEL_TOKEN.findall(text.lower()):
        word = tok if _WORD.fullmatch(tok) and tok not in ENGLISH_STOP_WORDS else None
        if word:
            out.append(word)
            if prev:
                out.append(f"{prev} {word}")
        prev = word
    return out


def _neighbours(x: np.ndarray, base: np.ndarray, k: int, exclude_self: bool) -> np.ndarray:
    """Indices of the ``k`` most similar rows of ``base`` (unit vectors: cosine = dot), in chunks of rows."""
    chunk = max(1, 2**24 // max(len(base), 1))  # at most 16 M similarities (64 MB) at a time
    out = np.empty((len(x), k), dtype=np.int64)
    for start in range(0, len(x), chunk):
        sims = x[start:start + chunk] @ base.T
        if exclude_self:
            rows = np.arange(sims.shape[0])
            sims[rows, rows + start] = -np.inf
        out[start:start + chunk] = np.argpartition(sims, sims.shape[1] - k, axis=1)[:, -k:]
    return out


def _cut(children: np.ndarray, n: int, k: int) -> np.ndarray:
    """Flat labels (0..k-1) of the ``n`` leaves after the first ``n - k`` merges of a merge tree."""
    parent = np.arange(2 * n - 1)
    merges = max(0, n - k)
    parent[children[:merges].ravel()] = np.repeat(n + np.arange(merges), 2)
    top = parent[:n]
    while True:  # pointer jumping to each leaf's root
        nxt = parent[top]
        if np.array_equal(nxt, top):
            break
        top = nxt
    return np.unique(top, return_inverse=True)[1]


def _refine(x: np.ndarray, start: np.ndarray, k: int):
    """k-means started from the centres of a given partition (one deterministic run)."""
    import warnings

    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning

    centres = np.vstack([x[start == c].mean(axis=0) if (start == c).any() else x[c % len(x)] for c in range(k)])
    with warnings.catch_warnings():  # fewer distinct points than k: the empty groups are dropped by fit
        warnings.simplefilter("ignore", ConvergenceWarning)
        return KMeans(n_clusters=k, init=centres, n_init=1).fit(x)


class ThemeModel:
    """Cluster short texts into themes with labels and representative verbatims.

    Parameters
    ----------
    n_themes : int, optional
        Number of themes; chosen by silhouette over ``k_range`` when None (never more than the
        number of different texts). A group left empty — possible when many texts are identical —
        is dropped, so ``n_themes_`` can be smaller than ``n_themes``.
    vectorizer : {"tfidf", "embeddings"}
    seed : int
    k_range : tuple of int
        Smallest and largest number of themes tried when ``n_themes`` is None.
    n_neighbors, smoothing_steps : int
        Neighbourhood smoothing (0 steps switches it off).
    top_terms, n_quotes : int
        Terms and verbatims kept per theme.
    max_fit : int
        Most texts used to define the themes; the rest are assigned to them (see above).
    refine_rounds : int
        Rounds of discriminative refinement (0 switches it off).
    min_share : float
        When ``n_themes`` is None, a number of themes is chosen only if its smallest theme holds
        at least this share of the texts (default :data:`MIN_SHARE`, 2 %; see the module notes).
    method : str, optional
        Old name of ``vectorizer`` (kept for compatibility).

    Attributes
    ----------
    labels_ : ndarray — theme of each fitted text (0 = the largest theme; -1 = unassigned, no content).
    distances_ : ndarray — cosine distance of each text to its theme centre.
    themes_ : DataFrame — ``theme, label, size, share, terms, quotes, members``.
    silhouettes_ : dict — mean silhouette per number of themes tried.
    smallest_shares_ : dict — share of the texts in the smallest theme, per number of themes tried.
    unassigned_ : int — texts with no content (empty or non-answers).
    non_answers_ : int — of those, the non-answers ("N/A", "nothing" …).
    fitted_on_ : int — texts that defined the themes (all of them unless more than ``max_fit``).

    Examples
    --------
    >>> texts = ["late parcel again", "parcel arrived late", "courier late with parcel",
    ...          "app login loop", "cannot login to the app", "app keeps logging me out"]
    >>> m = ThemeModel(n_themes=2, seed=0).fit(texts)
    >>> sorted(m.themes_["size"].tolist()), len(set(m.labels_[:3])) == 1
    ([3, 3], True)
    """

    def __init__(self, n_themes: int | None = None, vectorizer: str = "tfidf", seed: int = 0,
                 k_range: tuple[int, int] = (2, 12), n_neighbors: int = 10, smoothing_steps: int = 4,
                 top_terms: int = 6, n_quotes: int = 3, max_fit: int = 50000, refine_rounds: int = 1,
                 method: str | None = None, min_share: float = MIN_SHARE) -> None:
        self.n_themes = n_themes
        self.vectorizer = method or vectorizer
        self.seed = seed
        self.k_range = k_range
        self.n_neighbors = n_neighbors
        self.smoothing_steps = smoothing_steps
        self.top_terms = top_terms
        self.n_quotes = n_quotes
        self.max_fit = max_fit
        self.refine_rounds = refine_rounds
        self.min_share = min_share

    # ------------------------------------------------------------------ vectors
    def _fit_vectors(self, texts: list[str]) -> np.ndarray:
        from sklearn.preprocessing import normalize

        if self.vectorizer == "embeddings":
            from carelib.text.embeddings import embed

            return embed(texts)
        if self.vectorizer != "tfidf":
            raise ParameterError(f"vectorizer must be 'tfidf' or 'embeddings', got {self.vectorizer!r}")
        from scipy.sparse import hstack
        from sklearn.decomposition import TruncatedSVD

        self._words, self._chars = _word_tfidf(), _char_tfidf(len(texts))
        try:
            w = self._words.fit_transform(texts)
        except ValueError:  # only stop words: characters carry the signal
            self._words = None
            w = None
        c = self._chars.fit_transform(texts)
        x = normalize(hstack([w, c]).tocsr() if w is not None else c)
        dims = min(200, x.shape[1] - 1, len(texts) - 1)
        self._svd = None
        if dims >= 2:
            svd = TruncatedSVD(n_components=dims, n_iter=2, random_state=self.seed).fit(x)
            self._svd = _Linear(svd.components_.T)  # what svd.transform computes, kept as one array
            return normalize(self._svd.transform(x))
        return normalize(x.toarray())

    def _vectors(self, texts: list[str]) -> np.ndarray:
        from sklearn.preprocessing import normalize

        if self.vectorizer == "embeddings":
            from carelib.text.embeddings import embed

            return embed(texts)
        from scipy.sparse import hstack

        c = self._chars.transform(texts)
        x = normalize(hstack([self._words.transform(texts), c]).tocsr() if self._words is not None else c)
        return normalize(self._svd.transform(x) if self._svd is not None else x.toarray())

    def _smooth(self, x: np.ndarray, reference: np.ndarray | None = None, idx: np.ndarray | None = None) -> np.ndarray:
        """Average each vector with its nearest neighbours (in ``reference`` for new texts; ``idx`` if known)."""
        from sklearn.preprocessing import normalize

        base = x if reference is None else reference
        if self.smoothing_steps <= 0 or len(base) < 3 or len(x) == 0:
            return x  # (new texts are smoothed with the fitted ones, however few they are)
        if idx is None:
            idx = _neighbours(x, base, min(self.n_neighbors, len(base) - (1 if reference is None else 0)),
                              exclude_self=reference is None)
        out = x
        for _ in range(self.smoothing_steps):
            ref = out if reference is None else base
            out = normalize(0.5 * out + 0.5 * ref[idx].mean(axis=1))
        return out

    @staticmethod
    def _tree(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Ward merge tree over the kNN graph ``idx`` (deterministic: no random start).

        Repeated texts (a form's preset answers, "Any news?") have only their own copies as
        neighbours, so the graph falls into pieces. sklearn would join every pair of pieces
        (c(c-1)/2 distance computations: minutes at 200,000 messages); here the pieces are joined
        along a minimum spanning tree of their centroids (c - 1 edges) first.
        """
        import warnings

        from scipy.sparse import coo_matrix, csr_matrix
        from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
        from scipy.spatial.distance import cdist
        from sklearn.cluster import ward_tree

        n, k = idx.shape
        rows, cols = np.repeat(np.arange(n), k), idx.ravel()
        pieces, piece = connected_components(coo_matrix((np.ones(n * k), (rows, cols)), shape=(n, n)), directed=False)
        if pieces > 1:
            centres = np.zeros((pieces, x.shape[1]))
            np.add.at(centres, piece, x)
            centres /= np.bincount(piece, minlength=pieces)[:, None]
            tree = coo_matrix(minimum_spanning_tree(cdist(centres, centres) + 1e-9))
            first = np.unique(piece, return_index=True)[1]  # one text stands for its piece
            rows, cols = np.concatenate([rows, first[tree.row]]), np.concatenate([cols, first[tree.col]])
        graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            children = ward_tree(x, connectivity=graph)[0]
        return children

    # ------------------------------------------------------------------ fit
    def fit(self, texts: pd.Series | list[str], init_labels: np.ndarray | None = None) -> ThemeModel:
        """Find the themes of ``texts``; ``init_labels`` (one per text, −1: none) starts the partition from
        given themes instead of the Ward tree — a refit warm-started from the themes it replaces (with
        ``n_themes`` groups, or as many as the labels hold)."""
        from sklearn.metrics import silhouette_score

        texts, ok, empty = _clean(list(texts))
        if init_labels is not None and len(init_labels) != len(texts):
            raise ParameterError(f"init_labels has {len(init_labels)} values for {len(texts)} texts; expected one per text")
        n = int(ok.sum())
        if n < 2:
            raise DataError(f"themes need at least 2 texts with content; got {n} of {len(texts)}")
        distinct = len({t.strip().lower() for t, g in zip(texts, ok, strict=True) if g})
        if distinct < 2:
            raise DataError("every text is the same: there is nothing to group into themes")
        rng = np.random.default_rng(self.seed)
        used = np.flatnonzero(ok)
        fit_idx = used if n <= self.max_fit else np.sort(rng.choice(used, size=self.max_fit, replace=False))
        raw = self._fit_vectors([texts[i] for i in fit_idx])
        m = len(fit_idx)
        # one nearest-neighbour graph of the fitted texts: for the smoothing and for the Ward tree
        graph = _neighbours(raw, raw, min(self.n_neighbors, m - 1), exclude_self=True) if m > 2 else None
        x = self._smooth(raw, idx=graph)
        self._train = x
        start, wanted = None, self.n_themes
        if init_labels is not None:
            start = np.asarray(init_labels, dtype=int)[fit_idx]
            wanted = int(wanted) if wanted is not None else max(1, int(start.max()) + 1)
            start = np.where(start >= 0, start, 0) % wanted
        if wanted is not None:
            if not 1 <= int(wanted) <= m:
                raise ParameterError(f"n_themes must be between 1 and the number of texts ({m}), got {wanted}")
            candidates = [int(wanted)]
        else:
            hi = min(self.k_range[1], m - 1, distinct)  # never more themes than different texts
            lo = min(max(2, self.k_range[0]), hi)
            # at most 8 candidates, spaced geometrically: k = 2..12 tries every value, k = 10..150 a grid
            grid = np.unique(np.round(np.geomspace(lo, max(lo, hi), num=min(8, max(1, hi - lo + 1)))).astype(int))
            candidates = [int(k) for k in grid] or [min(2, m)]
        probe = rng.choice(m, size=min(3000, m), replace=False)
        children = self._tree(x, graph) if graph is not None and start is None else None
        best, first, self.silhouettes_, self.smallest_shares_ = None, None, {}, {}
        for k in candidates:
            first_cut = start if start is not None else _cut(children, m, k) if children is not None else np.arange(m) % k
            km = _refine(x, first_cut, k)
            labels = km.labels_[probe]
            score = silhouette_score(raw[probe], labels, metric="cosine") if 1 < len(set(labels)) < len(probe) else 0.0
            self.silhouettes_[k] = float(score)
            sizes = np.bincount(km.labels_, minlength=k)
            self.smallest_shares_[k] = float(sizes[sizes > 0].min() / m)
            fits = len(candidates) == 1 or self.smallest_shares_[k] >= self.min_share
            if fits and (best is None or score > best[0] + 1e-12):
                best = (score, k, km)
            if first is None:
                first = (score, k, km)
        k, km = (best or first)[1], (best or first)[2]  # no candidate keeps every theme large enough: the fewest
        self._lda = None
        if self.refine_rounds > 0 and 2 <= k and m >= 5 * k:
            # discriminative refinement: project onto the directions that best separate the themes
            # found (LDA), re-smooth there and refine the partition, ``refine_rounds`` times
            import warnings

            from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
            from sklearn.preprocessing import normalize

            before = (x, km)
            try:
                for _ in range(self.refine_rounds):
                    with warnings.catch_warnings():  # Ledoit-Wolf on a one-text theme says so; harmless
                        warnings.simplefilter("ignore", UserWarning)
                        lda = LinearDiscriminantAnalysis(solver="eigen", shrinkage="auto").fit(raw, km.labels_)
                    self._lda = _Linear(lda.scalings_[:, :lda._max_components])  # lda.transform (eigen solver)
                    x = self._smooth(normalize(self._lda.transform(raw)).astype(raw.dtype))
                    km = _refine(x, km.labels_, k)
            except (np.linalg.LinAlgError, ValueError):  # degenerate scatter (e.g. many copies of few texts)
                self._lda, (x, km) = None, before
            self._train = x
        sizes = np.bincount(km.labels_, minlength=k)
        order = sorted((c for c in range(k) if sizes[c]), key=lambda c: (-sizes[c], int(np.argmax(km.labels_ == c))))
        remap = np.full(k, UNASSIGNED)
        remap[order] = np.arange(len(order))
        k = len(order)  # (an empty group, possible with many identical texts, is not a theme)
        centres = km.cluster_centers_[order]
        self.centres_ = (centres / np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)).astype(x.dtype)
        self.n_themes_ = k
        lab = remap[km.labels_]
        self.labels_ = np.full(len(texts), UNASSIGNED)
        self.labels_[fit_idx] = lab
        self.distances_ = np.full(len(texts), np.nan)
        self.distances_[fit_idx] = 1 - np.sum(x * self.centres_[lab], axis=1)
        rest = np.setdiff1d(used, fit_idx)
        if len(rest):  # a large corpus: the sample defines the themes, every other text is assigned to them
            self.labels_[rest], self.distances_[rest] = self._assign([texts[i] for i in rest])
        self.fitted_on_ = m
        self.unassigned_ = int((~ok).sum())
        self.non_answers_ = int((~ok & ~empty).sum())
        self.themes_ = self._describe(texts)
        return self

    # ------------------------------------------------------------------ transform, save, load
    def _space(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of cleaned texts in the space of ``centres_`` (projected, smoothed with the fitted texts)."""
        x = self._vectors(texts)
        if getattr(self, "_lda", None) is not None:
            from sklearn.preprocessing import normalize

            x = normalize(self._lda.transform(x)).astype(x.dtype)
        return self._smooth(x, reference=self._train)

    def vectors(self, texts: pd.Series | list[str], batch_size: int = 10000, *, themed: bool = True) -> np.ndarray:
        """Each text as a unit vector: in the space of ``centres_`` (``themed``), or as read (``themed=False``).

        ``themed``: the vectors :meth:`transform` compares with the centres (projected and smoothed with
        the fitted texts, which pulls a text towards the themes); else the plain text vectors (TF-IDF +
        LSA, or embeddings), where a text unlike every fitted one stays unlike them. A row of zeros for a
        text without content.

        Parameters
        ----------
        texts : Series or list of str
            The texts.
        batch_size : int
            Texts read at a time (memory stays bounded).
        themed : bool
            The model's space (True) or the plain text space (False).

        Returns
        -------
        ndarray
            One unit row per text.
        """
        if not hasattr(self, "centres_"):
            raise ParameterError("fit the ThemeModel before vectors")
        texts, ok, _ = _clean(list(texts))
        idx = np.flatnonzero(ok)
        parts = [self._space(c) if themed else self._vectors(c)
                 for c in ([texts[i] for i in idx[s:s + batch_size]] for s in range(0, len(idx), batch_size))]
        dim = parts[0].shape[1] if parts else self.centres_.shape[1]
        out = np.zeros((len(texts), dim), dtype=parts[0].dtype if parts else self.centres_.dtype)
        if parts:
            out[idx] = np.vstack(parts)
        return out

    def _assign(self, texts: list[str], batch_size: int = 10000) -> tuple[np.ndarray, np.ndarray]:
        labels = np.empty(len(texts), dtype=int)
        dist = np.empty(len(texts))
        for start in range(0, len(texts), batch_size):
            x = self._space(texts[start:start + batch_size])
            sims = x @ self.centres_.T
            best = np.argmax(sims, axis=1)
            labels[start:start + len(best)] = best
            dist[start:start + len(best)] = 1 - sims[np.arange(len(best)), best]
        return labels, dist

    def transform(self, texts: pd.Series | list[str], batch_size: int = 10000) -> np.ndarray:
        """Theme of each new text (the nearest fitted centre after smoothing with the fitted texts); -1 if empty.

        Texts go through in batches of ``batch_size``: memory stays bounded whatever the number of texts.
        """
        if not hasattr(self, "centres_"):
            raise ParameterError("fit the ThemeModel before transform")
        texts, ok, _ = _clean(list(texts))
        out = np.full(len(texts), UNASSIGNED)
        idx = np.flatnonzero(ok)
        if len(idx):
            out[idx] = self._assign([texts[i] for i in idx], batch_size)[0]
        return out

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted model as plain arrays plus a JSON ``header`` (what :meth:`save` writes)."""
        if not hasattr(self, "centres_"):
            raise ParameterError("fit the ThemeModel before saving it")
        themes = self.themes_.to_dict("records") if hasattr(self, "themes_") else None
        header = {"format": FORMAT, "params": {k: getattr(self, k) for k in _PARAMS},
                  "embedding_model": EMBEDDING_MODEL if self.vectorizer == "embeddings" else None,
                  "n_themes_": int(self.n_themes_), "fitted_on_": int(self.fitted_on_),
                  "unassigned_": int(self.unassigned_), "non_answers_": int(self.non_answers_),
                  "silhouettes_": {str(k): v for k, v in self.silhouettes_.items()},
                  "smallest_shares_": {str(k): v for k, v in self.smallest_shares_.items()},
                  "words": getattr(self, "_words", None) is not None, "themes_": themes,
                  "themes_columns": list(self.themes_.columns) if themes is not None else None}
        arrays = {"centres": self.centres_, "labels": self.labels_, "distances": self.distances_, "train": self._train}
        if getattr(self, "text_centres_", None) is not None:
            arrays["text_centres"] = self.text_centres_
        if self.vectorizer == "tfidf":
            arrays.update(chars_terms=_vocabulary(self._chars), chars_idf=self._chars.idf_)
            if self._words is not None:
                arrays.update(words_terms=_vocabulary(self._words), words_idf=self._words.idf_)
        for name in ("_svd", "_lda"):
            if getattr(self, name, None) is not None:
                arrays[name[1:]] = getattr(self, name).matrix
        text = json.dumps(header, sort_keys=True, ensure_ascii=False, default=lambda o: o.item())
        return {"header": np.array(text), **arrays}

    def save(self, path: str | Path) -> Path:
        """Write the fitted model to ``path`` as an ``.npz`` of plain arrays and a JSON header (no pickle).

        The bytes depend only on the model: the same fit gives the same file.
        """
        from carelib.files import write_atomic

        return write_atomic(path, _zip_arrays(self.to_arrays()))

    @staticmethod
    def load(path: str | Path) -> ThemeModel:
        """Read a model written by :meth:`save`; any other file (a pickle, a foreign ``.npz``) is refused unread.

        Arrays are read with ``allow_pickle=False``: no file can make this run code.
        """
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            header = json.loads(str(arrays.pop("header")))
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise ValueError("no carelib header")
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError) as exc:
            raise DataError(f"{path}: not a saved ThemeModel (carelib reads only the .npz that "
                            f"ThemeModel.save writes, never a pickle): {exc}") from None
        return ThemeModel._from_arrays(header, arrays, path.name)

    @staticmethod
    def _from_arrays(header: dict, arrays: dict[str, np.ndarray], name: str) -> ThemeModel:
        params = header["params"]
        model = ThemeModel(**{**params, "k_range": tuple(params["k_range"])})
        if model.vectorizer == "embeddings" and header.get("embedding_model") != EMBEDDING_MODEL:
            raise DataError(f"{name}: embeddings of model {header.get('embedding_model')!r}; this carelib "
                            f"embeds with {EMBEDDING_MODEL!r}: refit the themes")
        if model.vectorizer == "tfidf":
            model._chars = _restore_tfidf(_char_tfidf(0), arrays["chars_terms"], arrays["chars_idf"])
            model._words = (_restore_tfidf(_word_tfidf(), arrays["words_terms"], arrays["words_idf"])
                            if header["words"] else None)
        model._svd = _Linear(arrays["svd"]) if "svd" in arrays else None
        model._lda = _Linear(arrays["lda"]) if "lda" in arrays else None
        model._train = arrays["train"]
        model.centres_, model.labels_, model.distances_ = arrays["centres"], arrays["labels"], arrays["distances"]
        if "text_centres" in arrays:
            model.text_centres_ = arrays["text_centres"]
        for key in ("n_themes_", "fitted_on_", "unassigned_", "non_answers_"):
            setattr(model, key, int(header[key]))
        model.silhouettes_ = {int(k): v for k, v in header["silhouettes_"].items()}
        model.smallest_shares_ = {int(k): v for k, v in header["smallest_shares_"].items()}
        if header.get("themes_") is not None:
            model.themes_ = pd.DataFrame(header["themes_"], columns=header["themes_columns"])
        return model

    # ------------------------------------------------------------------ labels
    def _describe(self, texts: list[str]) -> pd.DataFrame:
        from scipy.sparse import csr_matrix
        from sklearn.feature_extraction.text import CountVectorizer

        assigned = np.flatnonzero(self.labels_ >= 0)
        read = [texts[i][:LABEL_CHARS] for i in assigned]
        docs = pd.Series(read).groupby(self.labels_[assigned]).apply(" ".join)
        docs = docs.reindex(range(self.n_themes_), fill_value="")
        try:
            cv = CountVectorizer(analyzer=_label_terms, min_df=1)
            counts = cv.fit_transform(docs.tolist()).toarray().astype(float)
            vocab = np.array(cv.get_feature_names_out())
        except ValueError:  # only stop words
            counts, vocab = np.zeros((len(docs), 0)), np.array([])
        if len(vocab):  # one text counts a term at most LABEL_REPEATS times: take off what it repeats beyond that
            excess = cv.transform(read)
            excess.data = np.maximum(excess.data - LABEL_REPEATS, 0).astype(float)
            if excess.data.any():
                member = csr_matrix((np.ones(len(assigned)), (self.labels_[assigned], np.arange(len(assigned)))),
                                    shape=(self.n_themes_, len(assigned)))
                counts -= (member @ excess).toarray()
        tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        idf = np.log(1 + counts.sum(axis=1).mean() / np.maximum(counts.sum(axis=0), 1))
        score = tf * idf
        if len(vocab):  # a label term is in enough of the theme's own texts (LABEL_MIN_SHARE), with weight > 0
            present = cv.transform(read)
            present.data[:] = 1
            member = csr_matrix((np.ones(len(assigned)), (self.labels_[assigned], np.arange(len(assigned)))),
                                shape=(self.n_themes_, len(assigned)))
            df = (member @ present).toarray()
            sizes = np.bincount(self.labels_[assigned], minlength=self.n_themes_)[:, None]
            score = np.where((df >= np.maximum(1, LABEL_MIN_SHARE * sizes)) & (score > 0), score, 0.0)
        rows = []
        n_assigned = len(assigned)
        for t in range(self.n_themes_):
            members = np.flatnonzero(self.labels_ == t)
            top: list[str] = []
            ranked = np.argsort(-score[t]) if len(vocab) else np.array([], dtype=int)
            for term in vocab[ranked[score[t][ranked] > 0]].tolist():
                words = set(term.split())
                if any(words <= set(k.split()) or set(k.split()) <= words for k in top):
                    continue  # "late" after "late parcel": nothing new
                top.append(term)
                if len(top) == self.top_terms:
                    break
            closest = members[np.argsort(self.distances_[members], kind="stable")]
            quotes, said = [], set()
            for i in closest:  # the nearest texts, but not the same sentence twice with another order number
                shape = re.sub(r"[^a-z]+", " ", texts[i].lower()).strip()
                if shape not in said:
                    said.add(shape)
                    quotes.append(texts[i])
                if len(quotes) == self.n_quotes:
                    break
            rows.append({"theme": t, "label": ", ".join(top[:3]) or f"theme {t}", "size": len(members),
                         "share": round(len(members) / max(n_assigned, 1), 3), "terms": top, "quotes": quotes,
                         "members": members.tolist()})
        return pd.DataFrame(rows)

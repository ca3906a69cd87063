"""The theme book of a workspace: stable theme ids, names people give, and themes that last from week to week.

A book lives in ``WORKSPACE/themes/SOURCE/`` (one per text source: complaints, reviews, survey comments
and ticket messages do not share themes): ``model.npz``, the fitted :class:`~carelib.text.themes.ThemeModel`
(:meth:`~carelib.text.themes.ThemeModel.save`: plain arrays and a JSON header, read with
``allow_pickle=False``), and ``themes.yml``, which a person may edit — each theme's
``id`` (``T01``, ``T02`` …, never reused), ``name``, ``description`` and its ``history`` (created, renamed,
merged, split, retired). carelib refreshes ``label``, ``phrases`` and ``quotes``; it never overwrites a
``name`` a person changed (a name that differs from the label).

Weekly runs **assign** texts to the book's themes (:func:`assign`: the nearest theme centre, in the plain
text space, see :func:`_similarities` for why not the model's smoothed ``transform``); they never refit. Refitting is a decision: :func:`refit` proposes a new model on the current texts and matches its
themes to the old ids, and only ``carelib themes refit --apply`` writes it.

Rules
-----
**No code in a workspace.** A workspace is data that may come from anyone, so nothing carelib reads from it may
run code: the model is never a pickle. A ``model.pkl`` (books written before the ``.npz`` format) is refused
unread with an error naming it, and the folder is not mistaken for an absent book (which would be refitted
over the names people gave).

**Same inputs, same bytes.** The history's dates are the run's today (:func:`carelib.periods.today`:
``$CARELIB_TODAY``, else the clock; ``carelib demo-data`` passes the demo's fixed date), the ``.npz`` carries no
timestamps, and scores are rounded to 1e-9 before anything is ranked (ties then go to text order), so the
number of BLAS/OpenMP threads, whose float noise differs, cannot change a quote or a label.

**Fits no theme.** A text's similarity is the cosine between its plain vector (TF-IDF + LSA, or embeddings:
before the smoothing that pulls every text towards a theme) and the mean plain vector of its theme's fitted
texts (``text_centres_``, kept with the model). The book's ``threshold`` is the ``NOVELTY_QUANTILE`` (5 %) quantile of that
similarity over the texts the book was fitted on: by construction 1 text in 20 of the fit itself falls below
it. A new text below it fits no theme well: it is still given its nearest theme (shares stay comparable) and
is listed as a **candidate** for a new theme.

**A refit starts from the book's themes.** When the book's number of themes is fixed (``model.n_themes`` in
``themes.yml``) and equals its model's, the new model's k-means starts from the book's assignment of the current
texts (nearest theme centre) instead of a Ward tree of its own: the partition moves only where the current
texts pull it. A cold refit of 77 banking77 intents on another half re-cut 9 of 77 themes differently (88 %
kept, seed 0) though the intents were the same; a theme whose texts are gone still loses them (its start
group is emptied or taken by new texts, and the matching below retires it). With ``n_themes`` chosen
automatically (or changed), the refit fits from scratch.

**Matching a refit to the old ids.** Both models read the current texts. The old themes' centroids are
computed in the new model's plain text space (the mean of the new vectors of the current texts at least as
typical of each old theme as the median of its own fitted texts, ``typical`` in the book), so old and new centres are comparable; cosine similarities form a matrix, and the assignment that
maximises the total similarity (Hungarian method, :func:`scipy.optimize.linear_sum_assignment`) pairs old
and new themes. A pair with similarity ≥ ``MATCH_SIMILARITY`` (0.5) keeps the old id (**kept**, or
**renamed** when carelib's label changed and no person had named it). An unmatched new theme most of whose
texts (≥ ``OVERLAP_SHARE``, 50 %) the old model put in one matched theme is **split** from it; any other
unmatched new theme is **new** (a fresh id). An unmatched old theme most of whose current texts the new model
puts in one matched theme is **merged** into it; any other is **retired** (its id is never given again).

**Labels people can read.** Key phrases are 1–3-word n-grams as customers wrote them (no stop word in them,
never across a stop word, punctuation, a number or a redaction mark), taken only from the theme's own texts;
each counts once per text. A phrase's relevance is its coverage in the theme minus its coverage in the other
themes (shares of texts), times ``1 + 0.3 (words − 1)`` (a phrase says more than a word covering about as
much); it must appear in at least ``LABEL_MIN_SHARE`` (5 %) of the theme's texts. Phrases are then picked by
maximal marginal relevance (Carbonell & Goldstein 1998): ``(1 − d) · relevance − d · redundancy``, the
redundancy being the largest overlap (Jaccard of the texts, or of the words) with a phrase already picked.
The verbatims are picked the same way among the 50 most typical texts (cosine to the centre, one text per
wording), with diversity 0.5: the redundancy of two texts is the larger of their cosine and their wording
similarity (difflib's matching share of letters), which sees through a template with another product, order
number or typo; a text with a wording similarity of at least 0.75 to a quote already picked is skipped, so a
theme written in one template shows one quote.

References
----------
Carbonell & Goldstein (1998), The use of MMR, diversity-based reranking for reordering documents and
producing summaries, SIGIR; Kuhn (1955), The Hungarian method for the assignment problem, NRLQ 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from carelib.errors import DataError
from carelib.files import write_atomic
from carelib.text.themes import LABEL_MIN_SHARE, UNASSIGNED, ThemeModel

__all__ = ["BOOK_DIR", "MODEL_FILE", "BOOK_FILE", "NOVELTY_QUANTILE", "MATCH_SIMILARITY", "OVERLAP_SHARE", "ThemeBook",
           "Refit", "match_themes", "book_folder", "has_book", "fit_book", "load_book", "save_book", "assign", "refit",
           "key_phrases", "typical_verbatims"]

BOOK_DIR = "themes"
MODEL_FILE = "model.npz"
LEGACY_FILES = ("model.pkl",)  # pickled models of older books: refused, never read
BOOK_FILE = "themes.yml"
NOVELTY_QUANTILE = 0.05
MATCH_SIMILARITY = 0.5
OVERLAP_SHARE = 0.5
DIVERSITY = 0.3
SAME_TEMPLATE = 0.75  # wording similarity from which two texts are one template (0.8+ on the demo's, 0.3-0.6 else)
VERBATIM_DIVERSITY = 0.5  # quotes: as much weight on saying something new as on being typical
PHRASE_CHARS = 2000
HEADER = ("# The theme book of this workspace's {source} (carelib, docs/themes.md).\n"
          "# Edit a theme's name and description by hand: carelib keeps them. Ids are carelib's; do not reuse one.\n"
          "# label, phrases and quotes are refreshed by `carelib themes refit --apply`.\n")


@dataclass(eq=False)
class ThemeBook:
    """A fitted model and its themes with stable ids (``themes``: one dict per theme, as in ``themes.yml``)."""

    model: ThemeModel
    themes: list[dict[str, Any]]
    threshold: float
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def active(self) -> list[dict[str, Any]]:
        """The themes texts can be assigned to (not retired), in id order."""
        return [t for t in self.themes if t.get("status", "active") == "active"]

    @property
    def names(self) -> dict[str, str]:
        """Theme id → name, every theme (retired ones too)."""
        return {t["id"]: t["name"] for t in self.themes}

    def ids(self) -> np.ndarray:
        """Theme id of each of the model's themes (its ``centres_`` rows)."""
        out = np.empty(self.model.n_themes_, dtype=object)
        for t in self.active:
            out[int(t["model_theme"])] = t["id"]
        return out


def book_folder(workspace: str | Path, source: str) -> Path:
    """``WORKSPACE/themes/SOURCE``: where the book of one text source lives."""
    return Path(workspace) / BOOK_DIR / source


def has_book(workspace: str | Path, source: str) -> bool:
    """Whether the workspace holds a book for ``source``: its ``themes.yml`` (:func:`load_book` then checks the model).

    A folder with ``themes.yml`` but no readable model is a book that cannot be read, never a missing one: a run
    must say so, not fit a new book over the names people gave.
    """
    return (book_folder(workspace, source) / BOOK_FILE).is_file()


# --------------------------------------------------------------------------- labels


_SPLIT = re.compile(r"\[[^\]]*\]|[^\w\s'’-]|\b\w*\d\w*\b")  # punctuation, numbers, ids and [redacted] marks
_WORDS = re.compile(r"[^\W\d_]{2,}(?:['’][^\W\d_]+)?")


def _phrases(text: str) -> list[str]:
    """Candidate phrases of one text: 1–3 adjacent words as written, none of them a stop word."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    out = []
    for part in _SPLIT.split(text[:PHRASE_CHARS].lower()):
        run: list[str] = []
        for word in [*_WORDS.findall(part), ""]:  # a stop word ends a run of words ("" ends the last)
            if word and word not in ENGLISH_STOP_WORDS:
                run.append(word)
                continue
            for n in (1, 2, 3):
                out += [" ".join(run[i:i + n]) for i in range(len(run) - n + 1)]
            run = []
    return out


def _mmr(relevance: np.ndarray, similarity: np.ndarray, top: int, diversity: float,
         blocks: np.ndarray | None = None) -> list[int]:
    """Indices picked by maximal marginal relevance (relevance scaled to [0, 1] first).

    ``blocks[i, j]``: once ``j`` is picked, ``i`` says nothing new (its words are within ``j``'s or hold them).
    """
    if len(relevance) == 0:
        return []
    rel = relevance / max(float(np.max(relevance)), 1e-12)
    chosen: list[int] = []
    left = list(range(len(rel)))
    while left and len(chosen) < top:
        penalty = similarity[np.ix_(left, chosen)].max(axis=1) if chosen else np.zeros(len(left))
        score = np.round((1 - diversity) * rel[left] - diversity * penalty, 9)  # ties: the first, not float noise
        best = left[int(np.argmax(score))]
        chosen.append(best)
        left = [i for i in left if i != best and not (blocks is not None and blocks[i, best])]
    return chosen


def key_phrases(texts: list[str], labels: np.ndarray, n_themes: int, *, top: int = 5,
                diversity: float = DIVERSITY) -> list[list[str]]:
    """Key phrases of each theme, picked by MMR among 1–3-grams of the theme's own texts (module notes).

    Parameters
    ----------
    texts : list of str
        The texts (redacted).
    labels : ndarray
        Theme (0 … ``n_themes`` − 1) of each text; negative: in no theme.
    n_themes : int
        Number of themes.
    top : int
        Phrases per theme at most.
    diversity : float
        Weight of redundancy against relevance in MMR, in [0, 1].

    Returns
    -------
    list of list of str
        Per theme, its phrases, the most relevant first; every word of a phrase is in the theme's texts.

    Examples
    --------
    >>> t = ["charged twice for one order", "I was charged twice", "card charged twice again",
    ...      "parcel late again", "my parcel is late", "late parcel, no tracking"]
    >>> key_phrases(t, np.array([0, 0, 0, 1, 1, 1]), 2, top=2)
    [['charged twice', 'card charged'], ['late', 'parcel']]
    """
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import CountVectorizer

    labels = np.asarray(labels)
    keep = np.flatnonzero(labels >= 0)
    if not len(keep):
        return [[] for _ in range(n_themes)]
    try:
        cv = CountVectorizer(analyzer=_phrases, binary=True)
        x = cv.fit_transform([texts[i] for i in keep]).tocsc()
    except ValueError:  # no phrase at all (stop words only)
        return [[] for _ in range(n_themes)]
    vocab = np.array(cv.get_feature_names_out())
    lab = labels[keep]
    member = csr_matrix((np.ones(len(keep)), (lab, np.arange(len(keep)))), shape=(n_themes, len(keep)))
    df = (member @ x).toarray()
    sizes = np.bincount(lab, minlength=n_themes).astype(float)
    total, n = df.sum(axis=0), len(keep)
    length = np.array([1 + 0.3 * (p.count(" ")) for p in vocab])
    out = []
    for t in range(n_themes):
        size = sizes[t]
        if not size:
            out.append([])
            continue
        inside = df[t] / size
        outside = (total - df[t]) / max(n - size, 1)
        need = max(1.0, np.ceil(LABEL_MIN_SHARE * size), 2.0 if size >= 10 else 1.0)
        rel = (inside - outside) * length
        ok = np.flatnonzero((df[t] >= need) & (rel > 0))
        pool = ok[np.argsort(-rel[ok], kind="stable")[:30]]
        if not len(pool):
            out.append([])
            continue
        rows = x[:, pool][lab == t].T.tocsr().astype(bool).astype(float)  # pool phrase × theme text
        inter = (rows @ rows.T).toarray()
        counts = np.diag(inter)
        jacc = inter / np.maximum(counts[:, None] + counts[None, :] - inter, 1)
        words = [set(vocab[i].split()) for i in pool]
        overlap = np.array([[len(a & b) / len(a | b) for b in words] for a in words])
        nested = np.array([[a <= b or b <= a for b in words] for a in words])
        out.append([str(vocab[pool[i]]) for i in _mmr(rel[pool], np.maximum(jacc, overlap), top, diversity, nested)])
    return out


#: Letters of a text's shape that its wording is compared on: a template shows in its first sentences, and
#: difflib's ratio is quadratic in the length (two 3,000-character app reviews: ~0.1 s a pair).
WORDING_CHARS = 300


def _shape(text: str) -> str:
    return re.sub(r"[^a-z]+", " ", text.lower()).strip()


def _wording(shape: str, others: list[str]) -> np.ndarray:
    """How much each of ``others`` is the sentence ``shape``: the matching share of their letters (difflib's ratio)
    over their first :data:`WORDING_CHARS` letters.

    A template with another product or a typo ("The table lamp broke after two weeks …", "The wool throw broke
    …") scores 0.8 or more; two sentences of one theme in other words ("my parcel is late again", "courier was
    late with my parcel") score about 0.3 — where their TF-IDF vectors may say the opposite.
    """
    from difflib import SequenceMatcher

    match = SequenceMatcher(None, autojunk=False)
    match.set_seq2(shape[:WORDING_CHARS])
    out = []
    for other in others:
        match.set_seq1(other[:WORDING_CHARS])
        out.append(round(match.ratio(), 9))
    return np.array(out)


def typical_verbatims(texts: list[str], vectors: np.ndarray, centre: np.ndarray, *, top: int = 3,
                      pool: int = 50, diversity: float = VERBATIM_DIVERSITY,
) -> list[str]:
    """The ``top`` texts most typical of a theme and different from each other (MMR), one per wording.

    Parameters
    ----------
    texts : list of str
        The theme's texts.
    vectors : ndarray
        Their unit vectors (rows), in the space of ``centre``.
    centre : ndarray
        The theme's unit centre.
    top, pool : int
        Verbatims wanted, and nearest texts they are picked from.
    diversity : float
        Weight of redundancy against typicality, in [0, 1].
    Returns
    -------
    list of str

    Notes
    -----
    Redundancy is the larger of the texts' cosine and their wording similarity (the matching share of their
    letters, difflib), which sees through a template with another product, order number or typo; a text whose
    wording is at least ``SAME_TEMPLATE`` (0.75) like a quote already picked is skipped, so a theme written in
    one template shows one quote, not the same sentence three times. Typicality is the cosine to the centre rounded to 1e-9, ranked with ties going to text order, so the
    float noise of a different number of BLAS threads cannot reorder near-ties.

    Examples
    --------
    >>> v = np.array([[1.0, 0.0], [0.99, 0.14], [0.8, 0.6]])
    >>> typical_verbatims(["late A1", "late A2", "late and rude"], v, np.array([1.0, 0.0]), top=2)
    ['late A1', 'late and rude']
    >>> t = ["The lamp broke after two weeks. Poor quality.", "The throw broke after two weeks. Poor quality.",
    ...      "Poor quality stitching, it came apart."]
    >>> typical_verbatims(t, np.array([[1.0, 0.0], [0.98, 0.2], [0.6, 0.8]]), np.array([1.0, 0.0]), top=2)
    ['The lamp broke after two weeks. Poor quality.', 'Poor quality stitching, it came apart.']
    """
    sims = np.round(vectors @ centre, 9)
    order = np.lexsort((np.array(texts, dtype=object).astype(str), -sims))  # typicality, then text order
    picked, seen = [], set()
    for i in order:  # one text per wording ("late A1" and "late A2" are one sentence)
        shape = _shape(texts[i])
        if shape not in seen:
            seen.add(shape)
            picked.append(int(i))
        if len(picked) == pool:
            break
    v = vectors[picked]
    cosine = np.clip(np.round(v @ v.T, 9), 0, 1)
    shapes = [_shape(texts[i]) for i in picked]
    rel = np.maximum(sims[picked], 0)
    rel = rel / max(float(rel.max()), 1e-12) if len(rel) else rel
    penalty = np.zeros(len(picked))
    chosen: list[int] = []
    left = list(range(len(picked)))
    while left and len(chosen) < top:  # MMR, the wording compared only with the quotes picked (not all pairs)
        score = np.round((1 - diversity) * rel[left] - diversity * penalty[left], 9)
        best = left[int(np.argmax(score))]
        chosen.append(best)
        left = [i for i in left if i != best]
        wording = _wording(shapes[best], [shapes[i] for i in left])
        penalty[left] = np.maximum(penalty[left], np.maximum(cosine[left, best], wording))
        left = [i for i, w in zip(left, wording, strict=True) if w < SAME_TEMPLATE]  # one template: one quote
    return [texts[picked[i]] for i in chosen]


def _describe(model: ThemeModel, texts: list[str], labels: np.ndarray, vectors: np.ndarray) -> list[dict]:
    """Phrases, quotes and size of each of the model's themes from the texts assigned to them."""
    phrases = key_phrases(texts, labels, model.n_themes_)
    out = []
    for t in range(model.n_themes_):
        idx = np.flatnonzero(labels == t)
        quotes = typical_verbatims([texts[i] for i in idx], vectors[idx], model.text_centres_[t]) if len(idx) else []
        label = ", ".join(phrases[t][:3]) or f"theme {t + 1}"
        out.append({"label": label, "phrases": phrases[t], "quotes": quotes, "size": int(len(idx))})
    return out


# --------------------------------------------------------------------------- fit, assign


def _similarities(model: ThemeModel, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Plain text vectors, nearest theme and cosine to it (theme -1, similarity NaN for a text without content).

    Read in the plain text space (TF-IDF + LSA or embeddings) against ``text_centres_``, the mean plain
    vector of each theme's fitted texts (set by :func:`fit_book`): a nearest-centroid rule over the model's
    themes. Why not the model's smoothed space: there a text is pulled towards its nearest fitted texts, so
    a text unlike all of them still looks typical, and on the demo "Double payment on order O000001 …" went
    to "citing policy" (similarity 0.02) while its plain similarity to "double payment" is 0.98.
    """
    return _nearest(model, model.vectors(texts, themed=False))


def _nearest(model: ThemeModel, plain: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_similarities` of texts already read as plain vectors."""
    has = np.linalg.norm(plain, axis=1) > 0
    sims = np.round(plain @ model.text_centres_.T, 9)  # near-ties: the lower theme, whatever the BLAS threads
    nearest = np.where(has, np.argmax(sims, axis=1), UNASSIGNED)
    best = np.where(has, sims[np.arange(len(plain)), np.maximum(nearest, 0)], np.nan)
    return plain, nearest, best


def _text_centres(plain: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Unit mean of the plain vectors of each theme's texts."""
    centres = np.zeros((k, plain.shape[1]))
    ok = labels >= 0
    np.add.at(centres, labels[ok], plain[ok])
    return centres / np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)


def _today(today: Any) -> str:
    from carelib.periods import today as run_today

    return str(run_today(today).date())


def fit_book(texts: list[str] | pd.Series, *, source: str = "texts", weeks: list[str] | None = None,
             n_themes: int | None = None, vectorizer: str = "tfidf", seed: int = 0,
             k_range: tuple[int, int] = (4, 30), today: Any = None, init_labels: np.ndarray | None = None) -> ThemeBook:
    """A new book: a model fitted on ``texts``, its themes numbered ``T01`` … by size, labels and threshold.

    Parameters
    ----------
    texts : list of str or Series
        The texts (redacted), e.g. every complaint of the workspace.
    source : str
        The source they come from (recorded in the book).
    weeks : list of str, optional
        First and last ISO week of the texts (recorded).
    n_themes : int, optional
        Number of themes; None chooses it within ``k_range``.
    vectorizer : {"tfidf", "embeddings"}
        How texts become vectors.
    seed : int
        Seed of the model.
    k_range : (int, int)
        Range of theme counts tried when ``n_themes`` is None.
    today : str, optional
        Date written in the history (default the run's today, :func:`carelib.periods.today`).
    init_labels : ndarray, optional
        A starting theme per text (−1: none) instead of the Ward tree (:meth:`ThemeModel.fit`; what a refit
        warm-started from the old book passes).

    Returns
    -------
    ThemeBook
    """
    from carelib.text.clean import clean_text

    texts = [clean_text(t) if isinstance(t, str) else "" for t in list(texts)]  # labels and quotes: plain text
    model = ThemeModel(n_themes=n_themes, vectorizer=vectorizer, seed=seed, k_range=k_range).fit(texts, init_labels)
    plain = model.vectors(texts, themed=False)  # read once: for the centres and for the nearest theme
    model.text_centres_ = _text_centres(plain, model.labels_, model.n_themes_)
    vectors, nearest, best = _nearest(model, plain)
    threshold = round(float(np.nanquantile(best, NOVELTY_QUANTILE)), 4)  # as themes.yml keeps it: a book read back
    # from its files says of every text what the book that was fitted said
    when = _today(today)
    themes = []
    for t, d in enumerate(_describe(model, texts, nearest, vectors)):
        typical = float(np.nanmedian(best[nearest == t])) if (nearest == t).any() else threshold
        themes.append({"id": f"T{t + 1:02d}", "name": d["label"], "description": "", "status": "active",
                       "model_theme": t, **d, "typical": round(typical, 4), "history": [{"date": when, "event": "created",
                                                            "detail": f"fitted on {len(texts):,} texts"}]})
    meta = {"source": source, "fitted_on": int((nearest >= 0).sum()), "weeks": list(weeks or []),
            "model": {"n_themes": n_themes, "vectorizer": vectorizer, "seed": seed, "k_range": list(k_range)},
            "next_id": len(themes) + 1, "novelty": {"quantile": NOVELTY_QUANTILE, "similarity": threshold}}
    return ThemeBook(model, themes, threshold, meta)


def assign(book: ThemeBook, texts: list[str] | pd.Series) -> pd.DataFrame:
    """Each text's theme in the book (no refit): ``theme`` (id), ``name``, ``similarity``, ``fits``.

    Parameters
    ----------
    book : ThemeBook
        The workspace's book.
    texts : list of str or Series
        The texts to assign (redacted).

    Returns
    -------
    DataFrame
        One row per text, in order; a text without content has no theme (None) and ``fits`` False.
        ``fits`` is False for a text whose similarity is below the book's ``threshold``: a candidate
        for a new theme.
    """
    texts = [t if isinstance(t, str) else "" for t in list(texts)]
    _, nearest, best = _similarities(book.model, texts)
    ids, names = book.ids(), book.names
    theme = [ids[t] if t >= 0 else None for t in nearest]
    return pd.DataFrame({"theme": theme, "name": [names.get(t) if t else None for t in theme],
                         "similarity": best, "fits": np.nan_to_num(best, nan=-1.0) >= book.threshold})


# --------------------------------------------------------------------------- files


def save_book(book: ThemeBook, folder: str | Path) -> Path:
    """Write ``model.npz`` (no pickle) and ``themes.yml`` into ``folder`` (created), each file whole or not at all."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    book.model.save(folder / MODEL_FILE)
    doc = {**book.meta, "themes": book.themes}
    text = HEADER.format(source=book.meta.get("source", "texts")) + yaml.safe_dump(doc, sort_keys=False,
                                                                                   allow_unicode=True, width=110)
    write_atomic(folder / BOOK_FILE, text)
    return folder


def load_book(folder: str | Path) -> ThemeBook:
    """Read a book written by :func:`save_book` (and perhaps edited by hand); errors name the file and theme."""
    folder = Path(folder)
    where = f"{folder.parent.name}/{folder.name}/{BOOK_FILE}"
    legacy = [name for name in LEGACY_FILES if (folder / name).is_file()]
    if (folder / BOOK_FILE).is_file() and not (folder / MODEL_FILE).is_file() and legacy:
        raise DataError(f"{folder / legacy[0]}: a pickled theme model, which carelib never loads (unpickling a "
                        f"workspace's file would run whatever code it holds); the book needs {MODEL_FILE}: move "
                        f"{folder} aside and run the voice-of-the-customer notebook once to fit a new book")
    if not (folder / BOOK_FILE).is_file() or not (folder / MODEL_FILE).is_file():
        raise DataError(f"{folder}: no theme book ({BOOK_FILE} and {MODEL_FILE}); run the voice-of-the-customer "
                        f"notebook on this workspace once: it fits one on the texts and saves it there")
    try:
        doc = yaml.safe_load((folder / BOOK_FILE).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise DataError(f"{where} does not parse as YAML: {exc}") from exc
    themes = doc.pop("themes", None) if isinstance(doc, dict) else None
    if not isinstance(themes, list) or not all(isinstance(t, dict) and t.get("id") for t in themes):
        raise DataError(f"{where}: expected `themes:` as a list of themes, each with an id")
    model = ThemeModel.load(folder / MODEL_FILE)
    seen: set[str] = set()
    for t in themes:
        if t["id"] in seen:
            raise DataError(f"{where}: theme id {t['id']!r} appears twice; each id must be unique")
        seen.add(t["id"])
        t["name"] = str(t.get("name") or t.get("label") or t["id"]).strip()
        t.setdefault("status", "active")
        if t["status"] == "active" and not (isinstance(t.get("model_theme"), int)
                                            and 0 <= t["model_theme"] < model.n_themes_):
            raise DataError(f"{where}, theme {t['id']}: model_theme must be a theme of {MODEL_FILE} (0 to "
                            f"{model.n_themes_ - 1}), found {t.get('model_theme')!r}")
    if sorted(int(t["model_theme"]) for t in themes if t["status"] == "active") != list(range(model.n_themes_)):
        raise DataError(f"{where}: each of the model's {model.n_themes_} themes needs exactly one active theme")
    threshold = float((doc.get("novelty") or {}).get("similarity", 0.0))
    return ThemeBook(model, themes, threshold, doc)


# --------------------------------------------------------------------------- refit


@dataclass(eq=False)
class Refit:
    """A proposed refit: the new book (not written) and what changes, one row per theme (``diff``)."""

    book: ThemeBook
    diff: pd.DataFrame
    similarity: np.ndarray


def _old_centres(old: ThemeBook, texts: list[str], vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The old themes' centroids in the new space and the old labels of the texts.

    A centroid is the mean new vector of the current texts as typical of the old theme as the typical half
    of its fitted texts (similarity at least the theme's ``typical``, their median): a text the old model only puts there for want of a better theme does not
    count, so an old theme none of whose texts is still written has no centroid (similarity 0 to all).
    """
    _, labels, best = _similarities(old.model, texts)
    typical = np.full(old.model.n_themes_, old.threshold)
    for t in old.active:
        typical[int(t["model_theme"])] = float(t.get("typical", old.threshold))
    ok = (labels >= 0) & (np.nan_to_num(best, nan=-1.0) >= typical[np.maximum(labels, 0)])
    typical_labels = np.where(ok, labels, UNASSIGNED)  # the merge and split rules read these too
    return _text_centres(vectors, typical_labels, old.model.n_themes_), typical_labels


def match_themes(similarity: np.ndarray, threshold: float = MATCH_SIMILARITY) -> dict[int, int]:
    """Old theme → new theme by optimal assignment on ``similarity`` (old × new), pairs ≥ ``threshold`` only.

    Examples
    --------
    >>> match_themes(np.array([[0.9, 0.8], [0.85, 0.1], [0.2, 0.3]]))
    {0: 1, 1: 0}
    """
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(-np.asarray(similarity))
    return {int(r): int(c) for r, c in zip(rows, cols, strict=True) if similarity[r, c] >= threshold}


def _main_share(a: np.ndarray, b: np.ndarray, which: int) -> tuple[int, float]:
    """Among texts with ``a == which``: the commonest value of ``b`` and its share."""
    got = b[(a == which) & (b >= 0)]
    if not len(got):
        return -1, 0.0
    values, counts = np.unique(got, return_counts=True)
    return int(values[np.argmax(counts)]), float(counts.max() / len(got))


def refit(book: ThemeBook, texts: list[str] | pd.Series, *, weeks: list[str] | None = None, today: Any = None,
          threshold: float = MATCH_SIMILARITY) -> Refit:
    """Propose a new model on ``texts`` and match its themes to the book's ids (module notes: the rules).

    Parameters
    ----------
    book : ThemeBook
        The current book.
    texts : list of str or Series
        The current texts (redacted).
    weeks : list of str, optional
        First and last ISO week of the texts (recorded).
    today : str, optional
        Date written in the history.
    threshold : float
        Least centroid similarity for a new theme to keep an old id.

    Returns
    -------
    Refit
        ``diff``: ``change`` (kept, renamed, merged, split, new, retired), ``id``, ``name``, ``was``
        (the name before), ``similarity``, ``texts`` (now), ``note``; the names people gave are kept.
    """
    m = book.meta.get("model", {})
    texts = [t if isinstance(t, str) else "" for t in list(texts)]
    warm = None
    if m.get("n_themes") is not None and int(m["n_themes"]) == book.model.n_themes_:
        warm = _similarities(book.model, texts)[1]  # start from the book's own themes (module notes)
    new = fit_book(texts, source=book.meta.get("source", "texts"), weeks=weeks, n_themes=m.get("n_themes"),
                   vectorizer=m.get("vectorizer", "tfidf"), seed=int(m.get("seed", 0)),
                   k_range=tuple(m.get("k_range", (4, 30))), today=today, init_labels=warm)
    vectors, new_labels, _ = _similarities(new.model, texts)
    centres, old_labels = _old_centres(book, texts, vectors)
    sim = centres @ new.model.text_centres_.T
    pairs = match_themes(sim, threshold)
    by_new = {n: o for o, n in pairs.items()}
    old_ids, when = book.ids(), _today(today)
    old = {t["id"]: t for t in book.active}
    next_id = int(book.meta.get("next_id", len(book.themes) + 1))
    themes, rows = [], []
    for n, d in enumerate(new.themes):
        base = {k: d[k] for k in ("label", "phrases", "quotes", "size", "typical")}
        if n in by_new:
            prev = old[old_ids[by_new[n]]]
            named = prev["name"] != prev.get("label")  # a person named it: the name stays
            name = prev["name"] if named else d["label"]
            change = "renamed" if name != prev["name"] else "kept"
            history = list(prev.get("history", [])) + ([{"date": when, "event": "renamed",
                                                         "detail": f"label was {prev['name']!r}"}] if change == "renamed" else [])
            themes.append({**prev, **base, "name": name, "model_theme": n, "history": history})
            rows.append((change, prev["id"], name, prev["name"], sim[by_new[n], n], ""))
            continue
        src, share = _main_share(new_labels, old_labels, n)
        tid = f"T{next_id:02d}"
        next_id += 1
        if src >= 0 and src in pairs and share >= OVERLAP_SHARE:
            event, note = "split", f"split from {old_ids[src]} ({share:.0%} of its texts were there)"
        else:
            event, note = "new", ""
        themes.append({"id": tid, "name": d["label"], "description": "", "status": "active", "model_theme": n,
                       **base, "history": [{"date": when, "event": event, "detail": note or "new at refit"}]})
        rows.append((event, tid, d["label"], "", float(sim[:, n].max()) if len(sim) else np.nan, note))
    for o, tid in enumerate(old_ids):
        if o in pairs:
            continue
        prev = old[tid]
        dst, share = _main_share(old_labels, new_labels, o)
        if dst >= 0 and dst in by_new and share >= OVERLAP_SHARE:
            into = old_ids[by_new[dst]]
            event, note = "merged", f"merged into {into} ({share:.0%} of its texts are there)"
        else:
            event, note = "retired", "no current theme holds its texts"
        themes.append({**prev, "status": "retired", "model_theme": None, "size": 0,
                       "history": list(prev.get("history", [])) + [{"date": when, "event": event, "detail": note}]})
        rows.append((event, tid, prev["name"], prev["name"], float(sim[o].max()), note))
    themes += [t for t in book.themes if t.get("status") != "active"]
    themes.sort(key=lambda t: (t.get("status") != "active", int(t["id"][1:])))
    meta = {**book.meta, **{k: new.meta[k] for k in ("fitted_on", "weeks", "novelty")}, "next_id": next_id}
    proposed = ThemeBook(new.model, themes, new.threshold, meta)
    diff = pd.DataFrame(rows, columns=["change", "id", "name", "was", "similarity", "note"])
    sizes = {t["id"]: t.get("size", 0) for t in themes}
    diff.insert(4, "texts", diff["id"].map(sizes).fillna(0).astype(int))
    order = {c: i for i, c in enumerate(["new", "split", "merged", "retired", "renamed", "kept"])}
    diff = diff.sort_values(["change", "id"], key=lambda s: s.map(order) if s.name == "change" else s, kind="stable")
    return Refit(proposed, diff.reset_index(drop=True), sim)

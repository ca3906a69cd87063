"""Voice of the customer over a big table: texts streamed in batches, redacted, scored and assigned to the book.

:func:`run` reads the customers' texts of one source from a workspace on an engine (DuckDB: the validated
table sorted by its id and fetched as Arrow record batches of ``batch_size`` rows; pandas: slices of the
loaded table) and never holds the table whole. For each batch, in this order:

1. **Redaction** (the parent process, before anything is derived): every distinct raw text of the batch
   once, with the workspace's roster (the practice's redactor).
2. **Scores** (worker processes): each distinct redacted text once — VADER compound and label
   (:func:`carelib.text.sentiment.sentiment`), the emotion flags and main emotion
   (:func:`carelib.text.emotion.emotions`), and the book's theme (:class:`Assigner`).
3. **Results**: one row per text appended to ``texts.parquet`` in the run folder, and the weekly counts
   (texts per theme, per sentiment, per emotion, per week; themes by sentiment and emotion) added up.

Batches go to a process pool (``workers``, default 2) at most ``workers + 1`` at a time and come back in
the order they were sent, so the output is the same file whatever the number of workers, and memory is
bounded by a few batches. Every row is accounted for: rows in the table = rows set aside by the contract
(by reason) + rows without text + texts read; texts read = texts with a theme + texts without content
(non-answers, no known word), which keep no theme.

**Themes.** The workspace's theme book (:mod:`carelib.text.themebook`) when there is one; else a book is
fitted on a **seeded sample** of ``sample_size`` texts (default 20,000) stratified by ISO week (each week
contributes in proportion to its texts, the texts of a week picked by a seeded hash of their id), redacted
first, and saved as the practice saves it.

**Fast assignment.** :meth:`~carelib.text.themebook.assign` reads each text through the model's TF-IDF
vectorizers (3 k texts/s). :class:`Assigner` gives the same theme and similarity from the model's saved
arrays (:meth:`~carelib.text.themes.ThemeModel.to_arrays`): character n-grams of ``char_wb`` never cross
a word, so a text's character counts are the sum of its words' counts — computed once per distinct word of
a batch and summed by a sparse product (texts × words) @ (words × n-grams); then the same sublinear TF,
IDF, L2 norms, LSA projection and cosine to the theme centres. A model without those arrays (embeddings)
is assigned by :func:`~carelib.text.themebook.assign`.
"""

from __future__ import annotations

import multiprocessing
import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from carelib.data import engines
from carelib.errors import DataError, ParameterError
from carelib.text import themebook
from carelib.text.clean import clean_text, is_non_answer
from carelib.text.emotion import EMOTIONS, emotions
from carelib.text.sentiment import sentiment

__all__ = ["BATCH_SIZE", "SAMPLE_SIZE", "ID_COLUMNS", "Assigner", "ScaleRun", "score_texts", "sample_texts",
           "text_batches", "spark_scored", "run"]

#: Rows read, redacted and scored at a time.
BATCH_SIZE = 50_000
#: Texts a new theme book is fitted on (a seeded sample stratified by week).
SAMPLE_SIZE = 20_000
#: The id column of each text source.
ID_COLUMNS = {"complaints": "complaint_id", "responses": "response_id", "messages": "message_id",
              "reviews": "review_id"}
#: Columns of the per-text results (``texts.parquet``), after the source's id, week, time and extra columns.
RESULT_COLUMNS = ["theme", "theme_label", "similarity", "fits", "non_answer", "compound", "sentiment", "emotion",
                  *EMOTIONS]
_RESULT_TYPES = {c: (float if c in ("similarity", "compound") else object if c in ("theme", "theme_label", "sentiment",
                                                                                  "emotion") else bool)
                 for c in RESULT_COLUMNS}
_LETTERS = 64  # more ASCII letters than any phrase of clean.NON_ANSWERS holds: such a text is an answer
_NOT_LETTER = re.compile(r"[^A-Za-z]+")


def _non_answer(text: str) -> bool:
    """:func:`carelib.text.clean.is_non_answer` of a cleaned text, without folding long plain-ASCII texts."""
    if text.isascii() and len(_NOT_LETTER.sub("", text[:200])) > _LETTERS:
        return False  # every ASCII letter survives the fold, so the folded text is longer than any non-answer
    return is_non_answer(text)


class Assigner:
    """The book's nearest theme centre and cosine for each text, as :func:`themebook.assign` gives them, faster.

    Parameters
    ----------
    book : ThemeBook
        The theme book; its model's arrays (:meth:`~carelib.text.themes.ThemeModel.to_arrays`) are read once.
    """

    def __init__(self, book: themebook.ThemeBook) -> None:
        from sklearn.feature_extraction.text import CountVectorizer

        self.book = book
        self.ids = book.ids()
        self.names = book.names
        arrays = book.model.to_arrays() if hasattr(book.model, "to_arrays") else {}
        self.fast = "chars_terms" in arrays and "text_centres" in arrays
        if not self.fast:
            return
        self.chars = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5), dtype=np.float64,
                                     vocabulary={str(t): i for i, t in enumerate(arrays["chars_terms"])})
        self.chars_idf = np.asarray(arrays["chars_idf"], dtype=np.float64)
        self.words = None
        if "words_terms" in arrays:
            self.words = CountVectorizer(stop_words="english", ngram_range=(1, 2), dtype=np.float64,
                                         vocabulary={str(t): i for i, t in enumerate(arrays["words_terms"])})
            self.words_idf = np.asarray(arrays["words_idf"], dtype=np.float64)
        self.svd = np.asarray(arrays["svd"], dtype=np.float64) if "svd" in arrays else None
        self.centres = np.asarray(arrays["text_centres"], dtype=np.float64)

    @staticmethod
    def _tfidf(counts, idf: np.ndarray):
        """Sublinear TF times IDF, rows L2-normalised (what ``TfidfVectorizer`` does to counts)."""
        from sklearn.preprocessing import normalize

        counts = counts.tocsr()
        counts.data = np.log(counts.data) + 1.0
        return normalize(counts.multiply(idf[None, :]).tocsr())

    def _char_counts(self, texts: list[str]):
        """Character n-gram counts of each text: its words' counts summed (``char_wb`` never crosses a word)."""
        from scipy.sparse import csr_matrix

        index: dict[str, int] = {}
        cols, indptr = [], [0]
        for t in texts:
            for w in t.lower().split():
                cols.append(index.setdefault(w, len(index)))
            indptr.append(len(cols))
        words = csr_matrix((np.ones(len(cols)), np.asarray(cols, dtype=np.int64), np.asarray(indptr)),
                           shape=(len(texts), max(len(index), 1)))
        if not index:
            return csr_matrix((len(texts), len(self.chars.vocabulary)))
        per_word = self.chars.transform(list(index))
        return (words @ per_word).tocsr()

    def _plain(self, texts: list[str]) -> np.ndarray:
        """Unit plain vectors (TF-IDF + LSA) of cleaned texts with content, as the model computes them."""
        from scipy.sparse import hstack
        from sklearn.preprocessing import normalize

        c = self._tfidf(self._char_counts(texts), self.chars_idf)
        x = normalize(hstack([self._tfidf(self.words.transform(texts), self.words_idf), c]).tocsr()
                      if self.words is not None else c)
        return normalize(np.asarray(x @ self.svd) if self.svd is not None else x.toarray())

    def assign(self, texts: list[str]) -> pd.DataFrame:
        """``theme`` (id or None), ``name``, ``similarity`` (NaN without content), ``fits``, ``non_answer`` per text.

        Parameters
        ----------
        texts : list of str
            Redacted texts.

        Returns
        -------
        DataFrame
            One row per text, in order.
        """
        cleaned = [clean_text(t) if isinstance(t, str) else "" for t in texts]
        ok = np.array([bool(s.strip()) and not _non_answer(s) for s in cleaned], dtype=bool)
        if not self.fast:
            out = themebook.assign(self.book, texts)
            return out.assign(non_answer=~ok)
        nearest = np.full(len(texts), -1)
        best = np.full(len(texts), np.nan)
        idx = np.flatnonzero(ok)
        if len(idx):
            plain = self._plain([cleaned[i] for i in idx])
            sims = plain @ self.centres.T
            has = np.linalg.norm(plain, axis=1) > 0
            top = np.argmax(sims, axis=1)
            nearest[idx] = np.where(has, top, -1)
            best[idx] = np.where(has, sims[np.arange(len(idx)), top], np.nan)
        theme = [self.ids[t] if t >= 0 else None for t in nearest]
        return pd.DataFrame({"theme": pd.Series(theme, dtype=object),
                             "name": pd.Series([self.names.get(t) if t else None for t in theme], dtype=object),
                             "similarity": best, "fits": np.nan_to_num(best, nan=-1.0) >= self.book.threshold,
                             "non_answer": ~ok})


def score_texts(texts: list[str], assigner: Assigner) -> pd.DataFrame:
    """Theme, similarity, sentiment and emotions of redacted texts (each distinct text computed once).

    Parameters
    ----------
    texts : list of str
        Redacted texts.
    assigner : Assigner
        The book's assigner.

    Returns
    -------
    DataFrame
        :data:`RESULT_COLUMNS`, one row per text, in order.
    """
    codes, uniq = pd.factorize(pd.Series(texts, dtype=object), use_na_sentinel=False)
    uniq = list(uniq)
    got = assigner.assign(uniq)
    feel = sentiment(uniq)
    emo = emotions(uniq)
    out = pd.DataFrame({"theme": got["theme"].to_numpy(), "theme_label": got["name"].to_numpy(),
                        "similarity": got["similarity"].to_numpy(dtype=float), "fits": got["fits"].to_numpy(bool),
                        "non_answer": got["non_answer"].to_numpy(bool), "compound": feel["compound"].to_numpy(float),
                        "sentiment": feel["sentiment"].to_numpy(), "emotion": emo["emotion"].to_numpy(),
                        **{e: emo[e].to_numpy(bool) for e in EMOTIONS}})
    return out.iloc[codes].reset_index(drop=True)[RESULT_COLUMNS]


# --------------------------------------------------------------------------- reading


def _customer_side(frame: Any, source: str) -> Any:
    """The customers' voice of a lazy table (messages: the customers' side; responses: not the staff's eNPS)."""
    import narwhals as nw

    if source == "messages":
        return frame.filter(nw.col("author_role") == "customer")
    if source == "responses" and "survey" in frame.columns:
        return frame.filter(~(nw.col("survey").fill_null("") == "enps"))
    return frame


def _lazy_source(ws: Any, source: str, time_col: str) -> Any:
    """The source's kept rows (lazy) with an ISO ``week`` column."""
    frame = ws.lazy(source)
    if ws.engine == "pandas":
        from carelib import periods

        table = ws[source]
        if time_col in table.columns:
            table["week"] = periods.week_of(table, time_col)
        import narwhals as nw

        return nw.from_native(table).lazy()
    return engines.with_week_lazy(frame, time_col) if time_col in frame.columns else frame


def text_batches(ws: Any, source: str, columns: list[str], time_col: str, batch_size: int = BATCH_SIZE
                 ) -> Iterator[pd.DataFrame]:
    """The source's rows (``columns`` and ``week``) in batches of at most ``batch_size``, sorted by id.

    Parameters
    ----------
    ws : Workspace
        The workspace (on DuckDB: Arrow record batches of one sorted query; pandas: slices of the table).
    source : str
        The text source (a key of :data:`ID_COLUMNS`).
    columns : list of str
        Columns wanted (the id first).
    time_col : str
        The time column the week is computed from.
    batch_size : int
        Rows per batch at most.

    Returns
    -------
    Iterator of DataFrame
        The batches, in id order.
    """
    frame = _customer_side(_lazy_source(ws, source, time_col), source)
    cols = [c for c in [*columns, "week"] if c in frame.columns]
    frame = frame.select(cols)
    key = columns[0]
    if ws.engine == "duckdb":
        reader = frame.to_native().order(key).to_arrow_reader(batch_size)
        for batch in reader:
            if batch.num_rows:
                yield batch.to_pandas()
    elif ws.engine == "spark":
        raise ParameterError("text_batches on Spark: the texts are scored on the executors (spark_scored)")
    else:
        table = frame.collect().to_pandas().sort_values(key, kind="stable").reset_index(drop=True)
        for start in range(0, len(table), batch_size):
            yield table.iloc[start:start + batch_size].reset_index(drop=True)


def _result_schema(fields: list[Any]) -> Any:
    """The Spark schema of the scored rows: the source's ``fields``, ``_has`` (a text with content) and
    :data:`RESULT_COLUMNS`."""
    from pyspark.sql import types as st

    kinds = {"theme": st.StringType(), "theme_label": st.StringType(), "similarity": st.DoubleType(),
             "compound": st.DoubleType(), "sentiment": st.StringType(), "emotion": st.StringType()}
    return st.StructType([*fields, st.StructField("_has", st.BooleanType()),
                          *(st.StructField(c, kinds.get(c, st.BooleanType())) for c in RESULT_COLUMNS)])


def spark_scored(ws: Any, source: str, columns: list[str], time_col: str, text_col: str, book: themebook.ThemeBook,
                 redact: Callable[[str], str], folder: Path, batch_size: int = BATCH_SIZE) -> Iterator[pd.DataFrame]:
    """Every row of the source scored on Spark's executors (``mapInPandas``), back in batches sorted by id.

    Parameters
    ----------
    ws : Workspace
        A workspace on Spark.
    source : str
        The text source (a key of :data:`ID_COLUMNS`).
    columns : list of str
        Columns kept (the id first, the text last).
    time_col, text_col : str
        The source's time and text columns.
    book : ThemeBook
        The theme book the texts are assigned to (sent to the executors with the function).
    redact : callable
        Text → redacted text, applied on the executors before anything is derived from a text.
    folder : Path
        The run folder: the scored rows pass through ``folder/.spark-texts/`` (Parquet written by Spark,
        read back file by file in id order, then removed).
    batch_size : int
        Rows per batch read back.

    Returns
    -------
    Iterator of DataFrame
        ``columns``, ``week``, ``_has`` (False: no text, not scored) and :data:`RESULT_COLUMNS`; each text's
        results are those :func:`score_texts` gives on DuckDB.
    """
    import shutil

    import pyarrow.parquet as pq

    frame = _customer_side(_lazy_source(ws, source, time_col), source)
    sdf = frame.select([c for c in [*columns, "week"] if c in frame.columns]).to_native()

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        assigner = Assigner(book)
        for part in batches:
            part = part.reset_index(drop=True)
            has = part[text_col].map(lambda v: isinstance(v, str) and v.strip() != "").to_numpy(bool)
            codes, uniq = pd.factorize(part.loc[has, text_col], use_na_sentinel=False)
            redacted = np.array([redact(t) for t in uniq], dtype=object)[codes]  # before anything is derived
            part.loc[has, text_col] = redacted
            results = pd.DataFrame(index=part.index, columns=RESULT_COLUMNS, dtype=object)
            if has.any():
                results.loc[has, RESULT_COLUMNS] = score_texts(list(redacted), assigner).to_numpy(dtype=object)
            yield pd.concat([part, pd.Series(has, name="_has"), results], axis=1)

    staged = folder / ".spark-texts"
    scored = sdf.mapInPandas(score, _result_schema(list(sdf.schema.fields))).orderBy(columns[0])
    scored.write.mode("overwrite").parquet(str(staged))
    try:
        for part in sorted(staged.glob("part-*.parquet")):  # a range-partitioned sort: files in id order
            for batch in pq.ParquetFile(part).iter_batches(batch_size=batch_size):
                yield batch.to_pandas()
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def sample_texts(ws: Any, source: str, text_col: str, time_col: str, *, size: int = SAMPLE_SIZE,
                 seed: int = 0) -> pd.DataFrame:
    """A seeded sample of ``size`` texts with content, stratified by ISO week (``id, week, text``), by id.

    Parameters
    ----------
    ws : Workspace
        The workspace.
    source : str
        The text source.
    text_col, time_col : str
        Its text and time columns.
    size : int
        Texts wanted (all of them when there are fewer).
    seed : int
        Seed of the pick.

    Returns
    -------
    DataFrame
        Week ``w`` contributes ``round(size * texts_w / texts)`` texts (at least one when it has any): those
        with the smallest seeded hash of their id.
    """
    key = ID_COLUMNS[source]
    frame = _customer_side(_lazy_source(ws, source, time_col), source)
    frame = frame.select([c for c in (key, "week", text_col) if c in frame.columns])
    if ws.engine == "duckdb":
        rel = frame.to_native()
        sql = (f"WITH t AS (SELECT {key} AS id, week, {text_col} AS text FROM rel WHERE trim(coalesce({text_col}, '')) <> ''), "
               f"n AS (SELECT week, count(*) AS k FROM t GROUP BY week), "
               f"r AS (SELECT t.*, row_number() OVER (PARTITION BY t.week ORDER BY hash(t.id || '#{int(seed)}'), t.id) AS i, "
               f"greatest(1, round({int(size)} * n.k / (SELECT sum(k) FROM n))) AS want FROM t JOIN n USING (week)) "
               "SELECT id, week, text FROM r WHERE i <= want ORDER BY id")
        return rel.query("rel", sql).df()
    table = frame.collect().to_pandas().rename(columns={key: "id", text_col: "text"})
    table = table[table["text"].map(lambda v: isinstance(v, str) and v.strip() != "")]
    table = table.assign(_h=pd.util.hash_pandas_object(table["id"].astype(str) + f"#{int(seed)}", index=False))
    share = size / max(len(table), 1)
    parts = [g.sort_values(["_h", "id"]).head(max(1, int(round(share * len(g))))) for _, g in table.groupby("week")]
    picked = pd.concat(parts) if parts else table.head(0)
    return picked.drop(columns="_h").sort_values("id").reset_index(drop=True)[["id", "week", "text"]]


# --------------------------------------------------------------------------- the run


@dataclass
class ScaleRun:
    """What :func:`run` produced: the run folder and the counts the practice's sections need.

    ``accounting``: rows in = rows set aside (by reason) + texts read; ``texts`` = ``themed`` + ``unthemed``.
    ``weekly`` (``week, theme, texts``), ``sentiment_weeks`` (``week, sentiment, texts``), ``emotion_weeks``
    (``week, emotion, texts``), ``theme_sentiment`` / ``theme_emotion`` (``theme, …, texts``).
    """

    folder: Path
    book: themebook.ThemeBook
    book_how: str
    accounting: pd.DataFrame
    weekly: pd.DataFrame
    sentiment_weeks: pd.DataFrame
    emotion_weeks: pd.DataFrame
    theme_sentiment: pd.DataFrame
    theme_emotion: pd.DataFrame
    seconds: dict[str, float] = field(default_factory=dict)
    batches: int = 0
    largest_batch: int = 0

    @property
    def texts_path(self) -> Path:
        """The per-text results (one row per text read, redacted text included)."""
        return self.folder / "texts.parquet"

    def texts(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The per-text results as pandas (all of them: for a workspace whose texts fit in memory)."""
        return pd.read_parquet(self.texts_path, columns=columns)


_WORKER: dict[str, Any] = {}


def _init_worker(book_folder: str | None, book: themebook.ThemeBook | None) -> None:
    _WORKER["assigner"] = Assigner(book if book is not None else themebook.load_book(book_folder))


def _score(texts: list[str]) -> pd.DataFrame:
    return score_texts(texts, _WORKER["assigner"])


def _book(ws: Any, source: str, text_col: str, time_col: str, redact: Callable[[str], str], *, sample_size: int,
          seed: int, n_themes: int | None, vectorizer: str, save_book: bool) -> tuple[themebook.ThemeBook, str]:
    """The workspace's book, or one fitted on the redacted seeded sample (and saved when ``save_book``)."""
    folder = themebook.book_folder(ws.path, source)
    if themebook.has_book(ws.path, source):
        return themebook.load_book(folder), "read"
    sample = sample_texts(ws, source, text_col, time_col, size=sample_size, seed=seed)
    if len(sample) < 2:
        raise DataError(f"{source}: {len(sample)} text(s) with content, too few to fit a theme book")
    texts = [redact(t) for t in sample["text"]]
    weeks = sorted(sample["week"].dropna().unique()) if "week" in sample.columns else []
    book = themebook.fit_book(texts, source=source, weeks=weeks[:1] + weeks[-1:], n_themes=n_themes,
                              vectorizer=vectorizer, seed=seed)
    book.meta["sample"] = {"texts": len(sample), "size": int(sample_size), "seed": int(seed),
                           "how": "stratified by ISO week, seeded hash of the id (carelib.text.at_scale)"}
    if save_book:
        themebook.save_book(book, folder)
        return book, "saved"
    return book, "fitted"


def _counts(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return frame.groupby(by, dropna=False, sort=False).size().rename("texts").reset_index()


def _add(total: pd.DataFrame | None, part: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    if total is None:
        return part
    return pd.concat([total, part]).groupby(by, dropna=False, sort=False)["texts"].sum().reset_index()


def run(ws: Any, source: str = "complaints", *, out: str | Path | None = None, text_col: str = "text",
        time_col: str = "received_at", redact: Callable[[str], str] | None = None, batch_size: int = BATCH_SIZE,
        workers: int = 2, sample_size: int = SAMPLE_SIZE, seed: int = 0, n_themes: int | None = None,
        vectorizer: str = "tfidf", save_book: bool = True, extra: list[str] | None = None) -> ScaleRun:
    """Voice of the customer over every text of ``source``, in batches: redacted, scored, assigned to the book.

    Parameters
    ----------
    ws : Workspace
        The workspace: DuckDB or pandas (batches scored here, in ``workers`` processes) or Spark (scored on
        the executors with ``mapInPandas``, :func:`spark_scored`).
    source : str
        The text source (a key of :data:`ID_COLUMNS`).
    out : str or Path, optional
        The run folder (created); default ``WORKSPACE/runs/voc-SOURCE``.
    text_col, time_col : str
        The source's text and time columns.
    redact : callable, optional
        Text → redacted text; default a :class:`~carelib.text.redact.Redactor` of the workspace's roster
        (customers' names and the workspace's ids, as the practice builds it).
    batch_size : int
        Rows per batch (memory is bounded by ``workers + 1`` batches).
    workers : int
        Processes scoring batches (1: this process only; results are the same).
    sample_size, seed, n_themes, vectorizer : int, int, int or None, str
        The sample and model of a new book (when the workspace has none).
    save_book : bool
        Save a new book into ``WORKSPACE/themes/SOURCE/``.
    extra : list of str, optional
        Other columns of the source kept in the per-text results (default ``customer_id`` and ``category``
        when present).

    Returns
    -------
    ScaleRun
    """
    if source not in ID_COLUMNS:
        raise ParameterError(f"source must be one of {', '.join(ID_COLUMNS)}, got {source!r}")
    if batch_size < 1 or workers < 1:
        raise ParameterError(f"batch_size and workers must be at least 1, got {batch_size} and {workers}")
    import pyarrow as pa
    import pyarrow.parquet as pq

    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    folder = Path(out) if out is not None else ws.path / "runs" / f"voc-{source}"
    folder.mkdir(parents=True, exist_ok=True)
    if redact is None:
        from carelib.text.redact import Redactor

        redact = Redactor(ws.names(distinct=True) or None, identifiers=_ids(ws)).redact
    seconds["roster"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    book, how = _book(ws, source, text_col, time_col, redact, sample_size=sample_size, seed=seed,
                      n_themes=n_themes, vectorizer=vectorizer, save_book=save_book)
    seconds["book"] = time.perf_counter() - t1
    key = ID_COLUMNS[source]
    head = ws.lazy(source).columns
    keep = [c for c in (extra if extra is not None else ["customer_id", "category"]) if c in head and c != key]
    columns = [key, time_col, *keep, text_col]
    pool = None
    if workers > 1 and ws.engine != "spark":
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker, initargs=(None, book))
    else:
        _init_worker(None, book)
    t2 = time.perf_counter()
    tmp = folder / ".texts.parquet.tmp"
    writer = None
    no_text = n_batches = largest = 0
    agg: dict[str, pd.DataFrame | None] = {k: None for k in ("weekly", "sent", "emo", "tsent", "temo")}
    pending: deque = deque()

    def finish(frame: pd.DataFrame, scored: pd.DataFrame) -> None:
        nonlocal writer
        done = pd.concat([frame.reset_index(drop=True), scored], axis=1)
        table = pa.Table.from_pandas(done, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
        writer.write_table(table)
        week = done["week"] if "week" in done.columns else pd.Series("", index=done.index)
        d = pd.DataFrame({"week": week, "theme": done["theme"], "sentiment": done["sentiment"],
                          "emotion": done["emotion"]})
        for name, by in (("weekly", ["week", "theme"]), ("sent", ["week", "sentiment"]), ("emo", ["week", "emotion"]),
                         ("tsent", ["theme", "sentiment"]), ("temo", ["theme", "emotion"])):
            agg[name] = _add(agg[name], _counts(d, by), by)

    try:
        if ws.engine == "spark":  # scored where the data lives; the run folder gets the same files as on DuckDB
            for part in spark_scored(ws, source, columns, time_col, text_col, book, redact, folder, batch_size):
                n_batches += 1
                largest = max(largest, len(part))
                has = part.pop("_has").to_numpy(bool)
                no_text += int((~has).sum())
                part = part[has].reset_index(drop=True)
                if len(part):
                    finish(part.drop(columns=RESULT_COLUMNS), part[RESULT_COLUMNS].astype(_RESULT_TYPES))
        else:
            for batch in text_batches(ws, source, columns, time_col, batch_size):
                n_batches += 1
                largest = max(largest, len(batch))
                has = batch[text_col].map(lambda v: isinstance(v, str) and v.strip() != "").to_numpy(bool)
                no_text += int((~has).sum())
                batch = batch[has].reset_index(drop=True)
                if batch.empty:
                    continue
                codes, uniq = pd.factorize(batch[text_col], use_na_sentinel=False)
                redacted = np.array([redact(t) for t in uniq], dtype=object)[codes]  # before anything is derived
                batch[text_col] = redacted
                texts = list(redacted)
                if pool is None:
                    finish(batch, _score(texts))
                    continue
                pending.append((batch, pool.apply_async(_score, (texts,))))
                while len(pending) > workers:
                    frame, result = pending.popleft()
                    finish(frame, result.get())
        while pending:
            frame, result = pending.popleft()
            finish(frame, result.get())
    finally:
        if pool is not None:
            pool.close()
            pool.join()
        if writer is not None:
            writer.close()
    if writer is None:  # no text at all: an empty file with the columns
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in [*columns, "week", *RESULT_COLUMNS]})
        pq.write_table(pa.Table.from_pandas(empty, preserve_index=False), tmp)
    tmp.replace(folder / "texts.parquet")
    seconds["texts"] = time.perf_counter() - t2
    report = ws.load_report()
    mine = report[report["table"] == source] if len(report) else report
    rows_in = int(mine["rows_read"].sum()) if len(mine) else 0
    set_aside = int(mine["rows_excluded"].sum()) if len(mine) else 0
    meta = pq.ParquetFile(folder / "texts.parquet").metadata.num_rows
    themed = pq.read_table(folder / "texts.parquet", columns=["theme"]).column("theme").null_count
    voice_left = rows_in - set_aside - no_text - meta
    accounting = pd.DataFrame({"rows": [rows_in, set_aside, voice_left, no_text, meta, meta - themed, themed]},
                              index=pd.Index(["rows in the table", "set aside: break the table's contract",
                                              "set aside: not the customers' voice", "set aside: no text",
                                              "texts read", "texts with a theme",
                                              "texts without a theme (no usable content)"], name="accounting"))
    if rows_in != set_aside + voice_left + no_text + meta or voice_left < 0:
        raise DataError(f"{source}: {rows_in} rows in, {set_aside + voice_left + no_text} set aside and {meta} texts "
                        "read: the counts do not add up")
    seconds["total"] = time.perf_counter() - t0

    def frame_of(name: str, by: list[str]) -> pd.DataFrame:
        got = agg[name]
        if got is None:
            return pd.DataFrame(columns=[*by, "texts"])
        return got.sort_values(by, kind="stable", na_position="last").reset_index(drop=True)

    result = ScaleRun(folder, book, how, accounting, frame_of("weekly", ["week", "theme"]),
                      frame_of("sent", ["week", "sentiment"]), frame_of("emo", ["week", "emotion"]),
                      frame_of("tsent", ["theme", "sentiment"]), frame_of("temo", ["theme", "emotion"]),
                      seconds, n_batches, largest)
    for name, frame in (("weekly", result.weekly), ("sentiment_weeks", result.sentiment_weeks),
                        ("emotion_weeks", result.emotion_weeks)):
        frame.to_csv(folder / f"{name}.csv", index=False)
    accounting.to_csv(folder / "accounting.csv")
    return result


def _ids(ws: Any) -> Any:
    """The workspace's identifiers for the redactor (a pyarrow array), None when there are none."""
    ids = ws.identifier_array()
    return ids if len(ids) else None

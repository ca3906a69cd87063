"""Voice of the customer: the texts of one source in themes, their feelings, who raises them, what is new.

What ``notebooks/voice_of_customer.ipynb`` narrates. :func:`open_review` reads the source table once
(the customers' side only, redacted, rows without text counted) into a :class:`Review`; each section
function takes that review and returns what the section shows (:class:`~carelib.practices.common.Shown`),
publishing its findings on the way. Themes come from the workspace's theme book
(:mod:`carelib.text.themebook`, ``WORKSPACE/themes/SOURCE/``): texts are assigned to its stable ids, never
refitted; a workspace without a book gets one, fitted on these texts and saved (the section says so).
:func:`show_book` and :func:`refit_book` are ``carelib themes show`` and ``carelib themes refit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from carelib import periods
from carelib.analysis import drivers
from carelib.data.tables import Workspace
from carelib.errors import DataError, ParameterError
from carelib.practices.common import (
    Captioned,
    Shown,
    load_report,
    note,
    open_workspace,
    redactor,
    resolve_period,
)
from carelib.report import findings
from carelib.report.tables import Table
from carelib.text import at_scale, themebook, voc
from carelib.text.clean import clean_text
from carelib.text.emotion import EMOTIONS, emotions
from carelib.text.sentiment import sentiment
from carelib.text.themes import ThemeModel

__all__ = ["COLUMNS", "Review", "auto_source", "open_review", "overview", "themes", "candidates", "feelings",
           "who_raises", "emerging", "write_book", "show_book", "refit_book"]

#: Each source's usual text column and its time column.
COLUMNS = {"responses": ("comment", "submitted_at"), "reviews": ("text", "created_at"),
           "complaints": ("text", "received_at"), "messages": ("text", "sent_at")}

#: The columns of the drivers table, in the order shown.
RISK_COLUMNS = ["level", "exposed", "risk_exposed", "risk_unexposed", "rr", "ci_low", "ci_high", "q_value",
                "significant", "note"]

#: Least texts with a score for the drivers of a low score to be tested.
MIN_SCORED = 20


@dataclass(frozen=True, eq=False)
class Review:
    """One voice-of-the-customer review: the texts of a source and the parameters of the sections.

    ``texts`` holds one row per text with content (redacted; a ``week`` column when ``dated``);
    ``accounting`` says how many rows of the table were read, left out (by reason) and used.
    """

    ws: Workspace
    source: str
    text_col: str
    time_col: str
    period: str
    texts: pd.DataFrame
    accounting: pd.DataFrame
    missing: bool = False
    window: int = 2
    baseline: int = 8
    n_themes: int = 0
    vectorizer: str = "tfidf"
    segment: str = "region"
    min_count: int = 5
    confidence: float = 0.95
    seed: int = 0
    save_book: bool = True

    @property
    def dated(self) -> bool:
        """Whether the texts have dates (the emerging themes need them)."""
        return self.time_col in self.texts.columns and bool(self.texts[self.time_col].notna().any())

    @property
    def ready(self) -> bool:
        """At least two different texts: enough to find themes."""
        return int(self.texts[self.text_col].str.strip().str.lower().nunique()) >= 2

    @property
    def current(self) -> list[str]:
        """ISO weeks of the review window (``window`` weeks ending at ``period``)."""
        return periods.last_weeks(self.period, self.window)

    @property
    def before(self) -> list[str]:
        """ISO weeks of the baseline: the ``baseline`` weeks just before the review window."""
        return periods.last_weeks(self.current[0], self.baseline + 1)[:-1]

    @cached_property
    def book_state(self) -> tuple[themebook.ThemeBook, str]:
        """The workspace's theme book for this source, and ``"read"``, ``"saved"`` (fitted now and written) or
        ``"fitted"`` (fitted now, not written)."""
        folder = themebook.book_folder(self.ws.path, self.source)
        if themebook.has_book(self.ws.path, self.source):
            return themebook.load_book(folder), "read"
        book = _fit_book(self)
        if self.save_book:
            themebook.save_book(book, folder)
            return book, "saved"
        return book, "fitted"

    @property
    def book(self) -> themebook.ThemeBook:
        """The theme book the texts are assigned to."""
        return self.book_state[0]

    @property
    def model(self) -> ThemeModel:
        """The book's fitted theme model."""
        return self.book.model

    @property
    def names(self) -> dict:
        """Theme id -> theme name (as the book says)."""
        return self.book.names

    @cached_property
    def themed(self) -> pd.DataFrame:
        """The texts with their ``theme`` (stable id), ``theme_label`` (name), ``similarity`` and ``fits``."""
        if "theme" in self.texts.columns:  # assigned already, batch by batch (carelib.text.at_scale)
            return self.texts
        got = themebook.assign(self.book, self.texts[self.text_col]).set_index(self.texts.index)
        return self.texts.assign(theme=got["theme"], theme_label=got["name"], similarity=got["similarity"],
                                 fits=got["fits"])


def _fit_book(review: Review, today: object = None) -> themebook.ThemeBook:
    """A new book fitted on every text of the review (history dated ``today``, default the run's today)."""
    weeks = sorted(review.texts["week"].dropna().unique()) if "week" in review.texts.columns else []
    return themebook.fit_book(review.texts[review.text_col].tolist(), source=review.source,
                              weeks=weeks[:1] + weeks[-1:], n_themes=review.n_themes or None,
                              vectorizer=review.vectorizer, seed=review.seed, today=today)


def _customer_side(table: pd.DataFrame, source: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """The rows that are the customers' voice, and the rows left out by reason."""
    excluded: dict[str, int] = {}
    # comparisons with a blank cell give <NA>, which a filter drops silently: every mask is plain True/False
    if source == "messages":
        customer = table["author_role"].eq("customer").fillna(False).astype(bool)
        excluded["agent messages (not the customer's voice)"] = int((~customer).sum())
        table = table[customer]
    if source == "responses" and "survey" in table.columns:  # the staff's eNPS is not the customers' voice
        staff = table["survey"].eq("enps").fillna(False).astype(bool)
        excluded["staff answers (eNPS survey)"] = int(staff.sum())
        table = table[~staff]
    return table, excluded


def _has_text(values: pd.Series) -> pd.Series:
    """True where the value is a string with something other than blanks."""
    return values.map(lambda v: isinstance(v, str) and v.strip() != "").astype(bool)


def _accounting(rows_in: int, excluded: dict[str, int], used: int) -> pd.DataFrame:
    """Rows in the table = rows left out (by reason) + texts used; a gap is a carelib bug, said loudly."""
    if rows_in != used + sum(excluded.values()):
        raise DataError(f"{rows_in} rows in, {used} used and {sum(excluded.values())} left out: the counts do not add up")
    return pd.DataFrame({"rows": [rows_in, *excluded.values(), used]},
                        index=pd.Index(["rows in the table", *(f"left out: {k}" for k in excluded), "texts used"],
                                       name="accounting"))


def _source_table(ws: Workspace, source: str, text_col: str, time_col: str) -> tuple[pd.DataFrame, bool]:
    """The source table, or an empty one (and True) when the workspace has none."""
    if source not in COLUMNS:
        raise ParameterError(f"source must be one of {', '.join(COLUMNS)}, got {source!r}")
    if ws.has(source):
        table, missing = ws[source], False
    else:  # a workspace without this source: the sections say so and the rest of the run goes on
        table, missing = pd.DataFrame(columns=[text_col, time_col, "author_role"]), True
    if text_col not in table.columns:
        raise ParameterError(f"{source}: no column {text_col!r}; columns are {', '.join(table.columns)}")
    return table, missing


def auto_source(ws: Workspace) -> str:
    """The first source the workspace holds with any text, in the order complaints, reviews, responses (comments),
    messages; ``"complaints"`` when none has (the sections then say the workspace has no texts)."""
    for source in ("complaints", "reviews", "responses", "messages"):
        column = COLUMNS[source][0]
        if ws.has(source) and column in ws[source].columns and _has_text(ws[source][column]).any():
            return source
    return "complaints"


def open_review(data_dir: str, *, source: str = "complaints", text_column: str = "", period: str = "latest",
                window: int = 2, baseline: int = 8, n_themes: int = 0, vectorizer: str = "tfidf",
                segment: str = "region", min_count: int = 5, confidence: float = 0.95, seed: int = 0,
                save_book: bool = True) -> Review:
    """Open the review: the customers' texts of ``source``, redacted once, before anything is derived.

    Parameters
    ----------
    data_dir : str
        The workspace folder.
    source : {"auto", "responses", "reviews", "complaints", "messages"}
        The table whose texts are read (messages: the customers' side only; responses: not the staff's eNPS);
        ``"auto"``: the first the workspace holds with text (:func:`auto_source`).
    text_column : str
        Column holding the text; empty: the source's usual one (``COLUMNS``).
    period : str
        Last ISO week of the review window, or ``"latest"`` (the latest week of the texts).
    window, baseline : int
        Weeks in the review window, and weeks before it that form the baseline.
    n_themes : int
        Number of themes of a new book; 0 chooses it by silhouette over 4..30 (a book already there is used as is).
    vectorizer : {"tfidf", "embeddings"}
        How texts become vectors (for a new book).
    segment : str
        Column the themes are crossed with.
    min_count : int
        Least texts now for a theme to count as new.
    confidence : float
        Interval level; ``1 - confidence`` is the false discovery rate.
    seed : int
        Seed of the themes (of a new book).
    save_book : bool
        Write the book fitted for a workspace that has none into ``WORKSPACE/themes/SOURCE/``.

    Returns
    -------
    Review

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> r = open_review(str(folder), source="reviews")
    >>> r.missing, r.accounting["rows"].tolist()
    (True, [0, 0, 0])
    """
    ws = open_workspace(data_dir)
    if source == "auto":
        source = auto_source(ws)
    default_text, time_col = COLUMNS.get(source, ("", ""))
    text_col = text_column or default_text
    if _partitioned(ws, source):  # a week-partitioned table on an engine: streamed in batches (carelib.text.at_scale)
        return _open_at_scale(ws, source, text_col, time_col, period, window=window, baseline=baseline,
                              n_themes=n_themes, vectorizer=vectorizer, segment=segment, min_count=min_count,
                              confidence=confidence, seed=seed, save_book=save_book)
    table, missing = _source_table(ws, source, text_col, time_col)
    voice, excluded = _customer_side(table, source)
    has_text = _has_text(voice[text_col])
    excluded["no text"] = int((~has_text).sum())
    texts = voice[has_text].reset_index(drop=True)
    texts[text_col] = texts[text_col].astype(str).map(redactor(ws).redact)
    if time_col in texts.columns and texts[time_col].notna().any():
        texts["week"] = periods.week_of(texts, time_col)
        period = resolve_period(period, [texts["week"]])
    return Review(ws, source, text_col, time_col, period, texts, _accounting(len(table), excluded, len(texts)),
                  missing=missing, window=window, baseline=baseline, n_themes=n_themes, vectorizer=vectorizer,
                  segment=segment, min_count=min_count, confidence=confidence, seed=seed, save_book=save_book)


# --------------------------------------------------------------------------- at scale (issue 18)


def _partitioned(ws: Workspace, source: str) -> bool:
    """Whether ``source`` is a folder of week partitions read by an engine (the review then streams it)."""
    return ws.engine == "duckdb" and source in at_scale.ID_COLUMNS and ws.has(source) and ws.file(source).is_dir()


def _open_at_scale(ws: Workspace, source: str, text_col: str, time_col: str, period: str, **params) -> Review:
    """The review of a week-partitioned source: every text redacted, scored and assigned in batches
    (:func:`carelib.text.at_scale.run`, run folder in the temporary directory); the sections read its results."""
    import tempfile

    out = tempfile.mkdtemp(prefix=f"carelib-voc-{source}-")
    done = at_scale.run(ws, source, out=out, text_col=text_col, time_col=time_col, redact=redactor(ws).redact,
                        seed=params["seed"], n_themes=params["n_themes"] or None, vectorizer=params["vectorizer"],
                        save_book=params["save_book"])
    texts = done.texts()
    rows = done.accounting["rows"]
    excluded = {"not the customers' voice": int(rows["set aside: not the customers' voice"]),
                "no text": int(rows["set aside: no text"])}
    used = int(rows["texts read"])
    accounting = _accounting(used + sum(excluded.values()), excluded, used)
    if "week" in texts.columns and texts["week"].notna().any():
        period = resolve_period(period, [texts["week"]])
    review = Review(ws, source, text_col, time_col, period, texts, accounting, **params)
    review.__dict__["book_state"] = (done.book, done.book_how)  # the book the batches were assigned to
    return review


def overview(review: Review) -> Shown:
    """The rows read, left out and used; a sentence when the source is absent or has too few texts."""
    absent = note("_The workspace has no {source} table (it has: {tables}): no texts to read._", source=review.source,
                  tables=", ".join(review.ws.available())) if review.missing else None
    few = None if review.ready else note(
        "_{n} text(s) with content: too few to find themes; the sections below are empty._", n=len(review.texts))
    blank = None
    if len(review.texts):
        if "non_answer" in review.texts.columns:  # flagged already, batch by batch (carelib.text.at_scale)
            n = int(review.texts["non_answer"].sum())
        else:
            said = voc.non_answer_summary(review.texts[review.text_col])
            n = int(said["non_answers"].iloc[0])
        blank = note("{n} of {t} texts are non-answers (\"n/a\", \".\", \"no\" …): counted here, never themed.",
                     n=f"{n:,}", t=f"{len(review.texts):,}") if n else None
    rows = Captioned(review.accounting, f"Rows of the {review.source} table: read, left out (by reason) and texts used "
                                        f"(the customers' {review.text_col})")
    return Shown(absent, few, rows, blank) + load_report(review.ws)


def _book_note(review: Review) -> object:
    """Where the themes come from: the workspace's book, or one fitted now (and written or not)."""
    book, how = review.book_state
    where = f"themes/{review.source}/"
    if how == "read":
        weeks = book.meta.get("weeks") or []
        span = f", {weeks[0]} to {weeks[-1]}" if weeks else ""
        return note("Texts assigned to the **{k} themes of the theme book** `{where}` (fitted on {n} texts{span}; "
                    "not refitted: ids stay the same from week to week).", k=len(book.active), where=where,
                    n=f"{int(book.meta.get('fitted_on', 0)):,}", span=span)
    said = "and saved it to `{where}`: edit names in `themes.yml`; `carelib themes refit` proposes updates" \
        if how == "saved" else "(not saved)"
    sample = book.meta.get("sample")
    if sample and int(sample.get("texts", 0)) < len(review.texts):  # fitted on a sample (carelib.text.at_scale)
        return note("**No theme book for {source} in this workspace:** fitted one on a seeded sample of {m} of these "
                    "{n} texts (stratified by ISO week; every text then assigned to it) " + said + ".",
                    source=review.source, m=f"{int(sample['texts']):,}", n=f"{len(review.texts):,}", where=where)
    return note("**No theme book for {source} in this workspace:** fitted one on these {n} texts " + said + ".",
                source=review.source, n=f"{len(review.texts):,}", where=where)


def themes(review: Review) -> Shown:
    """Section 1: each theme of the book with its texts now, key phrases and typical verbatims; the five largest
    published as findings (keyed by stable id)."""
    if not review.ready:
        return Shown()
    texts, book = review.themed, review.book
    counts = texts["theme"].value_counts()
    n = int(counts.sum())
    rows = [{"theme": t["id"], "name": t["name"], "texts": int(counts.get(t["id"], 0)),
             "share": round(int(counts.get(t["id"], 0)) / max(n, 1), 3), "key phrases": t.get("phrases", []),
             "quotes": t.get("quotes", [])} for t in book.active]
    table = pd.DataFrame(rows).sort_values(["texts", "theme"], ascending=[False, True], kind="stable",
                                           ignore_index=True)
    for r in table.head(5).itertuples():
        quote = r.quotes[0] if r.quotes else ""
        findings.publish(f"voc.theme.{r.theme}", r.share, kind="theme", label=f"Theme {r.theme}: {r.name}",
                         text=f"{r.texts:,} texts ({r.share:.0%}); “{quote}”", theme=r.theme, name=r.name)
    unassigned = int(texts["theme"].isna().sum())
    return Shown(_book_note(review),
                 note("**{k} themes** from {n} texts; {u} texts unassigned (no usable content).", k=len(book.active),
                      n=f"{len(texts):,}", u=unassigned), table)


def candidates(review: Review, *, most: int = 10) -> Shown:
    """Section 1b: texts that fit no theme of the book well (candidates for a new theme), redacted, least
    typical first; in the review window when the texts are dated."""
    if not review.ready:
        return Shown()
    texts = review.themed
    if review.dated:
        texts = texts[texts["week"].isin(review.current)]
    off = texts[texts["theme"].notna() & ~texts["fits"].astype(bool)]
    rule = note("A text fits no theme well when its cosine similarity to the nearest theme centre is below "
                "{t}: the similarity below which 5 % of the texts the book was fitted on fall.",
                t=f"{review.book.threshold:.3f}")
    if off.empty:
        return Shown(rule, note("_Every text of the window fits a theme of the book: no candidate for a new theme._"))
    shown = off.assign(shape=off[review.text_col].str.lower().str.replace(r"[^a-z]+", " ", regex=True))
    shown = shown.sort_values("similarity", kind="stable").drop_duplicates("shape").head(most)
    table = pd.DataFrame({"text (redacted)": shown[review.text_col].map(clean_text).to_numpy(),
                          "nearest theme": (shown["theme"] + " " + shown["theme_label"]).to_numpy(),
                          "similarity": shown["similarity"].round(3).to_numpy()})
    return Shown(rule, note("**{n} of {m} texts fit no theme well** (candidates for a new theme); the least typical:",
                            n=f"{len(off):,}", m=f"{len(texts):,}"), table)


def feelings(review: Review) -> Shown:
    """Section 2: sentiment and main emotion by theme (each row sums to 1)."""
    if not review.ready:
        return Shown()
    texts, names = review.themed, review.names
    if {"sentiment", "emotion"} <= set(texts.columns):  # scored already, batch by batch (carelib.text.at_scale)
        feel, emotion = texts["sentiment"], texts["emotion"]
    else:
        feel = pd.Series(sentiment(texts[review.text_col])["sentiment"].to_numpy(), index=texts.index)
        emotion = pd.Series(emotions(texts[review.text_col])["emotion"].to_numpy(), index=texts.index)
    order = [e for e in (*EMOTIONS, "none") if e in set(emotion)]
    return Shown(note("**Sentiment by theme**"), _row_shares(voc.crosstab(texts["theme"], feel, names)),
                 note("**Main emotion by theme**"),
                 _row_shares(voc.crosstab(texts["theme"], emotion, names)[["texts", *order]]))


def _row_shares(frame: pd.DataFrame) -> Table:
    """A theme crosstab as people read it: texts a count, every other column a share of the row (a percentage)."""
    return Table(frame, shares=[c for c in frame.columns if c != "texts"])


def _by_score(review: Review) -> tuple[list, pd.Series | None, str]:
    """Themes by star rating (reviews) or NPS group (responses), and which texts had a low score."""
    texts, names, source = review.themed, review.names, review.source
    parts: list = []
    unhappy, what = None, ""
    if source == "reviews" and "rating" in texts.columns:
        stars = pd.to_numeric(texts["rating"], errors="coerce")
        parts += [note("**By star rating**"),
                  _row_shares(voc.crosstab(texts["theme"][stars.notna()], stars.dropna().astype(int), names))]
        unhappy, what = stars.le(2).where(stars.notna()), "1–2 stars"
    if source == "responses" and "score" in texts.columns and "survey" in texts.columns:
        group = voc.nps_group(texts["score"].where(texts["survey"] == "nps"))
        if group.notna().any():
            parts += [note("**By NPS group** (NPS comments)"),
                      _row_shares(voc.crosstab(texts["theme"][group.notna()], group.dropna(), names))]
            unhappy, what = group.eq("detractor").where(group.notna()), "detractor"
    return parts, unhappy, what


def _drivers(review: Review, unhappy: pd.Series, what: str) -> Shown:
    """Relative risk of a low score by theme; the three strongest significant ones published."""
    frame = pd.DataFrame({"unhappy": unhappy.astype("boolean"), "theme": review.themed["theme_label"]})
    risk = drivers.relative_risk(frame, "unhappy", "theme", review.confidence, min_n=10)
    for r in risk[risk["significant"]].head(3).itertuples():
        findings.publish(f"voc.driver.{r.level}", float(r.rr), kind="driver", label=f"Driver of {what}: {r.level}",
                         text=f"relative risk {r.rr:.1f} ({r.ci_low:.1f}–{r.ci_high:.1f}), {r.exposed:,} texts")
    return Shown(note("**Themes and the risk of a {what}**", what=what), risk[RISK_COLUMNS])


def who_raises(review: Review) -> Shown:
    """Section 3: themes by segment and by score, and the themes that go with a low score."""
    if not review.ready:
        return Shown()
    texts, segment = review.themed, review.segment
    by_segment = Shown()
    if segment in texts.columns and texts[segment].notna().any():
        by_segment = Shown(note("**By {segment}**", segment=segment),
                           voc.crosstab(texts["theme"], texts[segment].fillna("(missing)"), review.names))
    parts, unhappy, what = _by_score(review)
    if unhappy is None or unhappy.notna().sum() < MIN_SCORED:
        return by_segment + Shown(*parts, note("_No scores beside these texts: drivers need a star rating or an NPS score._"))
    return by_segment + Shown(*parts) + _drivers(review, unhappy, what)


def _publish_moved(review: Review, trend: pd.DataFrame) -> pd.DataFrame:
    """Publish each new or rising theme (keyed by its stable id) with its most recent verbatims; return those."""
    texts, current = review.themed, review.current
    moved = trend[trend["status"].isin(["new", "rising"])]
    for r in moved.itertuples():
        recent = texts[(texts["theme"] == r.theme) & texts["week"].isin(current)].sort_values(review.time_col).tail(2)
        said = list(dict.fromkeys(recent[review.text_col]))
        findings.publish(f"voc.emerging.{r.theme}", float(r.ratio) if r.ratio == r.ratio else 0.0, kind="signal",
                         label=f"{r.status.capitalize()} theme: {r.name}", theme=r.theme, name=r.name,
                         text=f"{r.now} texts now ({r.share_now:.1%}) vs {r.before} before ({r.share_before:.1%}); "
                              + " / ".join(f"“{s}”" for s in said))
    return moved


def _weekly(review: Review, trend: pd.DataFrame) -> pd.DataFrame:
    """Share of each theme by week over the baseline and the window (columns sum to 1), in the trend's order."""
    weeks = review.before + review.current
    long = voc.theme_weeks(review.themed["theme"], review.themed["week"], confidence=review.confidence, order=weeks)
    wide = long.pivot(index="theme", columns="week", values="share").reindex(columns=weeks).fillna(0.0)
    wide = wide.loc[trend["theme"][trend["theme"].isin(wide.index)]]
    wide.index = [f"{t} {review.names.get(t, '')}" for t in wide.index]
    wide.index.name = "theme"
    wide.columns.name = None
    return wide


def _moved_weeks(review: Review, moved: pd.DataFrame) -> pd.DataFrame:
    """The new and rising themes' share in each week of the baseline and window, with Wilson intervals."""
    weeks = review.before + review.current
    long = voc.theme_weeks(review.themed["theme"], review.themed["week"], confidence=review.confidence, order=weeks)
    long = long[long["theme"].isin(moved["theme"])].dropna(subset=["share"])
    long.insert(1, "name", long["theme"].map(review.names))
    return long.rename(columns={"week_texts": "texts that week"}).reset_index(drop=True)


def emerging(review: Review) -> Shown:
    """Section 4: each theme's share now against the baseline (stable ids); new and rising themes published."""
    if not review.ready:
        return Shown()
    if not review.dated:
        return Shown(note("_The texts have no dates: emerging themes need a time column._"))
    texts, current, before = review.themed, review.current, review.before
    n_now, n_before = int(texts["week"].isin(current).sum()), int(texts["week"].isin(before).sum())
    if min(n_now, n_before) == 0:
        empty = current if n_now == 0 else before
        return Shown(note("_No texts in the {which} ({first} to {last}): nothing to compare._",
                          which="review window" if n_now == 0 else "baseline", first=empty[0], last=empty[-1]))
    themed = texts[texts["theme"].notna()]
    trend = voc.emerging(themed["theme"], themed["week"], current, before, confidence=review.confidence,
                         min_count=review.min_count)
    trend.insert(1, "name", trend["theme"].map(review.names))
    moved = _publish_moved(review, trend)
    return Shown(note("Window {a} to {b} ({n} texts) against {c} to {d} ({m} texts).", a=current[0], b=current[-1],
                      n=n_now, c=before[0], d=before[-1], m=n_before), trend,
                 note("_No theme is new or significantly rising in this window._") if moved.empty else None,
                 note("**Share of each theme by week** (baseline and window; each column sums to 100 %)"),
                 Table(_weekly(review, trend), shares=True),
                 None if moved.empty else note("**New and rising themes by week**, with {c} Wilson intervals",
                                               c=f"{review.confidence:.0%}"),
                 None if moved.empty else Table(_moved_weeks(review, moved), shares=["share", "ci_low", "ci_high"]))


def write_book(data_dir: str, source: str = "complaints", *, today: object = None) -> str:
    """Fit and write the theme book of ``source`` from all its texts unless the workspace has one (``carelib
    demo-data`` writes the demo's, dated by the demo's fixed today).

    Parameters
    ----------
    data_dir : str
        The workspace folder.
    source : str
        The text source of the book.
    today : str or Timestamp, optional
        Date of the book's history (default the run's today, :func:`carelib.periods.today`): with a fixed
        date, the same workspace gives the same bytes.

    Returns
    -------
    str
        One line: where the book was written, or why not.
    """
    if themebook.has_book(data_dir, source):
        return f"theme book {themebook.book_folder(data_dir, source)}: already there, kept"
    review = open_review(data_dir, source=source, save_book=False)
    if not review.ready:
        return f"no theme book written: {source} has too few texts"
    book = _fit_book(review, today)
    themebook.save_book(book, themebook.book_folder(data_dir, source))
    return f"theme book written to {themebook.book_folder(data_dir, source)}: {len(book.active)} themes"


def show_book(data_dir: str, source: str = "complaints") -> str:
    """``carelib themes show``: the workspace's theme book for ``source`` as lines of text."""
    book = themebook.load_book(themebook.book_folder(data_dir, source))
    weeks = book.meta.get("weeks") or []
    lines = [f"theme book {themebook.book_folder(data_dir, source)}: {len(book.active)} themes, fitted on "
             f"{int(book.meta.get('fitted_on', 0)):,} texts" + (f" ({weeks[0]} to {weeks[-1]})" if weeks else "")
             + f"; a text fits no theme below similarity {book.threshold:.3f}"]
    for t in book.themes:
        state = "" if t.get("status", "active") == "active" else f" [{t['status']}]"
        lines.append(f"{t['id']}{state}  {t['name']}  ({int(t.get('size', 0)):,} texts at fit)")
        if t.get("phrases"):
            lines.append("     key phrases: " + "; ".join(t["phrases"]))
        if t.get("description"):
            lines.append(f"     {t['description']}")
        for h in t.get("history", [])[-3:]:
            lines.append(f"     {h.get('date')}: {h.get('event')} {h.get('detail', '')}".rstrip())
    return "\n".join(lines)


def refit_book(data_dir: str, source: str = "complaints", *, apply: bool = False, seed: int | None = None) -> str:
    """``carelib themes refit``: propose a new model on the current texts, show what changes, write it if ``apply``.

    Parameters
    ----------
    data_dir : str
        The workspace folder (it must hold a book for ``source``).
    source : str
        The text source of the book.
    apply : bool
        Write the new model and ``themes.yml`` (names people gave are kept); else only show the diff.
    seed : int, optional
        Seed of the new model (default the book's).

    Returns
    -------
    str
        The diff, one line per theme, and whether it was written.
    """
    folder = themebook.book_folder(data_dir, source)
    book = themebook.load_book(folder)
    if seed is not None:
        book.meta.setdefault("model", {})["seed"] = seed
    review = open_review(data_dir, source=source, save_book=False)
    if not review.ready:
        raise DataError(f"{source}: {len(review.texts)} text(s) with content, too few to refit the theme book")
    weeks = sorted(review.texts["week"].dropna().unique()) if "week" in review.texts.columns else []
    proposal = themebook.refit(book, review.texts[review.text_col].tolist(), weeks=weeks[:1] + weeks[-1:])
    counts = proposal.diff["change"].value_counts()
    lines = [f"refit of {folder} on {len(review.texts):,} texts: " + ", ".join(
        f"{int(counts.get(c, 0))} {c}" for c in ("kept", "renamed", "merged", "split", "new", "retired"))]
    for r in proposal.diff.itertuples():
        was = f" (was {r.was!r})" if r.was and r.was != r.name else ""
        lines.append(f"{r.change:8} {r.id}  {r.name}{was}  {r.texts:,} texts, similarity {r.similarity:.2f}"
                     + (f"; {r.note}" if r.note else ""))
    if apply:
        themebook.save_book(proposal.book, folder)
        lines.append(f"written: {folder / themebook.MODEL_FILE} and {folder / themebook.BOOK_FILE}")
    else:
        lines.append("nothing written (add --apply to write the new model and themes.yml)")
    return "\n".join(lines)

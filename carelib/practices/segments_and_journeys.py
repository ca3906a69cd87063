"""Segments and journeys: who the customers are, where care breaks for each segment, what each needs.

What ``notebooks/segments_and_journeys.ipynb`` narrates. :func:`open_review` opens the review from
the notebook's parameters; each ``show_*`` function is one section: it publishes the section's
findings and returns what the section shows (:class:`carelib.practices.common.Shown`).

The frames a section needs (the segment of each customer, the journey rates, the coded texts, the
needs) are computed once, on first use, by the :class:`Review`; the sections can run in any order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import pandas as pd
from IPython.display import Markdown

from carelib import metrics
from carelib.analysis import journeys, segments
from carelib.data.tables import Workspace
from carelib.errors import ParameterError
from carelib.practices import common
from carelib.report import findings

__all__ = ["Review", "open_review", "show_tables", "show_segments", "show_journeys", "show_satisfaction",
           "show_needs", "show_opportunities", "behaviour_segments", "column_segments", "survey_by_segment",
           "customer_texts", "segment_sizes", "stage_theme_table", "JOURNEY_TABLES", "SURVEYS"]

#: The workspace tables whose events make up the journeys.
JOURNEY_TABLES = ("customers", "orders", "complaints", "tickets", "reviews", "recoveries")
#: Survey, the stage it measures, its metric and the column holding the value.
SURVEYS = (("csat", "get help", metrics.csat, "share"), ("nps", "renew/leave", metrics.nps, "nps"))
_SURVEY_COLUMNS = ["segment", "stage", "metric", "n", "value", "ci_low", "ci_high", "note"]


@dataclass
class Review:
    """A segments-and-journeys review: the workspace and the notebook's parameters (see its parameters cell).

    The frames below are computed on first use and kept, so every section sees the same segments.
    """

    ws: Workspace
    segment_by: str = "behaviour"
    k: int = 0
    as_of: str = ""
    min_n: int = 30
    confidence: float = 0.95
    threshold: float = 0.35
    n_boot: int = 20
    seed: int = 0

    @cached_property
    def have(self) -> set[str]:
        """Names of the tables the workspace holds."""
        return set(self.ws.available())

    @cached_property
    def customers(self) -> pd.DataFrame | None:
        return self.ws["customers"] if "customers" in self.have else None

    @cached_property
    def redact(self) -> Callable[[object], str]:
        """The workspace's redaction (customers' names, and the word after a greeting)."""
        return common.redactor(self.ws).redact

    @cached_property
    def features(self) -> pd.DataFrame | None:
        """Behaviour features of every customer (None when segments come from a column)."""
        if self.segment_by != "behaviour":
            return None
        if not {"customers", "orders"} <= self.have:
            raise ParameterError("behaviour segments need the customers and orders tables; "
                                 "set segment_by to a column instead")
        return segments.customer_features(self.customers, self.ws["orders"], self.as_of or None)

    @cached_property
    def model(self) -> segments.Segmentation | None:
        """The fitted behaviour segmentation (None when segments come from a column)."""
        if self.features is None:
            return None
        return segments.Segmentation(k=self.k or None, seed=self.seed, n_boot=self.n_boot).fit(self.features)

    @cached_property
    def seg_table(self) -> pd.DataFrame | None:
        """``customer_id, segment`` of every customer, or None when segments are a column of the texts."""
        if self.model is not None:
            return behaviour_segments(self.features, self.model.labels_)
        if self.customers is not None and self.segment_by in self.customers.columns:
            return column_segments(self.customers, self.segment_by)
        return None

    @cached_property
    def rates(self) -> pd.DataFrame | None:
        """Care problems per 100 orders per segment and stage (None without segments of customers and orders)."""
        if self.seg_table is None or "orders" not in self.have:
            return None
        events = journeys.journey_events({t: self.ws[t] for t in JOURNEY_TABLES if t in self.have})
        return journeys.stage_rates(events, self.seg_table, orders=self.ws["orders"], confidence=self.confidence,
                                    min_n=self.min_n)

    @cached_property
    def breaks(self) -> pd.DataFrame:
        """Per segment, the stage where care breaks (empty without journeys)."""
        return pd.DataFrame() if self.rates is None else journeys.where_care_breaks(self.rates)

    @cached_property
    def texts(self) -> pd.DataFrame:
        """Customers' own words with their segment (and stage, where known), numbered ``text_id``."""
        return customer_texts(self.ws, self.seg_table, self.segment_by)

    @cached_property
    def coding(self) -> tuple[pd.DataFrame, str]:
        """Codes of every text and where they came from (see :func:`carelib.practices.common.code_texts`)."""
        return common.code_texts(self.texts, self.ws, threshold=self.threshold, seed=self.seed, redact=self.redact)

    @cached_property
    def needs(self) -> pd.DataFrame:
        """Codes over-represented in each segment's texts (:func:`carelib.analysis.journeys.needs_by_segment`)."""
        return journeys.needs_by_segment(self.coding[0], self.texts, confidence=self.confidence, min_n=self.min_n,
                                         redact=self.redact)


def open_review(data_dir: str, *, segment_by: str = "behaviour", k: int = 0, as_of: str = "", min_n: int = 30,
                confidence: float = 0.95, threshold: float = 0.35, n_boot: int = 20, seed: int = 0) -> Review:
    """Open the review of a workspace with the notebook's parameters.

    Parameters
    ----------
    data_dir : str
        The workspace folder (rows that break a contract are set aside, see :func:`common.open_workspace`).
    segment_by : str
        ``"behaviour"`` (k-means segments of order behaviour) or a column of customers, responses or reviews.
    k : int
        Number of behaviour segments; 0 chooses it by silhouette over 2-7.
    as_of : str
        The day behaviour features are computed for; empty: the latest order.
    min_n : int
        Segments or texts below this are shown as "n too small", never tested.
    confidence : float
        Interval level; ``1 - confidence`` is the false discovery rate.
    threshold : float
        Automatic coding threshold.
    n_boot : int
        Bootstrap refits of the stability check.
    seed : int
        Seed of segmentation, bootstrap and themes.

    Returns
    -------
    Review
    """
    return Review(common.open_workspace(data_dir), segment_by=segment_by, k=k, as_of=as_of, min_n=min_n,
                  confidence=confidence, threshold=threshold, n_boot=n_boot, seed=seed)


def show_tables(review: Review) -> common.Shown:
    """The tables the workspace holds, in one line, and the load report of those a journey reads."""
    for table in JOURNEY_TABLES:  # read now (each once, cached), so the load report accounts for every row
        if table in review.have:
            review.ws[table]
    return common.Shown(Markdown(f"Tables: {', '.join(sorted(review.have))}")) + common.load_report(review.ws)


def behaviour_segments(features: pd.DataFrame, labels: Sequence[int]) -> pd.DataFrame:
    """``customer_id, segment`` from the segment labels of the features' rows, named ``S1``, ``S2`` …

    Examples
    --------
    >>> behaviour_segments(pd.DataFrame({"customer_id": ["C1", "C2"]}), [2, 1])
      customer_id segment
    0          C1      S2
    1          C2      S1
    """
    if len(labels) != len(features):
        raise ParameterError(f"{len(labels)} segment labels for {len(features)} customers; give one per row")
    return features.assign(segment=[f"S{s}" for s in labels])[["customer_id", "segment"]]


def column_segments(customers: pd.DataFrame, column: str) -> pd.DataFrame:
    """``customer_id, segment`` where the segment is a column of the customers table.

    Examples
    --------
    >>> column_segments(pd.DataFrame({"customer_id": ["C1", "C2"], "plan": ["pro", "free"]}), "plan")
      customer_id segment
    0          C1     pro
    1          C2    free
    """
    if column not in customers.columns:
        raise ParameterError(f"segment_by {column!r} is not a column of customers; found {list(customers.columns)}")
    return customers[["customer_id", column]].rename(columns={column: "segment"})


def show_segments(review: Review) -> common.Shown:
    """Section 1: the criterion, stability (published as ``segments.stability``) and profiles, or segment sizes."""
    model = review.model
    if model is not None:
        stab = model.stability_
        findings.publish("segments.stability", float(stab.median()), label="Segment stability (bootstrap ARI)",
                         text=f"median {stab.median():.2f} (range {stab.min():.2f} to {stab.max():.2f}) over "
                              f"{len(stab)} refits; {model.k_} segments by silhouette")
        profiles = model.profiles_.assign(segment=[f"S{s}" for s in model.profiles_["segment"]])
        when = f"as of {review.as_of}" if review.as_of else "as of the latest order"
        return common.Shown(Markdown(f"**Criterion:** mean silhouette per number of segments; chosen: **{model.k_}**."),
                            model.criterion_,
                            common.table(profiles, f"The {model.k_} behaviour segments ({when}): customers, share, "
                                                   "median recency, orders and tenure, mean spend, in words, and the "
                                                   "most frequent plan, channel and region"))
    if review.seg_table is not None:
        return common.Shown(common.table(review.seg_table["segment"].value_counts().rename("customers").to_frame(),
                                         f"Customers per segment (segments by {review.segment_by}), largest first",
                                         absent=common.note("_No customer has a {c}._", c=review.segment_by)))
    return common.Shown(Markdown(f"_Segments by `{review.segment_by}`, a column of the text tables "
                                 "(no customers table to join)._"))


def show_journeys(review: Review) -> common.Shown:
    """Section 2: problem rates per segment and stage, and where care breaks (one ``journey.<segment>`` each)."""
    if review.rates is None:
        return common.Shown(Markdown("_Journeys need segments of customers and the orders table._"))
    for r in review.breaks.itertuples():
        findings.publish(f"journey.{r.segment}", float(r.ratio), kind="signal", label=f"Where care breaks for {r.segment}",
                         text=f"{r.stage}: {r.rate:.1f} problems per 100 orders vs {r.rest_rate:.1f} for the rest "
                              f"(ratio {r.ratio:.2f}, {r.ci_low:.1f} to {r.ci_high:.1f} per 100)")
    interval = f"{review.confidence:.0%} interval"
    return common.Shown(
        common.table(review.rates.pivot(index="segment", columns="stage", values="rate").round(2),
                     "Care problems per 100 orders, by segment (down) and journey stage (across)"),
        common.table(review.breaks, "Where care breaks: for each segment, the stage whose problem rate (per 100 "
                                    f"orders) is most above the rest's, significant only ({interval})",
                     absent=Markdown("_No segment has a stage whose problem rate is significantly above the "
                                     "rest's: care breaks nowhere in particular._")))


def survey_by_segment(responses: pd.DataFrame, seg_table: pd.DataFrame, *, confidence: float = 0.95,
                      min_n: int = 30) -> pd.DataFrame:
    """CSAT (get help) and NPS (renew/leave) per segment with intervals, one row per segment and survey.

    Parameters
    ----------
    responses : DataFrame
        Survey answers: ``customer_id, survey, score`` (a ``segment`` column of its own is replaced).
    seg_table : DataFrame
        ``customer_id, segment``.
    confidence : float
        Interval level.
    min_n : int
        Segments below this get a note and no interval.

    Returns
    -------
    DataFrame
        ``segment, stage, metric, n, value, ci_low, ci_high, note``; empty when no answer is from these customers.
    """
    answers = responses.drop(columns=["segment"], errors="ignore").merge(seg_table, on="customer_id")
    shown = []
    for survey, stage, fn, col in SURVEYS:
        part = answers[answers["survey"] == survey]
        if len(part):
            t = fn(part, by="segment", confidence=confidence, min_n=min_n)
            shown.append(t.assign(stage=stage, metric=survey, value=t[col])[_SURVEY_COLUMNS])
    return pd.concat(shown, ignore_index=True) if shown else pd.DataFrame(columns=_SURVEY_COLUMNS)


def show_satisfaction(review: Review) -> common.Shown:
    """Satisfaction at the stages the surveys measure, per segment (nothing without segments of customers and responses)."""
    if review.seg_table is None or "responses" not in review.have:
        return common.Shown()
    table = survey_by_segment(review.ws["responses"], review.seg_table, confidence=review.confidence,
                              min_n=review.min_n)
    return common.Shown(common.table(table, "Satisfaction per segment at the stages the surveys measure: CSAT "
                                            f"(get help) and NPS (renew/leave), {review.confidence:.0%} interval",
                                     absent=Markdown("_No CSAT or NPS answers from these customers._")))


def _text_parts(ws: Workspace, have: set[str], segment_by: str) -> list[pd.DataFrame]:
    """Survey comments, complaints, the first customer message of each ticket and reviews: who said what, where."""
    parts = []
    if "responses" in have:
        r = ws["responses"]
        r = r[r["comment"].notna()].assign(text=r["comment"])
        parts.append(r[[c for c in ("customer_id", "text", segment_by) if c in r.columns]])
    if "complaints" in have:
        c = ws["complaints"]
        parts.append(c.assign(stage=journeys.stage_of("complaints", c))[["customer_id", "text", "stage"]])
    if {"tickets", "messages"} <= have:
        m, tk = ws["messages"], ws["tickets"]
        first = m[m["author_role"] == "customer"].sort_values("sent_at").drop_duplicates("ticket_id")
        first = first.merge(tk.assign(stage=journeys.stage_of("tickets", tk))[["ticket_id", "customer_id", "stage"]],
                            on="ticket_id")
        parts.append(first[["customer_id", "text", "stage"]])
    if "reviews" in have:
        rv = ws["reviews"]
        parts.append(rv[[c for c in ("customer_id", "text", segment_by) if c in rv.columns]])
    return parts


def customer_texts(ws: Workspace, seg_table: pd.DataFrame | None, segment_by: str) -> pd.DataFrame:
    """Customers' own words with their segment (and journey stage where known), numbered ``text_id`` from 0.

    Parameters
    ----------
    ws : Workspace
        Texts come from responses (comments), complaints, tickets with messages (the first customer message)
        and reviews, those present.
    seg_table : DataFrame or None
        ``customer_id, segment``; None: the segment is the column ``segment_by`` of the text tables.
    segment_by : str
        The column that holds the segment when ``seg_table`` is None.

    Returns
    -------
    DataFrame
        ``customer_id, text, stage, segment, text_id`` (those available); texts without a segment are left out.
    """
    parts = _text_parts(ws, set(ws.available()), segment_by)
    if not parts:
        return pd.DataFrame(columns=["customer_id", "text", "stage", "segment", "text_id"])
    texts = pd.concat(parts, ignore_index=True).dropna(subset=["text"])
    if seg_table is not None:
        texts = texts.drop(columns=["segment"], errors="ignore").merge(seg_table, on="customer_id", how="left")
    elif segment_by in texts.columns:
        texts = texts.assign(segment=texts[segment_by])
    else:
        raise ParameterError(f"segment_by {segment_by!r} is not a column of customers, responses or reviews")
    texts = texts.dropna(subset=["segment"]).reset_index(drop=True)
    return texts.assign(text_id=range(len(texts)))


def stage_theme_table(texts: pd.DataFrame, coded: pd.DataFrame) -> pd.DataFrame:
    """The top themes of each segment at each stage as a wide table of shares (blank where a theme is not top)."""
    top = journeys.stage_themes(texts, coded)
    wide = top.pivot_table(index=["segment", "stage"], columns="code", values="share", observed=True)
    return wide.round(3).astype(object).fillna("")


def _publish_needs(needs: pd.DataFrame) -> None:
    """The top two needs of each segment as ``needs.<segment>.<code>`` findings."""
    if needs.empty:
        return
    for r in needs.groupby("segment").head(2).itertuples():
        findings.publish(f"needs.{r.segment}.{r.code}", float(r.rr), kind="theme", label=f"{r.segment} needs: {r.code}",
                         ci=(float(r.ci_low), float(r.ci_high)),
                         text=f"{r.share:.0%} of their texts vs {r.rest_share:.0%} of the rest (RR {r.rr:.2f}, "
                              f"{r.ci_low:.2f} to {r.ci_high:.2f}); “{r.quotes[0] if r.quotes else ''}”")


def show_needs(review: Review) -> common.Shown:
    """Section 3: top themes at each stage, the count of texts and needs, and the needs with verbatims."""
    texts = review.texts
    if texts.empty:
        return common.Shown(Markdown("_No customer texts (survey comments, complaints, tickets, reviews) in this "
                                     "workspace: no needs to find._"))
    coded, source = review.coding
    needs = review.needs
    _publish_needs(needs)
    stages = None
    if "stage" in texts.columns:
        top = stage_theme_table(texts, coded)
        stages = common.Shown(Markdown("**Top themes at each stage** (complaints and tickets, by the stage their "
                                       "category maps to)") if len(top) else None,
                              top if len(top) else Markdown("_No coded text with a journey stage: no top themes "
                                                            "at each stage._"))
    counts = Markdown(f"{len(texts):,} texts from {texts['segment'].nunique()} segments, coded with {source}; "
                      f"{len(needs)} significant needs.")
    return (stages or common.Shown()) + common.Shown(counts, needs if len(needs) else None)


def segment_sizes(seg_table: pd.DataFrame | None, texts: pd.DataFrame) -> pd.Series:
    """Customers per segment, or texts per segment when segments are a column of the texts.

    Examples
    --------
    >>> segment_sizes(pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "segment": ["a", "a", "b"]}), pd.DataFrame())
    segment
    a    2
    b    1
    Name: customer_id, dtype: int64
    """
    if seg_table is not None:
        return seg_table.groupby("segment")["customer_id"].nunique()
    if texts.empty:
        return pd.Series(dtype=int, name="text_id")
    return texts.groupby("segment")["text_id"].nunique()


def show_opportunities(review: Review) -> common.Shown:
    """Section 4: per segment, the stage where care breaks, its top need, the customers it concerns, the evidence."""
    needs = review.needs if not review.texts.empty else pd.DataFrame()
    sizes = segment_sizes(review.seg_table, review.texts)
    return common.Shown(common.table(
        journeys.opportunities(review.breaks, needs, sizes),
        "Opportunities: for each segment, the stage where care breaks, its top need, the customers it concerns and "
        "the evidence",
        absent=Markdown("_No segment has a stage where care breaks or a need above the rest's: no opportunity "
                        "to list._")))

"""Service recovery → requirements: the recovery log clustered into failure modes and a backlog.

Every service recovery teaches something. The recoveries table (one row per failure and
what we did about it: ``incident_id, occurred_at, customer_id, what_failed,
compensating_action, cost, outcome, learning, fixed_at``) is read as a set of short texts;
incidents that describe the same failure are grouped into a **failure mode**, and each
mode becomes one backlog item: a user story with its evidence (how many incidents and
customers), what it cost, when it was first and last seen and how long it took to fix.

Clustering (:func:`failure_modes`): each incident is the text ``what_failed + learning``,
vectorised with TF-IDF over word 1–2-grams and character 3–5-grams (so "double charge",
"charged twice" and typos meet), L2-normalised, then grouped by average-linkage
agglomerative clustering on cosine distance. With ``n_modes=None`` the tree is cut at a
cosine distance of ``distance`` (default 0.85, i.e. incidents in one mode share on average
at least ~15 % of their weighted terms) — a documented rule rather than a tuned count.
Each mode is labelled by its most distinctive terms (class-based TF-IDF: term weight in
the mode over its weight in the whole log) and its most typical learning (the one closest
to the mode's centroid).

**Redaction comes first.** The log is customer text: a ``what_failed`` may hold a name, a
phone number or an IBAN. :func:`failure_modes` redacts the free-text columns
(:data:`TEXT_COLUMNS`, with :func:`redact_log`) *before* it vectorises, clusters or labels
anything, so no personal value can become a label term, a typical learning or a user
story; its output carries the redacted text, which is all :func:`recovery_backlog` sees.
Pass a redactor built from the customer roster (``Redactor(customers["name"]).redact``) so
names are caught too; without one, the pattern-only :class:`~carelib.text.redact.Redactor`
is used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from carelib.errors import DataError, ParameterError

__all__ = ["failure_modes", "recovery_backlog", "redact_log", "TEXT_COLUMNS"]

_NEED = ("incident_id", "occurred_at", "what_failed", "learning")
TEXT_COLUMNS = ("what_failed", "compensating_action", "outcome", "learning")


def _check(recoveries: pd.DataFrame, need: tuple[str, ...]) -> None:
    missing = [c for c in need if c not in recoveries.columns]
    if missing:
        raise DataError(f"recoveries: missing column(s) {missing}; expected the 'recoveries' table (see data/README.md)")


def redact_log(
    recoveries: pd.DataFrame,
    redact: Callable[[str], str] | None = None,
    columns: Iterable[str] = TEXT_COLUMNS,
) -> pd.DataFrame:
    """A copy of the recovery log with its free-text ``columns`` redacted (those it has).

    Parameters
    ----------
    recoveries : DataFrame
        The ``recoveries`` table; not modified.
    redact : callable, optional
        Text → redacted text; default the pattern-only :class:`carelib.text.redact.Redactor`
        (build one from the customer roster to catch names too).
    columns : iterable of str
        Free-text columns; missing values stay missing.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> log = pd.DataFrame({"what_failed": ["charged twice, card 4111 1111 1111 1111", None]})
    >>> redact_log(log)["what_failed"].tolist()
    ['charged twice, card [card]', nan]
    """
    redact = redact or _default_redact()
    out = recoveries.copy()
    for c in columns:
        if c in out.columns:
            out[c] = out[c].astype(object).map(lambda v: v if not isinstance(v, str) and pd.isna(v) else redact(str(v)))
    return out


def _default_redact() -> Callable[[str], str]:
    from carelib.text.redact import Redactor

    return Redactor().redact


def _texts(recoveries: pd.DataFrame) -> list[str]:
    what = recoveries["what_failed"].fillna("").astype(str)
    learn = recoveries["learning"].fillna("").astype(str)
    return (what + ". " + learn).str.strip(". ").tolist()


def failure_modes(
    recoveries: pd.DataFrame,
    n_modes: int | None = None,
    distance: float = 0.85,
    n_terms: int = 4,
    *,
    redact: Callable[[str], str] | None = None,
) -> pd.DataFrame:
    """Assign each incident of the recovery log to a failure mode, after redacting its text.

    Parameters
    ----------
    recoveries : DataFrame
        The ``recoveries`` table.
    n_modes : int, optional
        Number of modes; ``None`` cuts the clustering tree at ``distance``.
    distance : float
        Cosine-distance cut (0–2) when ``n_modes`` is None.
    n_terms : int
        Distinctive terms in each mode's label.
    redact : callable, optional
        Applied to :data:`TEXT_COLUMNS` before anything is derived (see :func:`redact_log`);
        default the pattern-only redactor. Pass one built from the customer roster.

    Returns
    -------
    DataFrame
        The incidents (input columns kept, free text redacted) plus ``mode`` (1 = largest
        mode), ``mode_label`` and ``typical`` (the mode's most typical learning), sorted by
        mode then time.

    Notes
    -----
    TF-IDF (word 1–2-grams + char 3–5-grams, sublinear tf) → cosine average-linkage
    agglomerative clustering (scikit-learn). Labels: top terms of class-based TF-IDF
    (mean weight in the mode divided by mean weight overall). Incidents with no text at
    all form their own mode labelled "(no description)".

    Examples
    --------
    >>> log = pd.DataFrame({
    ...     "incident_id": ["I1", "I2", "I3", "I4"],
    ...     "occurred_at": pd.to_datetime(["2026-08-10", "2026-08-11", "2026-05-20", "2026-05-21"]),
    ...     "what_failed": ["charged twice", "double charge on card", "parcel late", "late parcel, no tracking"],
    ...     "learning": ["payment retry created a second charge", "retry charged the card twice",
    ...                  "carrier gives no tracking updates", "no tracking updates from the carrier"],
    ... })
    >>> failure_modes(log)[["incident_id", "mode"]].values.tolist()  # equal sizes: earlier mode first
    [['I3', 1], ['I4', 1], ['I1', 2], ['I2', 2]]
    """
    _check(recoveries, _NEED)
    if n_modes is not None and (not isinstance(n_modes, int) or n_modes < 1):
        raise ParameterError(f"n_modes must be a positive integer or None, got {n_modes!r}")
    if not 0 < distance <= 2:
        raise ParameterError(f"distance must be in (0, 2], got {distance!r}")
    out = redact_log(recoveries.reset_index(drop=True), redact)
    texts = _texts(out)
    has_text = np.array([bool(t.strip()) for t in texts])
    labels = np.full(len(out), -1)
    if has_text.sum() == 1:
        labels[has_text] = 0
    elif has_text.sum() > 1:
        labels[has_text], x, terms = _cluster([t for t, h in zip(texts, has_text, strict=True) if h], n_modes, distance)
    # order modes by size (largest first), ties by first occurrence
    order = (
        pd.DataFrame({"label": labels, "t": pd.to_datetime(out["occurred_at"])})
        .query("label >= 0")
        .groupby("label")
        .agg(size=("t", "size"), first=("t", "min"))
        .sort_values(["size", "first"], ascending=[False, True])
    )
    rank = {lab: i + 1 for i, lab in enumerate(order.index)}
    out["mode"] = [rank.get(lab, len(rank) + 1) for lab in labels]
    out["mode_label"], out["typical"] = "(no description)", ""
    if has_text.sum() > 1:
        _label_modes(out, labels, has_text, x, terms, n_terms)
    elif has_text.sum() == 1:
        out.loc[has_text, "mode_label"] = str(out.loc[has_text, "what_failed"].iloc[0])
        out.loc[has_text, "typical"] = str(out.loc[has_text, "learning"].iloc[0])
    return out.sort_values(["mode", "occurred_at", "incident_id"], ignore_index=True)


def _cluster(texts: list[str], n_modes: int | None, distance: float):
    from scipy.sparse import hstack
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english", min_df=1)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=1)
    try:
        xw = words.fit_transform(texts)
    except ValueError:  # only stop words
        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        xw = words.fit_transform(texts)
    x = normalize(hstack([xw, chars.fit_transform(texts)]).tocsr())
    k = min(n_modes, len(texts)) if n_modes else None
    model = AgglomerativeClustering(
        n_clusters=k, distance_threshold=None if k else distance, metric="cosine", linkage="average"
    )
    labels = model.fit_predict(x.toarray())
    return labels, normalize(xw), np.asarray(words.get_feature_names_out())


def _label_modes(out: pd.DataFrame, labels, has_text, x, terms, n_terms: int) -> None:
    idx = np.flatnonzero(has_text)
    lab = labels[has_text]
    overall = np.asarray(x.mean(axis=0)).ravel() + 1e-9
    learning = out["learning"].fillna(out["what_failed"]).astype(str)
    for m in np.unique(lab):
        rows = np.flatnonzero(lab == m)
        w = np.asarray(x[rows].mean(axis=0)).ravel()
        score = w * np.log1p(w / overall)
        top = [terms[i] for i in np.argsort(-score, kind="stable") if score[i] > 0]
        picked: list[str] = []
        for t in top:  # skip a unigram already inside a picked bigram and vice versa
            if any(t in p or p in t for p in picked):
                continue
            picked.append(t)
            if len(picked) == n_terms:
                break
        centroid = w / (np.linalg.norm(w) or 1.0)
        sims = np.asarray(x[rows] @ centroid).ravel()
        typical = learning.iloc[idx[rows[int(np.argmax(sims))]]]
        out.loc[idx[rows], "mode_label"] = ", ".join(picked) or "(no distinctive terms)"
        out.loc[idx[rows], "typical"] = typical


# a capitalised word ("Refund"), not an acronym ("IBAN"), a lone letter ("A") or a pseudonym ("Customer A")
_CAPITALISED = re.compile(r"[A-Z][a-z]+\b(?!\s+[A-Z]{1,3}\b)")


def _mid_sentence(text: str) -> str:
    """``text`` to sit mid-sentence: a capitalised first word lower-cased, anything else kept as written.

    Examples
    --------
    >>> _mid_sentence("Refund + voucher"), _mid_sentence("IBAN DE89 refunded"), _mid_sentence("[card] charged")
    ('refund + voucher', 'IBAN DE89 refunded', '[card] charged')
    """
    return text[0].lower() + text[1:] if _CAPITALISED.match(text) else text


def recovery_backlog(modes: pd.DataFrame, segment: str = "customer") -> pd.DataFrame:
    """One backlog item per failure mode: user story, evidence, cost, first/last seen, time to fix.

    Parameters
    ----------
    modes : DataFrame
        Output of :func:`failure_modes` (``cost``, ``customer_id``, ``outcome``,
        ``compensating_action`` and ``fixed_at`` are used when present).
    segment : str
        Who the stories speak for ("customer", "Plus member" ...).

    Returns
    -------
    DataFrame
        ``mode, mode_label, story, incidents, customers, total_cost, mean_cost, first_seen,
        last_seen, fixed, days_to_fix_median, churned, evidence`` — sorted by incidents
        then total cost (largest first). ``evidence`` lists up to three incident ids.

    Notes
    -----
    Story: "As a {segment}, I need “{most frequent what_failed}” not to happen again, so that
    I do not need {most frequent compensating action}" — followed by the mode's typical
    learning, which is the requirement in the team's own words. The story is built from the
    text :func:`failure_modes` already redacted, in the customer's casing (only a capitalised
    first word is lower-cased to sit mid-sentence: "Refund + voucher" → "refund + voucher").
    Days to fix: ``fixed_at − first occurrence`` of the mode (median over incidents with a
    fix); a mode with no fix is "open".
    """
    _check(modes, (*_NEED, "mode", "mode_label", "typical"))
    rows = []
    for mode, g in modes.groupby("mode", sort=True):
        first = pd.to_datetime(g["occurred_at"]).min()
        fixed = pd.to_datetime(g["fixed_at"], errors="coerce") if "fixed_at" in g else pd.Series(pd.NaT, index=g.index)
        days = (fixed - pd.to_datetime(g["occurred_at"])).dt.total_seconds() / 86400
        comp = g["compensating_action"].dropna().astype(str) if "compensating_action" in g else pd.Series(dtype=str)
        action = comp.value_counts().sort_index().sort_values(ascending=False, kind="stable").index[0] if len(comp) else "a workaround"
        cost = pd.to_numeric(g["cost"], errors="coerce") if "cost" in g else pd.Series(np.nan, index=g.index)
        outcome = g["outcome"].astype(str).str.lower() if "outcome" in g else pd.Series("", index=g.index)
        label = str(g["mode_label"].iloc[0])
        failure = g["what_failed"].dropna().astype(str).str.strip().str.rstrip(".")
        failure = failure.value_counts().sort_index().sort_values(ascending=False, kind="stable").index[0] if len(failure) else label
        rows.append({
            "mode": int(mode),
            "mode_label": label,
            "story": f"As a {segment}, I need “{_mid_sentence(failure)}” not to happen again, so that I do not need "
            f"{_mid_sentence(action)}. Requirement, in the team's words: {g['typical'].iloc[0]}",
            "incidents": len(g),
            "customers": int(g["customer_id"].nunique()) if "customer_id" in g else np.nan,
            "total_cost": float(cost.sum(min_count=1)) if cost.notna().any() else np.nan,
            "mean_cost": float(cost.mean()) if cost.notna().any() else np.nan,
            "first_seen": first,
            "last_seen": pd.to_datetime(g["occurred_at"]).max(),
            "fixed": "yes" if fixed.notna().all() else ("partly" if fixed.notna().any() else "open"),
            "days_to_fix_median": float(days.median()) if days.notna().any() else np.nan,
            "churned": int(outcome.str.contains("churn").sum()),
            "evidence": ", ".join(g["incident_id"].astype(str).head(3)),
        })
    cols = ["mode", "mode_label", "story", "incidents", "customers", "total_cost", "mean_cost", "first_seen",
            "last_seen", "fixed", "days_to_fix_median", "churned", "evidence"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["incidents", "total_cost", "mode"], ascending=[False, False, True], ignore_index=True)

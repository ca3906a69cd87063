"""What the interview synthesis notebook narrates: transcripts, coding, insights, themes, user stories.

The notebook opens the review with :func:`open_review` (transcripts read, people pseudonymised, the
redactor built), codes it with :func:`code_review`, then calls one function per section and displays
what it returns. Counts are people, not mentions; every quote shown is checked against its source span
(after redaction) before it is shown; the ``insight.<code>`` findings are published by :func:`insights`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from carelib import exports
from carelib.data.transcripts import read_transcripts
from carelib.errors import DataError
from carelib.practices.common import Captioned, Shown, export_accounting, note, redactor, table
from carelib.qual import agreement, coding, quotes
from carelib.qual.codebook import (
    CODEBOOK_COLUMNS,
    codebook_from_records,
    diff_codebooks,
    load_codebook,
)
from carelib.qual.review import CodingReview, read_human_codings, review_widget
from carelib.report import findings
from carelib.text.redact import Redactor
from carelib.text.sentiment import sentiment
from carelib.text.themes import UNASSIGNED, ThemeModel

__all__ = ["Review", "Coding", "open_review", "interview_overview", "participant_table", "participants_summary",
           "code_review", "themes_as_codes", "code_counts", "coding_summary", "code_pairs", "insights", "uncoded_excerpts",
           "uncovered_themes", "user_stories", "human_codings", "coder_agreement", "codebook_changes", "coding_review"]

PARTICIPANT = "participant"
#: The codebook a workspace holds by default; without it, the themes of the excerpts are the codes.
DEFAULT_CODEBOOK = "codebook.yml"
#: The roster a workspace holds by default; without it, people are known by their speaker names.
DEFAULT_ROSTER = "participants.csv"
#: The folder of human codings a workspace holds by default (CSV ``source,start,end,code,coder`` or ``.qdpx``).
DEFAULT_CODINGS = "codings"
#: The codebook of the interview round before, by default; absent: no comparison.
DEFAULT_PREVIOUS_CODEBOOK = "codebook-round-1.yml"


@dataclass(frozen=True)
class Review:
    """An opened interview review: what every section reads.

    Attributes
    ----------
    turns : DataFrame
        The pseudonymised turn table (interviews by number, people by participant id).
    documents : dict
        Interview id -> the interview's document text (the text the turns' spans index).
    redact : Redactor
        Names become participant ids; e-mails, phone numbers ... their kind.
    people : DataFrame
        One row per participant, with the ``segment`` column (roster text redacted).
    overview : DataFrame
        One row per interview (see :func:`interview_overview`); :func:`open_review` gives it as a captioned
        table (:class:`~carelib.practices.common.Captioned`, read as the DataFrame).
    segment : str
        The column participants are counted by.
    base : Path
        The workspace folder (the codebook path is read inside it).
    warnings : list of str
        Transcript lines that look like a speaker's but could not be read as one (kept as text, listed).
    sources : dict
        File stem (the ``source`` of human codings) -> interview id; never shown (stems are often first names).
    """

    turns: pd.DataFrame
    documents: dict[str, str]
    redact: Redactor
    people: pd.DataFrame
    overview: pd.DataFrame
    segment: str
    base: Path
    warnings: tuple[str, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Coding:
    """A coded review: the codebook, the participant excerpts and their codings.

    ``coded`` holds one row per excerpt and code, with the excerpt's ``interview_id, turn,
    participant_id, speaker, text, start``.
    """

    review: Review
    book: pd.DataFrame
    excerpts: pd.DataFrame
    coded: pd.DataFrame
    threshold: float
    method: str


def interview_overview(turns: pd.DataFrame) -> pd.DataFrame:
    """One row per interview (in order of appearance): its format, turns, speakers, participant turns, minutes.

    Examples
    --------
    >>> turns = pd.DataFrame({"interview_id": ["interview 1"] * 3, "source": ["txt"] * 3, "turn": [1, 2, 3],
    ...                       "speaker": ["Interviewer", "P01", "Interviewer"],
    ...                       "role": ["interviewer", "participant", "interviewer"], "end": [30.0, 90.0, 120.0]})
    >>> interview_overview(turns).reset_index().values.tolist()
    [['interview 1', 'txt', 3, 2, 1, 2.0]]
    """
    return turns.groupby("interview_id", sort=False).agg(
        format=("source", "first"), turns=("turn", "size"), speakers=("speaker", "nunique"),
        participant_turns=("role", lambda r: int((r == PARTICIPANT).sum())),
        minutes=("end", lambda e: round(e.max() / 60, 1) if e.notna().any() else None))


def participant_table(turns: pd.DataFrame, roster: pd.DataFrame | None, segment: str,
                      redact: Redactor | None = None) -> pd.DataFrame:
    """Every participant once (first interview), with the roster's columns and the ``segment`` column.

    Parameters
    ----------
    turns : DataFrame
        The pseudonymised turn table (``role``, ``participant_id``, ``interview_id``).
    roster : DataFrame or None
        People by ``participant_id``; its ``name`` and ``interview_id`` are not carried.
    segment : str
        Column to count participants by; ``"all"`` when neither turns nor roster have it,
        ``"(unknown)"`` for a participant the roster lacks.
    redact : Redactor, optional
        Applied to the segment text (roster text is customer text).

    Returns
    -------
    DataFrame
        ``participant_id, interview_id, <roster columns>, <segment>, role``.

    Examples
    --------
    >>> turns = pd.DataFrame({"role": ["participant", "participant", "interviewer"],
    ...                       "participant_id": ["P01", "P01", None], "interview_id": ["interview 1"] * 3})
    >>> roster = pd.DataFrame({"participant_id": ["P01"], "name": ["Ruth"], "plan": ["Plus"]})
    >>> participant_table(turns, roster, "plan").values.tolist()
    [['P01', 'interview 1', 'Plus', 'participant']]
    """
    people = turns[turns["role"] == PARTICIPANT][["participant_id", "interview_id"]].drop_duplicates("participant_id")
    if roster is not None and "participant_id" in roster.columns:
        people = people.merge(roster.drop(columns=[c for c in ("interview_id", "name") if c in roster.columns]),
                              on="participant_id", how="left", suffixes=("", "_roster"))
    people = people.copy()
    if segment not in people.columns:
        people[segment] = "all"
    people[segment] = people[segment].fillna("(unknown)")
    if redact is not None:  # roster text: redacted, escaped when shown
        people[segment] = people[segment].map(redact.redact)
    people["role"] = PARTICIPANT
    return people


def open_review(data_dir: str, transcripts: str, roster: str, *, segment: str) -> Review:
    """Read the transcripts (and roster) of a workspace and pseudonymise them: the review every section reads.

    Parameters
    ----------
    data_dir : str
        The workspace folder; ``transcripts`` and ``roster`` are paths inside it.
    transcripts : str
        Folder of transcripts (see :func:`carelib.data.transcripts.read_transcripts`).
    roster : str
        CSV of people (``name, role, participant_id`` + segments); empty: no roster.
    segment : str
        Roster column to count participants by.

    Returns
    -------
    Review
    """
    base = Path(data_dir)
    people = _roster(base, roster)
    tr = read_transcripts(base / transcripts, people)
    # from here on: interviews by number, people by participant id; names in the text become ids when shown
    turns, documents, names = quotes.pseudonymise(tr.turns, tr.documents, people)
    redact = redactor(names)
    return Review(turns=turns, documents=documents, redact=redact,
                  people=participant_table(turns, people, segment, redact),
                  overview=Captioned(interview_overview(turns), "The interviews read, in order: format, turns, "
                                                                 "speakers, participant turns and minutes"),
                  segment=segment, base=base,
                  # file names (often first names) stay out: `carelib validate` names the files for the data's owner
                  warnings=tuple(redact.redact(re.sub(r"^.*?(?= line \d+:)", "a transcript", w)) for w in tr.warnings),
                  sources=dict(zip(tr.turns["interview_id"], turns["interview_id"], strict=True)))


def _roster(base: Path, roster: str) -> pd.DataFrame | None:
    """The roster CSV; None when none is named, or when the default ``participants.csv`` is absent (people are then
    known by the speaker names of the transcripts). A roster named on purpose must exist."""
    if not roster:
        return None
    path = base / roster
    if not path.is_file():
        if roster == DEFAULT_ROSTER:
            return None
        raise DataError(f"roster {roster!r} not found in the workspace {base.name!r} (give roster=\"\" for none)")
    return pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)


def participants_summary(review: Review) -> Shown:
    """Interviews, participants, turns and participants by segment, as one sentence."""
    counts = review.people[review.segment].value_counts()
    said = note("**{n} interviews**, **{p} participants**, {t} turns; participants by {by}: {counts}",
                n=len(review.overview), p=len(review.people), t=f"{len(review.turns):,}", by=review.segment,
                counts=", ".join(f"{k} {v}" for k, v in counts.items()))
    shown = Shown(said) + export_accounting(review.base)  # transcripts made by carelib import: each row's fate
    if not review.warnings:
        return shown + Shown(note("Every transcript line was read as a turn or as the text of one."))
    listed = pd.DataFrame({"line read as text of the turn before": list(review.warnings)})
    return shown + Shown(note("**{n} line(s) look like a speaker's but could not be read as one** (kept as text):",
                              n=len(review.warnings)), listed)


def code_review(review: Review, codebook: str, *, threshold: float, method: str, seed: int = 0) -> Coding:
    """Code every participant turn (an excerpt ``<interview>#<turn>``) with the codebook.

    Without a codebook in the workspace (the default name ``codebook.yml`` absent), the themes found in the
    excerpts become the codes (:func:`themes_as_codes`); a codebook named otherwise must exist.

    Parameters
    ----------
    review : Review
        From :func:`open_review`.
    codebook : str
        The codebook YAML, a path inside the workspace folder.
    threshold : float
        Minimum coding confidence.
    method : {"lexical", "embeddings"}
        See :func:`carelib.qual.coding.auto_code`.
    seed : int
        Seed of theme discovery when there is no codebook.

    Returns
    -------
    Coding
    """
    excerpts = review.turns[review.turns["role"] == PARTICIPANT].copy()
    excerpts["excerpt_id"] = excerpts["interview_id"] + "#" + excerpts["turn"].astype(str)
    if codebook and not (review.base / codebook).is_file() and codebook == DEFAULT_CODEBOOK:
        # no codebook in the workspace: the themes of the excerpts are the codes (a named codebook must exist)
        book, coded = themes_as_codes(excerpts, review.redact.redact, seed=seed)
        return _coding(review, book, excerpts, coded, threshold, "themes found in the excerpts (no codebook)")
    book = load_codebook(review.base / codebook)
    coded = coding.auto_code(excerpts, book, text="text", id="excerpt_id", threshold=threshold, method=method)
    return _coding(review, book, excerpts, coded, threshold, method)


def _coding(review: Review, book: pd.DataFrame, excerpts: pd.DataFrame, coded: pd.DataFrame, threshold: float,
            method: str) -> Coding:
    coded = coded.merge(excerpts[["excerpt_id", "interview_id", "turn", "participant_id", "speaker", "text", "start"]],
                        on="excerpt_id")
    return Coding(review=review, book=book, excerpts=excerpts, coded=coded, threshold=threshold, method=method)


def themes_as_codes(excerpts: pd.DataFrame, redact: Any, *, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A codebook drawn from the excerpts themselves, and their codings, for a workspace without a codebook.

    The excerpts are redacted, grouped into themes (:class:`carelib.text.themes.ThemeModel`), and each theme
    becomes a code named by its label, with its terms as keywords. Every excerpt with content is coded with its
    theme (confidence = 1 - its distance to the theme's centre); non-answers get no code.

    Parameters
    ----------
    excerpts : DataFrame
        With ``excerpt_id`` and ``text``.
    redact : callable
        Applied to every text first.
    seed : int
        Seed of theme discovery.

    Returns
    -------
    (DataFrame, DataFrame)
        The codebook table and the codings (``excerpt_id, code, confidence, matched``).
    """
    columns = ["excerpt_id", "code", "confidence", "matched"]
    none = pd.DataFrame(columns=CODEBOOK_COLUMNS), pd.DataFrame(columns=columns)
    if len(excerpts) < 4:
        return none
    try:
        model = ThemeModel(k_range=(2, max(2, min(12, len(excerpts) // 5))), seed=seed).fit(
            excerpts["text"].map(redact))
    except DataError:  # fewer than two excerpts with content (non-answers only): nothing to code
        return none
    names: dict[int, str] = {}
    for theme, label in zip(model.themes_["theme"], model.themes_["label"], strict=True):
        names[int(theme)] = label if label not in names.values() else f"{label} ({theme})"
    book = codebook_from_records([{"code": names[int(t)], "keywords": list(terms),
                                   "definition": f"A theme found in the excerpts (no codebook): {', '.join(terms)}"}
                                  for t, terms in zip(model.themes_["theme"], model.themes_["terms"], strict=True)],
                                 "themes of the excerpts")
    themed = model.labels_ != UNASSIGNED
    coded = pd.DataFrame({"excerpt_id": excerpts["excerpt_id"].to_numpy()[themed],
                          "code": [names[int(t)] for t in model.labels_[themed]],
                          "confidence": 1 - model.distances_[themed], "matched": ""}, columns=columns)
    return book, coded


def code_counts(coded: pd.DataFrame, people: pd.DataFrame, segment: str) -> pd.DataFrame:
    """Distinct participants per code and segment, with ``all``; most voiced code first.

    Parameters
    ----------
    coded : DataFrame
        Codings with ``participant_id`` and ``code`` (several mentions by one person count once).
    people : DataFrame
        Every participant, with the ``segment`` column.
    segment : str
        Column of ``people`` to count by.

    Returns
    -------
    DataFrame
        Index ``code``; one column per segment value and ``all`` (distinct participants).

    Examples
    --------
    >>> coded = pd.DataFrame({"participant_id": ["P1", "P1", "P2", "P2"], "code": ["late", "late", "late", "app"]})
    >>> people = pd.DataFrame({"participant_id": ["P1", "P2"], "plan": ["Plus", "Std"]})
    >>> code_counts(coded, people, "plan").reset_index().values.tolist()
    [['late', 1, 1, 2], ['app', 0, 1, 1]]
    """
    matrix = coding.code_matrix(coded, people, by=segment)
    return matrix.pivot(index="code", columns=segment, values="participants").fillna(0).astype(int).assign(
        all=coded.groupby("code")["participant_id"].nunique()).sort_values("all", ascending=False)


def coding_summary(c: Coding) -> Shown:
    """How many excerpts were coded, and the codes counted by participant and segment."""
    n_coded, n = c.coded["excerpt_id"].nunique(), len(c.excerpts)
    share = n_coded / max(n, 1)
    return Shown(note("{k} of {n} excerpts coded ({share}); {c} codings, threshold {threshold}, method {method}.",
                      k=n_coded, n=n, share=f"{share:.0%}", c=len(c.coded), threshold=c.threshold, method=c.method),
                 table(code_counts(c.coded, c.review.people, c.review.segment),
                       f"Participants voicing each code, by {c.review.segment} and in all (people, not mentions), "
                       "most voiced first", absent=note("_No excerpt reached the threshold: no code to count._")))


def code_pairs(c: Coding) -> Captioned | None:
    """Codes x codes: participants voicing both, as a captioned table read as the DataFrame (None when fewer than
    two codes were found)."""
    if c.coded["code"].nunique() <= 1:
        return None
    return Captioned(coding.co_occurrence(c.coded).rename_axis("code"), "Codes × codes: participants voicing both (on the diagonal, "
                                                    "participants voicing the code)")


def _quote_item(q: Any, text: str, feeling: str) -> str:
    """One quote as an HTML list item: the redacted text, participant, interview, timecode, sentiment."""
    at = " at " + quotes.timecode(q.start) if pd.notna(q.start) else ""
    return (f"<li>“{html.escape(text)}” <small>— {html.escape(str(q.participant_id))}, {html.escape(q.interview_id)}"
            f"{at} · sentiment: {feeling}</small></li>")


def _insight_block(c: Coding, ins: Any, by_key: dict[tuple[str, int], tuple[str, str]]) -> str:
    """The claim of an insight and up to three quotes from different people, most confident first."""
    chosen = (c.coded[c.coded["code"] == ins.code].sort_values("confidence", ascending=False)
              .drop_duplicates("participant_id"))
    items = [_quote_item(q, *by_key[(q.interview_id, q.turn)]) for q in chosen.head(3).itertuples()]
    return f"<h4>{html.escape(ins.claim)}</h4><ul>{''.join(items)}</ul>"


def insights(c: Coding, *, min_participants: int) -> Shown:
    """Codes voiced by at least ``min_participants`` people, each published as ``insight.<code>``, with quotes.

    Every quote shown is redacted and checked verbatim against its source span first
    (:func:`carelib.qual.quotes.verify_quotes` raises when one does not match).
    """
    from IPython.display import HTML

    r = c.review
    found = quotes.insights(c.coded, c.book, r.people, min_participants=min_participants)
    spans = quotes.quote_spans(c.coded, r.turns)
    shown = spans["text"].map(r.redact.redact)
    verified = quotes.verify_quotes(spans, r.documents, redact=r.redact.redact, shown=shown)
    feel = sentiment(spans["text"])
    by_key = {(q.interview_id, q.turn): (s, f)
              for q, s, f in zip(spans.itertuples(), shown, feel["sentiment"], strict=True)}
    blocks = []
    for ins in found.itertuples():
        findings.publish(f"insight.{ins.code}", ins.participants, kind="insight", label=f"Insight: {ins.code}",
                         text=f"{ins.participants} of {ins.of} participants", note=None)
        blocks.append(_insight_block(c, ins, by_key))
    return Shown(HTML("".join(blocks) or "<p>No code reaches the minimum number of participants.</p>"),
                 note("{n} quotes checked verbatim against their source spans (after redaction).",
                      n=int(verified["verified"].sum())))


def uncoded_excerpts(excerpts: pd.DataFrame, coded: pd.DataFrame, min_chars: int) -> pd.DataFrame:
    """Excerpts no code matched and at least ``min_chars`` long.

    Parameters
    ----------
    excerpts : DataFrame
        With ``excerpt_id`` and ``text``.
    coded : DataFrame
        Codings with ``excerpt_id``.
    min_chars : int
        Shorter excerpts are left out.

    Returns
    -------
    DataFrame
        The rows of ``excerpts`` kept (a filtered view; ``excerpts`` is not changed).

    Examples
    --------
    >>> ex = pd.DataFrame({"excerpt_id": ["a", "b", "c"], "text": ["long enough", "short", "also long enough"]})
    >>> uncoded_excerpts(ex, pd.DataFrame({"excerpt_id": ["c"]}), 6)["excerpt_id"].tolist()
    ['a']
    """
    return excerpts[~excerpts["excerpt_id"].isin(coded["excerpt_id"]) & (excerpts["text"].str.len() >= min_chars)]


def uncovered_themes(c: Coding, *, min_chars: int, seed: int) -> Shown:
    """Themes among the uncoded excerpts (TF-IDF, k-means, silhouette), or why there are none.

    Parameters
    ----------
    c : Coding
        From :func:`code_review`.
    min_chars : int
        Excerpts shorter than this are left out of theme discovery.
    seed : int
        Seed of theme discovery.

    Returns
    -------
    Shown
        The themes (``theme, label, size, participants, terms, quotes``), or a sentence when
        fewer than 4 uncoded excerpts are long enough. The texts are redacted before
        modelling, so no name or number can become a label.
    """
    uncoded = uncoded_excerpts(c.excerpts, c.coded, min_chars)
    if len(uncoded) < 4:
        return Shown(note("_Only {n} uncoded excerpts of {m}+ characters: no themes to find._",
                          n=len(uncoded), m=min_chars))
    clean = uncoded["text"].map(c.review.redact.redact)
    model = ThemeModel(k_range=(2, min(8, len(uncoded) - 1)), seed=seed).fit(clean)
    ids = uncoded["participant_id"].to_numpy()
    themes = model.themes_.assign(participants=[len(set(ids[m])) for m in model.themes_["members"]])
    return Shown(table(themes[["theme", "label", "size", "participants", "terms", "quotes"]],
                       f"Themes among the {len(uncoded)} uncoded excerpts of {min_chars}+ characters: size, "
                       "participants, terms and quotes (redacted)"))


def user_stories(c: Coding, *, export_dir: str = "") -> Any:
    """Each code as a backlog item with its evidence; written to ``<export_dir>/user_stories.csv`` when given.

    Shown as a captioned table, read as the DataFrame of :func:`carelib.qual.quotes.user_stories`; a sentence
    when no code was voiced.
    """
    stories = quotes.user_stories(c.coded, c.book, c.review.people, segment=c.review.segment)
    if export_dir:
        exports.to_csv(stories, Path(export_dir) / "user_stories.csv")
    return table(stories, "User stories: one backlog item per code, with the participants voicing it and their "
                          "quotes, most voiced first", absent=note("_No code was voiced: no user stories._"))


def _optional_file(review: Review, name: str, default: str, what: str) -> Path | None:
    """A workspace file or folder a section reads when present: None when the default is absent; a named one must exist."""
    if not name:
        return None
    path = review.base / name
    if not path.exists():
        if name == default:
            return None
        raise DataError(f"{what} {name!r} not found in the workspace {review.base.name!r} (give \"\" for none)")
    return path


def human_codings(c: Coding, codings: str = DEFAULT_CODINGS) -> pd.DataFrame | None:
    """The human codings of the workspace placed on the excerpts (:func:`carelib.qual.agreement.align_spans`).

    A coding's ``source`` is the interview's file stem (``p01-ruth``), its file name, or its id (``interview 1``).
    Returns the spans with their ``excerpt_id`` (missing for a span that codes no participant turn), or None when
    the default ``codings/`` is absent.
    """
    path = _optional_file(c.review, codings, DEFAULT_CODINGS, "human codings")
    if path is None:
        return None
    spans = read_human_codings(path)
    ids = {**{Path(k).stem: v for k, v in c.review.sources.items()}, **c.review.sources,
           **{v: v for v in c.review.sources.values()}}
    spans["interview_id"] = spans["source"].map(lambda s: ids.get(s, ids.get(Path(s).stem)))
    for r in spans.itertuples():
        if r.interview_id is None or pd.isna(r.interview_id):
            raise DataError(f"{r.file}: source {r.source!r} is none of the interviews (give the transcript's file name)")
        if r.end > len(c.review.documents[r.interview_id]):
            raise DataError(f"{r.file}: span {r.start}-{r.end} of {r.source!r} ends past the transcript "
                            f"({len(c.review.documents[r.interview_id])} characters): coded on another version?")
    units = c.excerpts[["interview_id", "char_start", "char_end", "excerpt_id"]].set_axis(
        ["source", "start", "end", "excerpt_id"], axis=1)
    placed = agreement.align_spans(spans.drop(columns="source").rename(columns={"interview_id": "source"}),
                                   units, unit="excerpt_id")
    return placed.rename(columns={"source": "interview_id"})


def coder_agreement(c: Coding, codings: str = DEFAULT_CODINGS) -> Shown:
    """Agreement of the human coders per code and pooled (κ for two coders, α for any number), and the
    disagreements to calibrate on, each with its excerpt (redacted); ``agreement.kappa`` and ``agreement.alpha``
    are published.

    Units are the participant turns; a span codes a turn it shares at least half of the shorter of the two with; a
    coder saw the interviews they coded at least one span in (a turn of another interview is missing, not a "no").
    """
    placed = human_codings(c, codings)
    if placed is None:
        return Shown(note("_No human codings in the workspace (`{f}/`, CSV `source,start,end,code,coder` or a REFI-QDA "
                          "`.qdpx`): no agreement to measure._", f=codings))
    lost = int(placed["excerpt_id"].isna().sum())
    placed = placed[placed["excerpt_id"].notna()]
    coders = sorted(placed["coder"].unique().tolist())
    if len(coders) < 2:
        return Shown(note("_Codings by {n} coder(s) only ({who}): agreement needs two or more._", n=len(coders),
                          who=", ".join(coders) or "none"))
    units = c.excerpts["excerpt_id"].tolist()
    of = c.excerpts.set_index("excerpt_id")["interview_id"]
    seen = {k: set(of.index[of.isin(set(g["interview_id"]))]) for k, g in placed.groupby("coder")}
    kw = {"seen": seen, "unit": "excerpt_id"}
    table_ = agreement.agreement_by_code(placed, units, **kw)
    pooled = table_.iloc[-1]
    if len(coders) == 2:
        findings.publish("agreement.kappa", float(pooled["kappa"]), kind="agreement", label="Coder agreement (Cohen's κ)",
                         text=f"κ = {pooled['kappa']:.2f} between {coders[0]} and {coders[1]}, all codes pooled", note=None)
    findings.publish("agreement.alpha", float(pooled["alpha"]), kind="agreement", label="Coder agreement (Krippendorff's α)",
                     text=f"α = {pooled['alpha']:.2f}, {len(coders)} coders, {int(pooled['units'])} excerpts", note=None)
    excerpts = c.excerpts.set_index("excerpt_id")
    dis = agreement.disagreements(placed, units, **kw)
    dis.insert(1, "participant", dis["excerpt_id"].map(excerpts["participant_id"]))
    dis.insert(2, "excerpt", dis["excerpt_id"].map(excerpts["text"]).map(c.review.redact.redact))
    said = note("{n} codings by {k} coders ({who}) on {u} excerpts{lost}. A coder's span codes a participant turn when "
                "they share at least half of the shorter of the two; a turn of an interview a coder did not code is "
                "missing, not a \"no\". α ≥ 0.8 is reliable, 0.667–0.8 tentative (Krippendorff).", n=len(placed),
                k=len(coders), who=", ".join(coders), u=int(pooled["units"]),
                lost=f"; {lost} span(s) code no participant turn (left out)" if lost else "")
    shown = table_.assign(**{k: table_[k].map(lambda v: None if pd.isna(v) else f"{v:.2f}".replace("-0.00", "0.00"))
                             for k in ("kappa", "alpha")}).rename(columns={
        "units": "excerpts", "percent_agreement": "agreed_share", "kappa": "Cohen's κ", "alpha": "Krippendorff's α"})
    return Shown(said, table(shown,
                             "Agreement per code: excerpts seen by two coders or more, excerpts each coder gave the "
                             "code, share agreed, Cohen's κ (two coders) and Krippendorff's α (nominal)"),
                 table(dis, "Disagreements to calibrate on: each excerpt (redacted) and each coder's codes",
                       absent=note("_The coders agree on every excerpt._")))


def _book_text(value: Any) -> str:
    return "; ".join(map(str, value)) if isinstance(value, list) else ("" if value is None else str(value))


def codebook_changes(review: Review, codebook: str, previous: str = DEFAULT_PREVIOUS_CODEBOOK) -> Shown:
    """What changed in the codebook since the round before (:func:`carelib.qual.codebook.diff_codebooks`).

    Parameters
    ----------
    review : Review
        From :func:`open_review` (the workspace folder).
    codebook : str
        The current codebook YAML, inside the workspace.
    previous : str
        The codebook of the round before, inside the workspace; the default ``codebook-round-1.yml`` may be
        absent (then a sentence says so), a named one must exist; empty: no comparison.

    Returns
    -------
    Shown
        The changes (``change, code, old, new``; lists joined by ``;``), or a sentence.
    """
    old = _optional_file(review, previous, DEFAULT_PREVIOUS_CODEBOOK, "previous codebook")
    current = review.base / codebook
    if old is None or not current.is_file():
        return Shown(note("_No codebook of an earlier round to compare with (`previous_codebook`)._"))
    diff = diff_codebooks(load_codebook(old), load_codebook(current))
    diff[["old", "new"]] = diff[["old", "new"]].map(_book_text)
    return Shown(table(diff, f"Codebook changes from {old.name} to {current.name}: one row per change",
                       absent=note("_The codebook did not change between the rounds._")))


def coding_review(c: Coding, *, coder: str, codings: str = DEFAULT_CODINGS, page_size: int = 5) -> Any:
    """The automatic codings to review in JupyterLab (accept, reject, recode), written to ``<codings>/<coder>.csv``.

    Parameters
    ----------
    c : Coding
        From :func:`code_review`: the automatic codings reviewed, in excerpt order.
    coder : str
        The researcher's name (the file name and every row's ``coder``); empty: a sentence says how to start.
    codings : str
        The folder of human codings inside the workspace (``coder_agreement`` reads it).
    page_size : int
        Codings per page.

    Returns
    -------
    Shown or widget
        The sentence, or the widget of :func:`carelib.qual.review.review_widget` with its
        :class:`~carelib.qual.review.CodingReview` as ``.review``. Excerpts are shown redacted; the file holds
        spans (file stem, offsets) and codes only.
    """
    if not coder.strip():
        return Shown(note("_To review the automatic coding, set `reviewer` to your name and run this cell in "
                          "JupyterLab (`make lab`): your codings are written to `{f}/<name>.csv` and measured above._",
                          f=codings))
    stems = {v: k for k, v in c.review.sources.items()}
    spans = c.excerpts.set_index("excerpt_id")[["char_start", "char_end"]]
    items = c.coded.assign(source=c.coded["interview_id"].map(stems), start=c.coded["excerpt_id"].map(spans["char_start"]),
                           end=c.coded["excerpt_id"].map(spans["char_end"]), text=c.coded["text"].map(c.review.redact.redact),
                           excerpt=c.coded["excerpt_id"] + " · " + c.coded["participant_id"].astype(str))
    review = CodingReview(items, c.book["code"].tolist(), coder=coder, path=c.review.base / codings / f"{coder.strip()}.csv",
                          page_size=page_size)
    widget = review_widget(review)
    widget.review = review
    return widget

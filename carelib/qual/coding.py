"""Automatic coding of excerpts against a codebook, and counts by participant.

**Lexical coding** (default, offline, deterministic). For each code, its keywords are
matched as whole words or phrases (``refund*`` matches refund, refunds, refunded), and
the excerpt is compared with the code's profile (definition + include examples +
keywords) by TF-IDF cosine similarity. The confidence is

.. math:: c = 0.7 \\cdot \\min(1, h/2) + 0.3 \\cdot \\min(1, s / 0.3)

with :math:`h` the number of distinct keywords found and :math:`s` the similarity; a
match of an ``exclude`` phrase halves it. An empty or blank keyword or exclude phrase is no
phrase (it matches nothing), whether the codebook came from :func:`load_codebook` or was
built by hand. A code is assigned when :math:`c \\ge`
``threshold`` (default 0.35: one keyword, or one keyword's worth of similarity). Each
assignment lists the keywords that matched, so a reader can see why.

**Semantic coding** (``method="embeddings"``, extra ``embeddings``): cosine similarity
between the excerpt's and the code profile's all-MiniLM-L6-v2 embeddings, used as the
confidence; default threshold 0.35.

Counting is **by participant, not by mention**: :func:`code_matrix` counts distinct
participants per code and segment (and their share of the segment).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from carelib.errors import DataError, ParameterError

__all__ = ["auto_code", "code_matrix", "co_occurrence", "keyword_pattern", "keyword_regex", "keyword_codes", "keyword_inputs", "keyword_stages",
           "read_codings", "write_codings", "CODING_COLUMNS", "DIALECTS", "KEYWORD_RULE_THRESHOLD"]


def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """A case-insensitive whole-word pattern; ``*`` at a word's end matches any ending.

    Examples
    --------
    >>> bool(keyword_pattern("refund*").search("They refunded me"))
    True
    >>> bool(keyword_pattern("late").search("chocolate"))
    False
    >>> bool(keyword_pattern("  ").search("Anything, at all."))  # no phrase matches nothing
    False
    """
    words = [re.escape(w.rstrip("*")) + (r"\w*" if w.endswith("*") else "") for w in keyword.strip().split()
             if w.rstrip("*")]
    if not words:
        return _NEVER
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


_NEVER = re.compile(r"(?!)")  # an empty phrase: matches no text

#: Regex dialects of :func:`keyword_regex`: DuckDB's (RE2: no look-around) and Spark's (``java.util.regex``).
DIALECTS = ("re2", "java")
#: The coding threshold at which :func:`keyword_codes` gives exactly :func:`auto_code`'s lexical codes.
KEYWORD_RULE_THRESHOLD = 0.35


@lru_cache(maxsize=1)
def _every_char() -> str:
    """Every Unicode code point but the surrogates, as one string (decoded at once: 5 ms, not 350)."""
    codes = np.arange(0x110000, dtype="<u4")
    return codes[(codes < 0xD800) | (codes > 0xDFFF)].tobytes().decode("utf-32-le")


#: ASCII letters and digits: their case-insensitive classes come from one scan of every code point
ASCII_ALNUM = "".join(chr(c) for c in range(128) if chr(c).isalnum())


@lru_cache(maxsize=1)
def _ascii_classes() -> dict[str, list[int]]:
    """The code points Python's ``re`` matches case-insensitively with each of :data:`ASCII_ALNUM` (``k``: ``K``,
    ``k`` and the Kelvin sign), from one scan of every code point with the class of them all (then each of the few
    found is matched against each character): 10 ms instead of 6 ms a character. Equal to a scan per character
    (``tests/test_engines.py``)."""
    found = set(re.findall("(?i)[" + ASCII_ALNUM + "]", _every_char()))
    return {c: sorted(ord(x) for x in found if re.fullmatch("(?i)" + c, x)) for c in ASCII_ALNUM}


@lru_cache(maxsize=256)
def _char_class(pattern: str, negate: bool = False) -> str:
    """The characters Python's ``re`` matches with ``pattern`` (one character), as an explicit class of code points.

    Explicit code points make an engine's regex match exactly what Python's does, whatever Unicode tables the
    engine has (RE2's ``\\w`` is ASCII, Java's case folding differs from Python's).
    """
    ascii_letter = pattern[4:] if pattern.startswith("(?i)") and len(pattern) == 5 else ""
    if ascii_letter and ascii_letter in ASCII_ALNUM:
        codes = _ascii_classes()[ascii_letter]
    else:  # runs of matching characters (``\\w``: hundreds of runs, not 140,000 one-character matches)
        flags, body = ("(?i)", pattern[4:]) if pattern.startswith("(?i)") else ("", pattern)
        runs = "".join(re.findall(f"{flags}(?:{body})+", _every_char()))
        codes = np.unique(np.frombuffer(runs.encode("utf-32-le"), dtype="<u4")).tolist()
    ranges: list[list[int]] = []
    for c in codes:
        if ranges and c == ranges[-1][1] + 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    body = "".join(f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges)
    return f"[{'^' if negate else ''}{body}]"


def keyword_regex(keyword: str, dialect: str = "re2") -> str | None:
    """:func:`keyword_pattern` as an engine regex that matches exactly the same texts, or None for no phrase.

    Python's pattern is ``(?<!\\w)word\\s+word\\w*(?!\\w)`` with ``IGNORECASE``. Each character becomes the
    class of every character Python matches with it case-insensitively, and ``\\w``/``\\s`` the classes of
    every character Python counts as a word character or white space, as explicit code points. DuckDB's RE2
    has no look-around: ``(?:^|[^w])…(?:[^w]|$)`` finds a match exactly when Python's pattern does
    (search, not position); Java keeps the look-arounds, after a look-ahead on the first character (fast).

    Parameters
    ----------
    keyword : str
        A codebook keyword (``refund*`` matches any ending).
    dialect : {"re2", "java"}
        DuckDB's ``regexp_matches`` or Spark's ``rlike``.

    Returns
    -------
    str or None
        The pattern; None when the keyword has no word (it matches nothing).

    Examples
    --------
    >>> keyword_regex("  ") is None
    True
    >>> keyword_regex("ok", "re2").count("[")
    4
    """
    if dialect not in DIALECTS:
        raise ParameterError(f"dialect must be one of {', '.join(DIALECTS)}, got {dialect!r}")
    words = [w for w in keyword.strip().split() if w.rstrip("*")]
    if not words:
        return None
    word = _char_class(r"\w")
    body = _keyword_body(words, word)
    not_word = _char_class(r"\w", negate=True)
    if dialect == "re2":
        return f"(?:^|{not_word}){body}(?:{not_word}|$)"
    first = _char_class("(?i)" + re.escape(words[0].rstrip("*")[0]))
    return f"(?={first})(?<!{word}){body}(?!{word})"


def _keyword_body(words: list[str], word: str | None = None) -> str:
    """The words of a keyword as explicit classes joined by white space; with ``word`` (the class of ``\\w``) a
    ``*`` ending matches any word characters, without it the pattern is a cheap necessary condition."""
    space = _char_class(r"\s")
    parts = []
    for w in words:
        letters = "".join(_char_class("(?i)" + re.escape(ch)) for ch in w.rstrip("*"))
        parts.append(letters + (word + "*" if w.endswith("*") and word else ""))
    return (space + "+").join(parts)


def keyword_inputs(text: str) -> dict[str, Any]:
    """The columns :func:`keyword_codes` reads besides ``text`` when ``prepared``: the lowercased text and whether it
    is all ASCII, computed once per row (an engine evaluates an expression again wherever it is repeated)."""
    import narwhals as nw

    t = nw.col(text)
    return {f"{text}__lower": t.str.to_lowercase(), f"{text}__ascii": ~t.str.contains("[^\\x00-\\x7f]")}


def keyword_codes(codebook: pd.DataFrame, text: str, dialect: str, *, prepared: bool = False) -> dict[str, Any]:
    """Per code, the engine expression (narwhals) that is true exactly when :func:`auto_code` assigns the code.

    At the lexical coding's default threshold (:data:`KEYWORD_RULE_THRESHOLD`, 0.35) the similarity term never
    decides: with ``h`` keywords found, ``c = 0.7 min(1, h/2) + 0.3 min(1, s/0.3)`` with ``0 <= s <= 1`` is at
    least 0.35 when ``h >= 1`` and at most 0.3 when ``h = 0``; a matched ``exclude`` phrase halves it, leaving
    at least 0.35 when ``h >= 2`` and at most 0.325 when ``h = 1``. So a code is assigned exactly when
    **two or more of its keywords are found, or one is and none of its exclude phrases is** — a rule of
    regex predicates (:func:`keyword_regex`), evaluated where the texts live. A missing text has no code.

    Parameters
    ----------
    codebook : DataFrame
        From :func:`carelib.qual.codebook.load_codebook`.
    text : str
        The text column.
    dialect : {"re2", "java"}
        The engine's regex dialect (DuckDB, Spark).
    prepared : bool
        The frame holds the columns of :func:`keyword_inputs` (faster on many codes).

    Returns
    -------
    dict of str to narwhals expression
        Code → boolean expression (never null), in the codebook's order.
    """
    return _keyword_rules(codebook, text, dialect, prepared, staged=False)[1]


def keyword_stages(codebook: pd.DataFrame, text: str, dialect: str, *,
                   prepared: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """:func:`keyword_codes` in two stages: one 0/1 column per distinct phrase, then each code's rule over them.

    Each phrase is then evaluated once per row however many codes use it, and the engine's plan holds each of its
    (long, explicit) patterns once: add the first dict's columns (``with_columns``), then use the second's
    expressions. On Spark this is several times faster to plan than :func:`keyword_codes`.

    Parameters
    ----------
    codebook, text, dialect, prepared
        As for :func:`keyword_codes`.

    Returns
    -------
    (dict, dict)
        Column name (``__kw0`` …) → 0/1 expression of one phrase; code → boolean expression over those columns
        (never null), in the codebook's order.
    """
    return _keyword_rules(codebook, text, dialect, prepared, staged=True)


def _keyword_rules(codebook: pd.DataFrame, text: str, dialect: str, prepared: bool,
                   staged: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    import narwhals as nw

    t = nw.col(text)
    low, ascii_text = ((nw.col(k) for k in keyword_inputs(text)) if prepared else keyword_inputs(text).values())

    def found(phrase: str) -> Any:
        pattern = keyword_regex(phrase, dialect)
        if pattern is None:
            return None
        # a cheap necessary condition first, the full pattern only where it holds: the words without their
        # boundaries as classes (small, fast); for an ASCII keyword in an ASCII text (most texts) plain substrings of
        # the lowercased text, since there the only characters Python matches with a letter are its two cases
        words = [w for w in phrase.strip().split() if w.rstrip("*")]
        near = t.str.contains(_keyword_body(words))
        if all(w.isascii() for w in words):
            subs = [low.str.contains(w.rstrip("*").lower(), literal=True) for w in words]
            every = subs[0]
            for c in subs[1:]:
                every = every & c
            near = nw.when(ascii_text).then(every).otherwise(near)
        hit = nw.when(near.fill_null(False)).then(t.str.contains(pattern)).otherwise(nw.lit(False))
        return nw.when(hit.fill_null(False)).then(nw.lit(1, nw.Int64)).otherwise(nw.lit(0, nw.Int64))

    hits: dict[str, Any] = {}
    named: dict[str, str | None] = {}

    def column(phrase: str) -> Any:
        if phrase not in named:
            e = found(phrase)
            named[phrase] = None if e is None else f"__kw{len(hits)}"
            if e is not None:
                hits[named[phrase]] = e
        if named[phrase] is None:
            return None
        return nw.col(named[phrase]) if staged else hits[named[phrase]]

    out = {}
    for code in codebook.itertuples(index=False):
        found_in = [h for k in code.keywords if str(k).strip(" *") and (h := column(str(k))) is not None]
        excluded = [e for x in code.exclude if str(x).strip(" *") and (e := column(str(x))) is not None]
        if not found_in:
            out[code.code] = nw.lit(False)
            continue
        n = found_in[0]
        for h in found_in[1:]:
            n = n + h
        rule = n >= 2
        if excluded:
            none = excluded[0]
            for e in excluded[1:]:
                none = none + e
            rule = rule | ((n >= 1) & (none == 0))
        else:
            rule = rule | (n >= 1)
        out[code.code] = rule & ~t.is_null()
    return hits, out


def _profiles(codebook: pd.DataFrame) -> list[str]:
    return [
        " ".join([str(r.definition), *r.include, *(k.replace("*", "") for k in r.keywords)])
        for r in codebook.itertuples(index=False)
    ]


def _similarity_tfidf(texts: list[str], profiles: list[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(sublinear_tf=True, stop_words="english", ngram_range=(1, 2), min_df=1)
    m = vec.fit_transform(texts + profiles)
    a, b = m[: len(texts)], m[len(texts):]
    return (a @ b.T).toarray()


def _similarity_embeddings(texts: list[str], profiles: list[str]) -> np.ndarray:
    from carelib.text.embeddings import embed

    a, b = embed(texts), embed(profiles)
    return np.asarray(a @ b.T)


def auto_code(
    excerpts: pd.DataFrame,
    codebook: pd.DataFrame,
    *,
    text: str = "text",
    id: str = "excerpt_id",
    threshold: float | None = None,
    method: str = "lexical",
) -> pd.DataFrame:
    """Assign codes to excerpts, each with a confidence and the evidence that matched.

    Parameters
    ----------
    excerpts : DataFrame
        One row per excerpt with an id column and a text column.
    codebook : DataFrame
        From :func:`carelib.qual.codebook.load_codebook`.
    threshold : float, optional
        Minimum confidence (default 0.35 for both methods).
    method : {"lexical", "embeddings"}

    Returns
    -------
    DataFrame
        ``<id>, code, confidence, matched`` sorted by id then confidence (descending);
        excerpts with no code have no row.

    Examples
    --------
    >>> from carelib.qual.codebook import codebook_from_records
    >>> book = codebook_from_records([{"code": "late", "keywords": ["late", "delay*"]},
    ...                               {"code": "refund", "keywords": ["refund*"]}])
    >>> ex = pd.DataFrame({"excerpt_id": [1, 2], "text": ["Delayed and late again", "Lovely lamp"]})
    >>> auto_code(ex, book)[["excerpt_id", "code", "matched"]].to_dict("records")
    [{'excerpt_id': 1, 'code': 'late', 'matched': 'delay*; late'}]
    """
    if method not in ("lexical", "embeddings"):
        raise ParameterError(f"method must be 'lexical' or 'embeddings', got {method!r}")
    for col in (text, id):
        if col not in excerpts.columns:
            raise ParameterError(f"excerpts has no column {col!r}; columns are {list(excerpts.columns)}")
    cols = [id, "code", "confidence", "matched"]
    if excerpts.empty or codebook.empty:
        return pd.DataFrame(columns=cols)
    threshold = 0.35 if threshold is None else float(threshold)
    if not 0 <= threshold <= 1:
        raise ParameterError(f"threshold must be within 0..1, got {threshold}")
    texts = excerpts[text].fillna("").astype(str).tolist()
    profiles = _profiles(codebook)
    rows = []
    if method == "lexical":
        sim = _similarity_tfidf(texts, profiles)
        for j, code in enumerate(codebook.itertuples(index=False)):
            kws = [(k, keyword_pattern(k)) for k in code.keywords if str(k).strip(" *")]
            excl = [keyword_pattern(e) for e in code.exclude if str(e).strip(" *")]
            for i, t in enumerate(texts):
                hits = sorted(k for k, p in kws if p.search(t))
                conf = 0.7 * min(1.0, len(hits) / 2) + 0.3 * min(1.0, sim[i, j] / 0.3)
                if any(p.search(t) for p in excl):
                    conf /= 2
                if conf >= threshold:
                    rows.append((excerpts[id].iloc[i], code.code, round(conf, 3), "; ".join(hits)))
    else:
        sim = _similarity_embeddings(texts, profiles)
        for j, code in enumerate(codebook.itertuples(index=False)):
            for i in np.flatnonzero(sim[:, j] >= threshold):
                rows.append((excerpts[id].iloc[i], code.code, round(float(sim[i, j]), 3), f"similarity {sim[i, j]:.2f}"))
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values([id, "confidence", "code"], ascending=[True, False, True], ignore_index=True)


def code_matrix(
    coded: pd.DataFrame,
    people: pd.DataFrame,
    *,
    by: str | None = None,
    code: str = "code",
    participant: str = "participant_id",
) -> pd.DataFrame:
    """Distinct participants per code (and segment), with the share of the segment.

    Parameters
    ----------
    coded : DataFrame
        Codings with a participant column (one row per excerpt-code; several mentions by
        one person count once).
    people : DataFrame
        Every participant (the denominators), with the ``by`` column when given.
    by : str, optional
        Segment column of ``people``.

    Returns
    -------
    DataFrame
        ``code, [by], participants, of, share`` sorted by code then segment.

    Examples
    --------
    >>> coded = pd.DataFrame({"participant_id": ["P1", "P1", "P2"], "code": ["late", "late", "late"]})
    >>> people = pd.DataFrame({"participant_id": ["P1", "P2", "P3"], "plan": ["Plus", "Std", "Std"]})
    >>> code_matrix(coded, people, by="plan").to_dict("records")
    [{'code': 'late', 'plan': 'Plus', 'participants': 1, 'of': 1, 'share': 1.0}, {'code': 'late', 'plan': 'Std', 'participants': 1, 'of': 2, 'share': 0.5}]
    """
    if by is not None and by not in people.columns:
        raise ParameterError(f"people has no column {by!r}; columns are {list(people.columns)}")
    keys = [by] if by else []
    ppl = people[[participant, *keys]].drop_duplicates(participant)
    merged = coded[[participant, code]].drop_duplicates().merge(ppl, on=participant, how="inner")
    counts = merged.groupby([code, *keys], sort=True)[participant].nunique().rename("participants").reset_index()
    if by:
        sizes = ppl.groupby(by)[participant].nunique().rename("of").reset_index()
        full = pd.MultiIndex.from_product([sorted(counts[code].unique()), sorted(sizes[by].unique())], names=[code, by])
        counts = counts.set_index([code, by]).reindex(full, fill_value=0).reset_index().merge(sizes, on=by)
    else:
        counts["of"] = ppl[participant].nunique()
    counts["share"] = (counts["participants"] / counts["of"]).round(3)
    return counts.sort_values([code, *keys], ignore_index=True)


def co_occurrence(coded: pd.DataFrame, *, unit: str = "participant_id", code: str = "code",
                  codes: Sequence[str] | None = None) -> pd.DataFrame:
    """Codes x codes: how many units (participants by default) carry both.

    Parameters
    ----------
    coded : DataFrame
        Codings with the ``unit`` and ``code`` columns (a unit × code pair counts once).
    unit : str
        Column of the unit counted: ``"participant_id"``, ``"interview_id"``, ``"excerpt_id"`` …
    code : str
        Column of the code.
    codes : sequence of str, optional
        Codes to keep; default every code present.

    Returns
    -------
    DataFrame
        Square int table indexed and labelled by code (sorted): cell ``(a, b)`` is the number of
        units with both codes, the diagonal the units with each code.

    Examples
    --------
    >>> coded = pd.DataFrame({"participant_id": ["P1", "P1", "P2"], "code": ["a", "b", "a"]})
    >>> co_occurrence(coded).to_dict()
    {'a': {'a': 2, 'b': 1}, 'b': {'a': 1, 'b': 1}}
    """
    pairs = coded[[unit, code]].drop_duplicates()
    if codes is not None:
        pairs = pairs[pairs[code].isin(codes)]
    if pairs.empty:  # no codings: an empty square table
        return pd.DataFrame(index=pd.Index([], dtype=object), columns=pd.Index([], dtype=object), dtype=int)
    onehot = pd.crosstab(pairs[unit], pairs[code]).clip(upper=1)
    out = onehot.T @ onehot
    out.index.name = None
    out.columns.name = None
    return out.astype(int)


CODING_COLUMNS = ["interview_id", "excerpt_id", "span_start", "span_end", "code", "coder"]


def read_codings(path: str | Path) -> pd.DataFrame:
    """Human codings from CSV: ``code, coder`` and either ``excerpt_id`` or ``interview_id, span_start, span_end``.

    Spans are 0-based code-point offsets into the interview's document, end exclusive (as in
    REFI-QDA). Bad rows raise :class:`DataError` naming file, row and column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> _ = p.write_text("excerpt_id,code,coder\\np01#2,late,ana\\n")
    >>> read_codings(p)[["excerpt_id", "code", "coder"]].values.tolist()
    [['p01#2', 'late', 'ana']]
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError) as exc:
        raise DataError(f"{path.name}: cannot be read as CSV: {exc}") from exc
    has_excerpt = "excerpt_id" in raw.columns
    has_span = {"interview_id", "span_start", "span_end"} <= set(raw.columns)
    for col in ("code", "coder"):
        if col not in raw.columns:
            raise DataError(f"{path.name} row 1, column {col!r}: expected a column named {col!r}, found "
                            f"columns {list(raw.columns)}")
    if not has_excerpt and not has_span:
        raise DataError(f"{path.name} row 1: expected 'excerpt_id' or 'interview_id, span_start, span_end' columns, "
                        f"found {list(raw.columns)}")
    out = pd.DataFrame({c: raw[c] if c in raw.columns else "" for c in CODING_COLUMNS})
    for i, r in out.iterrows():
        row = i + 2
        for col in ("code", "coder"):
            if not r[col].strip():
                raise DataError(f"{path.name} row {row}, column {col!r}: expected a value, found an empty cell")
        if has_span and r["interview_id"]:
            for col in ("span_start", "span_end"):
                if not r[col].strip().isdigit():
                    raise DataError(f"{path.name} row {row}, column {col!r}: expected a character offset "
                                    f"(0 or more), found {r[col]!r}")
            if int(r["span_end"]) <= int(r["span_start"]):
                raise DataError(f"{path.name} row {row}, column 'span_end': expected more than span_start "
                                f"({r['span_start']}), found {r['span_end']!r}")
        elif not r["excerpt_id"].strip():
            raise DataError(f"{path.name} row {row}, column 'excerpt_id': expected an excerpt id or a span, found none")
    for col in ("span_start", "span_end"):
        out[col] = pd.to_numeric(out[col].replace("", None), errors="coerce").astype("Int64")
    return out


def write_codings(codings: pd.DataFrame, path: str | Path, coder: str | None = None) -> Path:
    """Codings to CSV in the :func:`read_codings` layout (``coder`` fills a missing coder column).

    Written by :func:`carelib.exports.to_csv`: formula-safe cells, atomic write.

    Parameters
    ----------
    codings : DataFrame
        Codings with some of :data:`CODING_COLUMNS`; missing ones are written empty, others
        dropped.
    path : str or Path
        CSV file to write (folders are created; an existing file is replaced).
    coder : str, optional
        Coder name for every row when ``codings`` has no ``coder`` column (then required).

    Returns
    -------
    Path
        The path written.
    """
    out = codings.copy()
    if "coder" not in out.columns:
        if coder is None:
            raise ParameterError("codings have no 'coder' column: pass coder='name'")
        out["coder"] = coder
    for c in CODING_COLUMNS:
        if c not in out.columns:
            out[c] = None
    from carelib.exports import to_csv

    return to_csv(out[CODING_COLUMNS], path)

"""Human codings: read them (CSV or REFI-QDA), and review automatic codings excerpt by excerpt.

A human coding is a span of an interview's document with a code and the coder's name, the
layout of :data:`carelib.qual.refi.CODING_COLUMNS`: ``source, start, end, code, coder``
(0-based character offsets, end exclusive; ``source`` names the interview — its file stem).
A workspace keeps them in ``codings/``: one CSV per coder, or a ``.qdpx`` project exported
from a QDA tool (NVivo, ATLAS.ti, MAXQDA, QualCoder).

:class:`CodingReview` is the review's state — the automatic codings paged, a decision per
coding (accept, reject, recode), the human codings they make, written as CSV — testable
without a browser; :func:`review_widget` is its thin view in JupyterLab (``lab`` extra).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from carelib.errors import DataError, ParameterError

#: The columns of human codings, as :data:`carelib.qual.refi.CODING_COLUMNS` (REFI-QDA import and export).
CODING_COLUMNS = ["source", "start", "end", "code", "coder"]

__all__ = ["CODING_COLUMNS", "read_human_codings", "CodingReview", "review_widget"]

DECISIONS = ("accept", "reject", "recode")


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{path.name}: cannot be read as CSV: {exc}") from exc
    missing = [c for c in CODING_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"{path.name} row 1: expected columns {CODING_COLUMNS}, missing {missing} "
                        f"(found {list(raw.columns)})")
    for i, r in enumerate(raw[CODING_COLUMNS].itertuples(index=False), start=2):
        for col in ("source", "code", "coder"):
            if not getattr(r, col).strip():
                raise DataError(f"{path.name} row {i}, column {col!r}: expected a value, found an empty cell")
        for col in ("start", "end"):
            if not getattr(r, col).strip().isdigit():
                raise DataError(f"{path.name} row {i}, column {col!r}: expected a character offset (0 or more), "
                                f"found {getattr(r, col)!r}")
        if int(r.end) <= int(r.start):
            raise DataError(f"{path.name} row {i}, column 'end': expected more than start ({r.start}), found {r.end!r}")
    out = raw[CODING_COLUMNS].apply(lambda s: s.str.strip())
    return out.astype({"start": int, "end": int})


def _read_qdpx(path: Path) -> pd.DataFrame:
    from carelib.qual import refi  # REFI-QDA is read where it is owned; only when a .qdpx is there

    read = getattr(refi, "import_qdpx", None)
    if read is None:
        try:  # the reader may live in its own module beside refi
            from carelib.qual.refi_import import import_qdpx as read
        except ImportError:
            read = None
    if read is None:
        raise DataError(f"{path.name}: this carelib cannot read REFI-QDA projects; export the codings as CSV "
                        f"({', '.join(CODING_COLUMNS)})")
    return read(path).codings[CODING_COLUMNS].astype({"start": int, "end": int})


def read_human_codings(path: str | Path) -> pd.DataFrame:
    """Human codings from a CSV, a REFI-QDA ``.qdpx``, or a folder of them (every ``*.csv`` and ``*.qdpx``).

    Parameters
    ----------
    path : str or Path
        A file, or a folder read in name order.

    Returns
    -------
    DataFrame
        ``source, start, end, code, coder, file`` (``file``: the name it came from); bad rows
        raise :class:`~carelib.errors.DataError` naming file, row and column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "ana.csv").write_text("source,start,end,code,coder\\np01-ruth,10,42,late,ana\\n")
    >>> read_human_codings(d)[["source", "start", "code", "coder", "file"]].values.tolist()
    [['p01-ruth', 10, 'late', 'ana', 'ana.csv']]
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".qdpx") and p.is_file())
    elif path.is_file():
        files = [path]
    else:
        raise DataError(f"human codings {path.name!r} not found (a CSV, a .qdpx, or a folder of them)")
    frames = [(_read_qdpx(p) if p.suffix.lower() == ".qdpx" else _read_csv(p)).assign(file=p.name) for p in files]
    if not frames:
        return pd.DataFrame(columns=[*CODING_COLUMNS, "file"])
    return pd.concat(frames, ignore_index=True)


class CodingReview:
    """A researcher's review of automatic codings: pages of codings, a decision each, human codings written.

    Parameters
    ----------
    items : DataFrame
        The automatic codings to review, one row each: ``source, start, end, code`` (the span
        and code proposed) and ``text`` (the excerpt as shown: redact it first); optional
        ``excerpt, confidence, matched`` are shown too.
    codes : sequence of str
        The codebook's codes: what a coding may be recoded to.
    coder : str
        The researcher's name, written in every row.
    path : str or Path
        The CSV the human codings are written to (replaced on every :meth:`save`).
    page_size : int
        Codings per page.
    autosave : bool
        Write the CSV after every decision.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> items = pd.DataFrame({"source": ["a", "a"], "start": [0, 9], "end": [8, 20], "code": ["late", "app"],
    ...                       "text": ["Too late", "The app broke"]})
    >>> r = CodingReview(items, ["late", "app", "login"], coder="ana",
    ...                  path=pathlib.Path(tempfile.mkdtemp()) / "ana.csv", page_size=1)
    >>> r.accept(0); r.next_page(); r.recode(1, "login")
    >>> r.codings()[["start", "code", "coder"]].values.tolist()
    [[0, 'late', 'ana'], [9, 'login', 'ana']]
    """

    def __init__(self, items: pd.DataFrame, codes: Sequence[str], *, coder: str, path: str | Path,
                 page_size: int = 5, autosave: bool = True) -> None:
        missing = [c for c in ("source", "start", "end", "code", "text") if c not in items.columns]
        if missing:
            raise ParameterError(f"items has no column(s) {missing}; columns are {list(items.columns)}")
        if not str(coder).strip():
            raise ParameterError("coder must be a name (it is written in every human coding), got an empty one")
        if page_size < 1:
            raise ParameterError(f"page_size must be 1 or more, got {page_size!r}")
        self.items = items.reset_index(drop=True).copy()
        self.codes = list(dict.fromkeys(codes))
        self.coder = str(coder).strip()
        self.path = Path(path)
        self.page_size = int(page_size)
        self.autosave = autosave
        self.page = 0
        self.decisions: dict[int, tuple[str, str | None]] = {}

    @property
    def pages(self) -> int:
        """How many pages (at least one)."""
        return max(1, -(-len(self.items) // self.page_size))

    def go(self, page: int) -> None:
        """Show page ``page`` (0-based), kept within the pages there are."""
        self.page = min(max(0, int(page)), self.pages - 1)

    def next_page(self) -> None:
        """Show the next page (stays on the last)."""
        self.go(self.page + 1)

    def previous_page(self) -> None:
        """Show the page before (stays on the first)."""
        self.go(self.page - 1)

    def on_page(self) -> pd.DataFrame:
        """The codings of the current page with their ``item`` number, ``decision`` and ``decided_code``."""
        start = self.page * self.page_size
        view = self.items.iloc[start:start + self.page_size].copy()
        view.insert(0, "item", view.index)
        view["decision"] = [self.decisions.get(i, (None, None))[0] for i in view.index]
        view["decided_code"] = [self.decisions.get(i, (None, None))[1] for i in view.index]
        return view

    def _check(self, item: int) -> int:
        if not 0 <= int(item) < len(self.items):
            raise ParameterError(f"item must be 0..{len(self.items) - 1}, got {item!r}")
        return int(item)

    def _decide(self, item: int, decision: str, code: str | None) -> None:
        self.decisions[self._check(item)] = (decision, code)
        if self.autosave:
            self.save()

    def accept(self, item: int) -> None:
        """The automatic code is right: a human coding with it."""
        self._decide(item, "accept", str(self.items.at[self._check(item), "code"]))

    def reject(self, item: int) -> None:
        """The automatic code is wrong and no other fits: no human coding."""
        self._decide(item, "reject", None)

    def recode(self, item: int, code: str) -> None:
        """Another code of the codebook fits: a human coding with it."""
        if code not in self.codes:
            raise ParameterError(f"code {code!r} is not in the codebook; codes are {self.codes}")
        self._decide(item, "recode", code)

    def undo(self, item: int) -> None:
        """Forget the decision on ``item``."""
        self.decisions.pop(self._check(item), None)
        if self.autosave:
            self.save()

    @property
    def decided(self) -> int:
        """How many codings have a decision."""
        return len(self.decisions)

    def progress(self) -> str:
        """One line: page, decisions, where they are written."""
        counts = {d: sum(1 for v, _ in self.decisions.values() if v == d) for d in DECISIONS}
        return (f"page {self.page + 1} of {self.pages} · {self.decided} of {len(self.items)} decided "
                f"({counts['accept']} accepted, {counts['reject']} rejected, {counts['recode']} recoded) "
                f"· written to {self.path.name}")

    def codings(self) -> pd.DataFrame:
        """The human codings the decisions make (accepted and recoded), in item order: :data:`CODING_COLUMNS`."""
        rows = [{"source": self.items.at[i, "source"], "start": int(self.items.at[i, "start"]),
                 "end": int(self.items.at[i, "end"]), "code": code, "coder": self.coder}
                for i, (decision, code) in sorted(self.decisions.items()) if decision != "reject"]
        out = pd.DataFrame(rows, columns=CODING_COLUMNS)
        return out.drop_duplicates(ignore_index=True)

    def save(self) -> Path:
        """Write :meth:`codings` to ``path`` (formula-safe CSV, atomic); returns the path."""
        from carelib.exports import to_csv

        return to_csv(self.codings(), self.path)


def _item_html(row: Any) -> str:
    why = []
    if "confidence" in row and pd.notna(row["confidence"]):
        why.append(f"confidence {float(row['confidence']):.2f}")
    if "matched" in row and str(row["matched"] or "").strip():
        why.append(f"matched: {html.escape(str(row['matched']))}")
    where = html.escape(str(row.get("excerpt", row["source"])))
    done = f" → <b>{html.escape(str(row['decision']))}</b>" if row["decision"] else ""
    if row["decision"] == "recode":
        done += f" as <code>{html.escape(str(row['decided_code']))}</code>"
    return (f"<p><small>{where} · {' · '.join(why)}</small><br>“{html.escape(str(row['text']))}”<br>"
            f"code <code>{html.escape(str(row['code']))}</code>{done}</p>")


def review_widget(review: CodingReview) -> Any:
    """The review in JupyterLab: a page of codings, each with accept / reject / recode, and page buttons.

    A thin view of ``review`` (needs ipywidgets, extra ``lab``): every click calls a method of
    :class:`CodingReview` and redraws the page.
    """
    try:
        import ipywidgets as w
    except ImportError as exc:
        raise ImportError("the coding review needs ipywidgets: pip install -e '.[lab]' (or make lab)") from exc
    box, status = w.VBox(), w.HTML()

    def draw() -> None:
        rows = []
        for _, row in review.on_page().iterrows():
            item = int(row["item"])
            accept, reject = w.Button(description="accept"), w.Button(description="reject")
            recode = w.Dropdown(options=["recode as…", *review.codes], value="recode as…", layout=w.Layout(width="14em"))
            accept.on_click(lambda _b, i=item: (review.accept(i), draw()))
            reject.on_click(lambda _b, i=item: (review.reject(i), draw()))
            recode.observe(lambda ch, i=item: ch["new"] in review.codes and (review.recode(i, ch["new"]), draw()),
                           names="value")
            rows.append(w.VBox([w.HTML(_item_html(row)), w.HBox([accept, reject, recode])]))
        back, forward = w.Button(description="◀ previous"), w.Button(description="next ▶")
        back.on_click(lambda _b: (review.previous_page(), draw()))
        forward.on_click(lambda _b: (review.next_page(), draw()))
        status.value = html.escape(review.progress())
        box.children = [*rows, w.HBox([back, forward]), status]

    draw()
    return box

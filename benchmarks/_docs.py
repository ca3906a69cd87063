"""Write one benchmark's section of ``docs/benchmarks.md`` (between ``<!-- section: NAME -->`` markers).

A section runs from its marker to the next ``<!-- section:`` marker. With ``keep_reading``, the
figures are followed by a ``<!-- /NAME table -->`` marker and whatever is written below it (the
reading of the figures) survives the next run.
"""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write_section(name: str, body: str, *, keep_reading: bool = False, doc: Path = DOC) -> None:
    """Replace section ``name`` by its marker and ``body`` (which must not hold the markers)."""
    text = doc.read_text(encoding="utf-8")
    start, mark = f"<!-- section: {name} -->", f"<!-- /{name} table -->"
    i = text.index(start)
    end = text.find("<!-- section:", i + len(start))
    rest = text[end:] if end != -1 else ""
    if keep_reading:
        kept = text.find(mark, i)
        if kept != -1 and (end == -1 or kept < end):
            rest = text[kept + len(mark):]
        else:
            rest = "\n\n" + rest
        body += mark
    doc.write_text(text[:i] + f"{start}\n{body}{rest}", encoding="utf-8")

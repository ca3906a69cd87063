"""carelib.text.at_scale: batched VoC over a week-partitioned workspace equals one process and the in-memory path.

One small generated workspace and two runs on it (module scope): batched over 2 workers (fits and saves
the book on a sample), then in one process and one batch (reads the book). Every test reads those.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from carelib.data import partitions
from carelib.data.tables import Workspace
from carelib.demo.scale import make_scale_workspace
from carelib.practices import voice_of_customer as voc_practice
from carelib.practices.common import redactor
from carelib.text import at_scale, themebook


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A generated partitioned workspace (~500 complaints) with planted names, e-mails and blank texts."""
    folder = tmp_path_factory.mktemp("ws")
    make_scale_workspace(folder, scale=0.05, weeks=52)
    ws = Workspace(folder)
    names = ws.names()[:3]
    for week in ("2025-W48", "2026-W10"):
        path = partitions.partition_dir(folder, "complaints", week) / "part-0.parquet"
        t = pq.read_table(path)
        text = t.column("text").to_pylist()
        text[:3] = [f"{names[0]} wrote from {names[0].split()[0].lower()}@mail.com: parcel late again", "   ", "n/a"]
        t = t.set_column(t.schema.get_field_index("text"), "text", pa.array(text, pa.string()))
        partitions.write_week(folder, "complaints", week, t, replace=True)
    return folder, names


def _run(folder, out, workers, batch):
    ws = Workspace(folder, engine="duckdb")
    return at_scale.run(ws, out=out, redact=redactor(ws).redact, workers=workers, batch_size=batch, sample_size=300,
                        n_themes=5)


@pytest.fixture(scope="module")
def runs(small, tmp_path_factory):
    """Batched over 2 workers (no book yet: fitted on a 300-text sample and saved), then one process, one batch."""
    from threadpoolctl import threadpool_limits

    folder, _ = small
    out = tmp_path_factory.mktemp("runs")
    with threadpool_limits(1):  # a tiny fit: BLAS threads only wait for each other on a busy machine
        many = _run(folder, out / "a", workers=2, batch=61)
        one = _run(folder, out / "b", workers=1, batch=10_000)
    return many, one


def test_batched_equals_one_process_and_in_memory(small, runs):
    folder, _ = small
    many, one = runs
    assert many.book_how == "saved" and many.batches > 5 and many.largest_batch <= 61  # bounded batches
    assert one.book_how == "read" and one.batches == 1
    a, b = many.texts(), one.texts()
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(many.weekly, one.weekly)
    # the in-memory path: the book's own assignment of the same redacted texts
    ref = themebook.assign(themebook.load_book(themebook.book_folder(folder, "complaints")), a["text"])
    assert (ref["theme"].fillna("-").to_numpy() == a["theme"].fillna("-").to_numpy()).all()
    assert np.allclose(ref["similarity"].to_numpy(float), a["similarity"].to_numpy(float), atol=1e-5, equal_nan=True)
    assert (ref["fits"].to_numpy() == a["fits"].to_numpy()).all()


def test_every_text_accounted_and_redacted_first(small, runs):
    folder, names = small
    done = runs[0]
    rows = done.accounting["rows"]
    n = len(pd.read_parquet(folder / "complaints"))
    assert rows["rows in the table"] == n
    assert rows["set aside: no text"] == 2
    assert rows["texts read"] + rows["set aside: no text"] == n
    assert rows["texts with a theme"] + rows["texts without a theme (no usable content)"] == rows["texts read"]
    texts = done.texts()
    assert texts["non_answer"].sum() == 2 and texts["theme"].isna().sum() == 2  # "n/a": read, counted, never themed
    assert int(done.weekly["texts"].sum()) == len(texts)
    blob = (texts.to_csv() + str(done.book.themes)).lower()
    for name in names:
        assert name.lower() not in blob
    assert "@mail.com" not in blob
    for f in done.folder.glob("*.csv"):
        assert "@mail.com" not in f.read_text() and names[0] not in f.read_text()


def test_book_note_says_the_book_was_fitted_on_a_sample(runs):
    many = runs[0]
    texts = many.texts()
    fitted = many.book.meta["sample"]["texts"]
    assert 0 < fitted < len(texts)
    review = SimpleNamespace(book_state=(many.book, "saved"), source="complaints", texts=texts)
    said = voc_practice._book_note(review).data
    assert f"fitted one on a seeded sample of {fitted:,} of these {len(texts):,} texts" in said
    whole = SimpleNamespace(book_state=(many.book, "saved"), source="complaints", texts=texts.head(fitted))
    assert f"fitted one on these {fitted:,} texts" in voc_practice._book_note(whole).data  # the sample was all


def test_sample_is_seeded_and_stratified(small):
    folder, _ = small
    ws = Workspace(folder, engine="duckdb")
    a = at_scale.sample_texts(ws, "complaints", "text", "received_at", size=200, seed=1)
    b = at_scale.sample_texts(ws, "complaints", "text", "received_at", size=200, seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert 150 <= len(a) <= 260 and a["week"].nunique() >= 40

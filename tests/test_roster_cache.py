"""The redaction roster kept between runs: the same redactor as one built afresh, rebuilt when the customers change,
and never a pickle (a cache file that is not plain data is ignored, not run)."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from carelib.analysis import roster_cache
from carelib.analysis.tallies import TallyStore
from carelib.data.tables import Workspace
from carelib.practices import common

TODAY = "2026-12-01"


def customers(folder, n: int = 6000, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    ids = [f"C{int(x):07d}" for x in rng.permutation(n * 3)[:n]] + ["jdoe_1983", "Ann-Marie 77", "kx_778"]
    first = ["Maya", "Tom", "Emma", "Seán", "Hana", "Ole"]
    last = ["Lindqvist", "Berg", "Young", "O'Brien", "Novak", "Rossi"]
    names = [f"{first[i % 6]} {last[(i // 6) % 6]}" for i in range(len(ids))]
    pd.DataFrame({"customer_id": ids, "first_seen": pd.Timestamp("2026-01-05"), "name": names}).to_parquet(
        folder / "customers.parquet", index=False)
    return ids


def workspace(folder) -> Workspace:
    return Workspace(folder, engine="duckdb", today=TODAY, tally_store=TallyStore(folder))


TEXTS = ["Hi, Maya Lindqvist here, my account is C{id} and jdoe_1983 knows; call 0612345678",
         "EMMA YOUNG and Sean O’Brien (c{id}) asked about kx_778; Tom said hi", "Dear Hana, ann-marie 77 wrote"]


def said(red, ids: list[str]) -> list[str]:
    return [red.redact(t.format(id=i[1:])) for i in ids[:40:7] for t in TEXTS]


def test_a_kept_roster_redacts_as_one_built_afresh_and_is_read_without_building(tmp_path, monkeypatch):
    ids = customers(tmp_path)
    fresh = common.redactor(Workspace(tmp_path, engine="duckdb", today=TODAY))  # no store: built, nothing kept
    assert not (tmp_path / roster_cache.FOLDER).exists()
    first = common.redactor(workspace(tmp_path))  # built and kept
    assert len(list((tmp_path / roster_cache.FOLDER).glob("*.npz"))) == 1
    monkeypatch.setattr(Workspace, "identifier_array", lambda self: pytest.fail("the roster was built again"))
    kept = common.redactor(workspace(tmp_path))  # read back
    assert said(kept, ids) == said(first, ids) == said(fresh, ids)
    assert dict(kept.identifiers_) == dict(fresh.identifiers_) and kept.pseudonyms_ == fresh.pseudonyms_
    assert "C" + ids[0][1:] not in " ".join(said(kept, ids)) and "jdoe_1983" not in " ".join(said(kept, ids))


def test_a_changed_customers_file_builds_the_roster_again(tmp_path):
    customers(tmp_path, seed=0)
    before = common.redactor(workspace(tmp_path))
    ids = customers(tmp_path, seed=1)  # other ids: other pseudonyms
    after = common.redactor(workspace(tmp_path))
    fresh = common.redactor(Workspace(tmp_path, engine="duckdb", today=TODAY))
    assert said(after, ids) == said(fresh, ids) != said(before, ids)
    assert len(list((tmp_path / roster_cache.FOLDER).glob("*.json"))) == 1  # one roster kept


def test_an_unreadable_or_pickled_cache_is_rebuilt_never_run(tmp_path):
    ids = customers(tmp_path)
    common.redactor(workspace(tmp_path))
    folder = tmp_path / roster_cache.FOLDER
    npz = next(folder.glob("*.npz"))
    buf = io.BytesIO()
    np.savez(buf, s0_values=np.array([object()], dtype=object))  # an object array needs a pickle to load
    npz.write_bytes(buf.getvalue())
    red = common.redactor(workspace(tmp_path))
    assert said(red, ids) == said(common.redactor(Workspace(tmp_path, engine="duckdb", today=TODAY)), ids)
    next(folder.glob("*.json")).write_text("{not json", encoding="utf-8")
    red = common.redactor(workspace(tmp_path))
    assert json.loads(next(folder.glob("*.json")).read_text(encoding="utf-8"))["label"] == "Customer"
    assert "jdoe_1983" not in red.redact("ask jdoe_1983")

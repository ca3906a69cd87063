"""Only the complaints (and customers) of the generated Hearthly workspace, as ``carelib.demo.scale`` writes them.

``make_scale_workspace`` draws each (table, week) from its own generator (``[seed, table, week]``), so the
complaints written here are the same rows, ids and bytes as the whole workspace's ``complaints/``, without
drawing 100 M survey answers first (``python -c "from voc_at_scale_gen import complaints_workspace; complaints_workspace(OUT, 100)"`` from benchmarks/).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from carelib.demo import scale as S


def complaints_workspace(out_dir: str | Path, scale: float = 100.0, seed: int = 0) -> dict:
    """Write ``customers.parquet`` and ``complaints/week=…/part-0.parquet`` at ``scale``; rows per table."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng_of = lambda table, w=0: np.random.default_rng([seed, S._TABLE_CODE[table], w])  # noqa: E731
    n_cust = max(500, int(S.UNIT["customers"] * scale))
    cust, customers = S._customers(rng_of("customers"), n_cust, S._width(n_cust))
    S._write_parquet(customers, out / "customers.parquet")
    del customers
    banks = S._Banks(rng_of("banks"))
    pools = {r: np.nonzero(cust.region == i)[0] for i, r in enumerate(S.REGIONS)} | {"app": np.nonzero(cust.app)[0]}
    factor = S.UNIT["complaints"] * scale / S.DEMO_COMPLAINTS
    sink = S._Weeks(out, {"complaints": S._width(S.UNIT["complaints"] * scale)})
    for w in range(S.N_WEEKS):
        rows = S._complaints(rng_of("complaints", w), cust, banks, w, factor, pools)
        names = [c for c in S.COLUMNS["complaints"] if c != "complaint_id"]
        if rows is None:
            rows = pa.table({n: pa.nulls(0) for n in names})
        else:
            rows = rows.select(names)
            at = pc.cast(rows["received_at"], pa.int64()).to_numpy()
            rows = rows.take(np.argsort(at, kind="stable"))
        sink._write("complaints", w, rows)
    return {"customers": n_cust, "complaints": sink.rows["complaints"]}

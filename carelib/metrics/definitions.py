"""The metric-definition registry: scale, thresholds, formula, interval method and reference per metric.

One YAML file (``carelib/resources/metrics.yml``) is the single source; every report prints
the entries it used (or all of them) as its definitions appendix. A workspace may carry its
own ``definitions.yml`` with the same fields to add metrics or override wording.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from carelib.errors import DataError, ParameterError

__all__ = ["FIELDS", "definitions", "definition", "definitions_table"]

FIELDS = ("name", "scale", "thresholds", "formula", "interval", "reference")


def _check(entries: object, source: str) -> dict[str, dict[str, str]]:
    if not isinstance(entries, dict):
        raise DataError(f"{source}: expected a mapping of metric -> fields, found {type(entries).__name__}")
    out = {}
    for key, entry in entries.items():
        if not isinstance(entry, dict):
            raise DataError(f"{source}, metric {key!r}: expected a mapping with {', '.join(FIELDS)}, found {entry!r}")
        missing = [f for f in FIELDS if not str(entry.get(f, "") or "").strip()]
        if missing:
            raise DataError(f"{source}, metric {key!r}: expected fields {', '.join(FIELDS)}; missing {', '.join(missing)}")
        out[str(key)] = {f: str(entry[f]).strip() for f in FIELDS}
    return out


@cache
def _builtin() -> dict[str, dict[str, str]]:
    text = resources.files("carelib").joinpath("resources/metrics.yml").read_text(encoding="utf-8")
    return _check(yaml.safe_load(text), "carelib/resources/metrics.yml")


def definitions(extra: str | Path | None = None) -> dict[str, dict[str, str]]:
    """All definitions; ``extra`` is a YAML file whose entries add to or replace the built-in ones.

    Examples
    --------
    >>> definitions()["nps"]["thresholds"]
    'promoters 9-10, passives 7-8, detractors 0-6'
    """
    out = dict(_builtin())
    if extra is not None:
        path = Path(extra)
        if path.exists():
            out.update(_check(yaml.safe_load(path.read_text(encoding="utf-8")), path.name))
    return out


def definition(metric: str) -> dict[str, str]:
    """One metric's definition; an unknown metric is an error naming the known ones."""
    known = definitions()
    if metric not in known:
        raise ParameterError(f"no definition for metric {metric!r}; known: {', '.join(sorted(known))}")
    return known[metric]


def definitions_table(metrics: list[str] | None = None, extra: str | Path | None = None) -> pd.DataFrame:
    """The definitions appendix: one row per metric (all, or those named, in the order given).

    Examples
    --------
    >>> definitions_table(["nps", "csat"])[["metric", "interval"]].iloc[1].tolist()
    ['csat', 'Wilson score interval']
    """
    known = definitions(extra)
    keys = list(known) if metrics is None else list(dict.fromkeys(metrics))
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise ParameterError(f"no definition for metric(s) {unknown}; known: {', '.join(sorted(known))}")
    return pd.DataFrame([{"metric": k, **known[k]} for k in keys], columns=["metric", *FIELDS])

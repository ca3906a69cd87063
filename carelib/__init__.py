"""carelib: care for customers one by one, at scale.

The curated public API: what notebooks and analysts use, importable from ``carelib`` itself
(``from carelib import nps, load_workspace``). Each name lives in the module of its layer
(docs/architecture.md); it is imported on first use (PEP 562), so ``import carelib`` stays
cheap and the command line starts fast.

Examples
--------
>>> import carelib
>>> float(carelib.nps_from_counts(50, 30, 20, method="wald")["nps"].iloc[0])
30.0
>>> "nps" in carelib.__all__
True
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

#: public name → the module that defines it
_API: dict[str, str] = {
    # the ground
    "CarelibError": "carelib.errors", "DataError": "carelib.errors", "ParameterError": "carelib.errors",
    "RunError": "carelib.errors",
    "iso_week": "carelib.periods", "last_weeks": "carelib.periods", "week_range": "carelib.periods",
    "precise": "carelib.periods", "week_of": "carelib.periods",
    "SCORE_SCALES": "carelib.scales",
    "to_csv": "carelib.exports",
    # data
    "Workspace": "carelib.data.tables", "load_workspace": "carelib.data.tables", "load_table": "carelib.data.tables",
    "read_transcripts": "carelib.data.transcripts", "import_export": "carelib.data.importer",
    # metrics
    "nps": "carelib.metrics.survey", "enps": "carelib.metrics.survey", "csat": "carelib.metrics.survey",
    "ces": "carelib.metrics.survey", "pmf": "carelib.metrics.survey", "ratings": "carelib.metrics.survey",
    "proportion": "carelib.metrics.survey", "compare_nps": "carelib.metrics.survey",
    "agreement_rate": "carelib.metrics.survey",
    "rate": "carelib.metrics.rates",
    "adjusted_wald": "carelib.metrics.intervals", "wilson": "carelib.metrics.intervals",
    "garwood": "carelib.metrics.intervals", "rate_ratio": "carelib.metrics.intervals",
    "nps_from_counts": "carelib.metrics.intervals", "nps_difference": "carelib.metrics.intervals",
    "benjamini_hochberg": "carelib.metrics.multiple_testing",
    "xmr": "carelib.metrics.spc", "p_chart": "carelib.metrics.spc", "signals": "carelib.metrics.spc",
    # text
    "Redactor": "carelib.text.redact", "sentiment": "carelib.text.sentiment", "emotions": "carelib.text.emotion",
    "ThemeModel": "carelib.text.themes", "clean_text": "carelib.text.clean", "non_answers": "carelib.text.clean",
    # qualitative research
    "load_codebook": "carelib.qual.codebook", "auto_code": "carelib.qual.coding",
    "cohen_kappa": "carelib.qual.agreement", "krippendorff_alpha": "carelib.qual.agreement",
    # analysis
    "relative_risk": "carelib.analysis.drivers", "pick_case": "carelib.analysis.cases",
    "enps_by_segment": "carelib.analysis.segments",
    "case_card": "carelib.analysis.cases",
    # report
    "publish": "carelib.report.findings", "read_findings": "carelib.report.findings",
}

__all__ = ["__version__", *sorted(_API)]


def __getattr__(name: str) -> Any:
    try:
        module = _API[name]
    except KeyError:
        raise AttributeError(f"module 'carelib' has no attribute {name!r}") from None
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))

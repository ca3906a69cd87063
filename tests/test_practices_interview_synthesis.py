"""carelib.practices.interview_synthesis on hand-made turns and a tiny workspace of three interviews."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from carelib.errors import DataError
from carelib.practices import interview_synthesis as practice
from carelib.report import findings
from carelib.text.redact import Redactor
from tests.conftest import ROOT

INTERVIEWS = {
    "a-ann.txt": ["Maya Lindqvist: Hi Ann. Tell me about your last delivery.",
                  "Ann Berg: The delivery was late and nobody told me. Mail me at ann@berg.io please.",
                  "Maya Lindqvist: And the app?",
                  "Ann Berg: The app would not let me log in, it kept looping back to the start."],
    "b-bob.txt": ["Maya Lindqvist: Hi Bob. Tell me about your last delivery.",
                  "Bob Stone: My delivery came a week late, the courier never called.",
                  "Maya Lindqvist: Anything else?",
                  "Bob Stone: I have two dogs and a garden that keeps me busy on weekends."],
    "c-cy.txt": ["Maya Lindqvist: Hi Cy. How is the app?",
                 "Cy Long: The app crashes every time I open it on my phone.",
                 "Maya Lindqvist: Thanks.",
                 "Cy Long: Bye."],
}
STAMPS = ["00:00:05", "00:00:20", "00:00:40", "00:01:10"]
ROSTER = """participant_id,name,role,interview_id,plan
I01,Maya Lindqvist,interviewer,,
P01,Ann Berg,participant,a-ann,Plus
P02,Bob Stone,participant,b-bob,Standard
P03,Cy Long,participant,c-cy,Standard
"""
CODEBOOK = """- code: delivery
  parent: null
  definition: Anything about getting the order to the customer.
  include: couriers
  exclude: returns
  keywords: [delivery, courier]
- code: app
  parent: null
  definition: The mobile app.
  include: crashes
  exclude: the website
  keywords: [app]
  need: an app that opens
  so_that: I can order on the go
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "interviews").mkdir()
    for name, lines in INTERVIEWS.items():
        text = "\n\n".join(f"[{t}] {line}" for t, line in zip(STAMPS, lines, strict=True))
        (tmp_path / "interviews" / name).write_text(text + "\n", encoding="utf-8")
    (tmp_path / "participants.csv").write_text(ROSTER, encoding="utf-8")
    (tmp_path / "codebook.yml").write_text(CODEBOOK, encoding="utf-8")
    return tmp_path


@pytest.fixture
def published(monkeypatch) -> list[dict]:
    """Every finding the practice publishes, as the record the notebook would display."""
    out: list[dict] = []
    monkeypatch.setattr(findings, "publish", lambda key, value, **kw: out.append(findings.finding(key, value, **kw)))
    return out


@pytest.fixture
def coded(workspace: Path) -> practice.Coding:
    review = practice.open_review(str(workspace), "interviews", "participants.csv", segment="plan")
    return practice.code_review(review, "codebook.yml", threshold=0.35, method="lexical")


def test_overview_counts_turns_speakers_and_minutes():
    turns = pd.DataFrame({"interview_id": ["interview 1"] * 3 + ["interview 2"] * 2,
                          "source": ["txt"] * 3 + ["vtt"] * 2, "turn": [1, 2, 3, 1, 2],
                          "speaker": ["Interviewer", "P01", "P01", "Interviewer", "P02"],
                          "role": ["interviewer", "participant", "participant", "interviewer", "participant"],
                          "end": [None, None, None, 30.0, 150.0]})
    before = turns.copy()
    out = practice.interview_overview(turns)
    assert out.index.tolist() == ["interview 1", "interview 2"]
    assert out[["format", "turns", "speakers", "participant_turns"]].values.tolist() == [["txt", 3, 2, 2],
                                                                                       ["vtt", 2, 2, 1]]
    assert pd.isna(out.loc["interview 1", "minutes"]) and out.loc["interview 2", "minutes"] == 2.5  # 150 s
    pd.testing.assert_frame_equal(turns, before)


def test_participants_get_their_segment_redacted_or_a_default():
    turns = pd.DataFrame({"role": ["participant", "participant", "participant", "interviewer"],
                          "participant_id": ["P01", "P01", "P02", None], "interview_id": ["i1", "i1", "i2", "i1"]})
    roster = pd.DataFrame({"participant_id": ["P01"], "name": ["Ann Berg"], "interview_id": ["a"],
                           "plan": ["Ann Berg's plan"]})
    out = practice.participant_table(turns, roster, "plan", Redactor({"Ann Berg": "P01"}))
    assert out.to_dict("records") == [
        {"participant_id": "P01", "interview_id": "i1", "plan": "P01's plan", "role": "participant"},
        {"participant_id": "P02", "interview_id": "i2", "plan": "(unknown)", "role": "participant"}]
    assert practice.participant_table(turns, None, "plan")["plan"].tolist() == ["all", "all"]
    assert roster["plan"].tolist() == ["Ann Berg's plan"]


def test_open_review_numbers_interviews_and_redacts(workspace):
    review = practice.open_review(str(workspace), "interviews", "participants.csv", segment="plan")
    overview = review.overview.frame  # shown as a captioned table
    assert overview.index.tolist() == ["interview 1", "interview 2", "interview 3"]
    assert overview["turns"].tolist() == [4, 4, 4] and overview["participant_turns"].tolist() == [2, 2, 2]
    assert review.overview.caption.startswith("The interviews read")
    assert review.people["participant_id"].tolist() == ["P01", "P02", "P03"]
    assert review.redact.redact("Ann Berg wrote to ann@berg.io") == "P01 wrote to [email]"
    text = practice.participants_summary(review).parts[0].data
    assert text == "**3 interviews**, **3 participants**, 12 turns; participants by plan: Standard 2, Plus 1"


def test_without_roster_everyone_is_in_segment_all(workspace):
    review = practice.open_review(str(workspace), "interviews", "", segment="plan")
    assert review.people["plan"].tolist() == ["all", "all", "all"]
    assert practice.participants_summary(review).parts[0].data.endswith("participants by plan: all 3")


def test_coding_counts_people_per_code_and_segment(coded):
    assert sorted(zip(coded.coded["excerpt_id"], coded.coded["code"], strict=True)) == [
        ("interview 1#2", "delivery"), ("interview 1#4", "app"), ("interview 2#2", "delivery"),
        ("interview 3#2", "app")]
    shown = practice.coding_summary(coded).parts
    assert shown[0].data == "4 of 6 excerpts coded (67%); 4 codings, threshold 0\\.35, method lexical."
    assert shown[1].frame.reset_index().values.tolist() == [["app", 1, 1, 2], ["delivery", 1, 1, 2]]
    assert shown[1].caption.startswith("Participants voicing each code, by plan")
    assert practice.code_pairs(coded).frame.to_dict() == {"app": {"app": 2, "delivery": 1},
                                                         "delivery": {"app": 1, "delivery": 2}}


def test_code_counts_count_people_not_mentions():
    coded = pd.DataFrame({"participant_id": ["P1", "P1", "P1", "P2"], "code": ["late", "late", "app", "late"]})
    people = pd.DataFrame({"participant_id": ["P1", "P2", "P3"], "plan": ["Plus", "Std", "Std"]})
    out = practice.code_counts(coded, people, "plan")
    assert out.reset_index().values.tolist() == [["late", 1, 1, 2], ["app", 1, 0, 1]]


def test_insights_are_published_with_verified_redacted_quotes(coded, published):
    shown = practice.insights(coded, min_participants=2).parts
    assert published == [
        {"key": "insight.app", "label": "Insight: app", "value": 2, "text": "2 of 3 participants", "kind": "insight"},
        {"key": "insight.delivery", "label": "Insight: delivery", "value": 2, "text": "2 of 3 participants",
         "kind": "insight"}]
    page = shown[0].data
    assert page.startswith("<h4>2 of 3 participants: The mobile app.</h4><ul><li>“The app crashes every time")
    assert "Mail me at [email] please.” <small>— P01, interview 1 at 00:20 · sentiment: " in page
    assert "ann@berg.io" not in page and "Ann" not in page
    assert shown[1].data == "4 quotes checked verbatim against their source spans (after redaction)."


def test_no_insight_below_the_minimum(coded, published):
    shown = practice.insights(coded, min_participants=3).parts
    assert published == []
    assert shown[0].data == "<p>No code reaches the minimum number of participants.</p>"


def test_too_few_uncoded_excerpts_give_the_sentence(coded):
    # uncoded: "I have two dogs ..." (70 chars) and "Bye." (4 chars)
    assert practice.uncoded_excerpts(coded.excerpts, coded.coded, 10)["excerpt_id"].tolist() == ["interview 2#4"]
    out = practice.uncovered_themes(coded, min_chars=10, seed=0).parts[0].data
    assert out == "_Only 1 uncoded excerpts of 10+ characters: no themes to find._"


def test_themes_of_uncoded_excerpts_count_participants():
    texts = ["Ann Berg loves the garden and the roses", "the garden roses need water", "garden roses in bloom",
             "my dogs bark at night", "the dogs want a walk at night", "dogs and night walks"]
    excerpts = pd.DataFrame({"excerpt_id": [f"i#{k}" for k in range(6)], "text": texts,
                             "participant_id": ["P01", "P01", "P02", "P03", "P03", "P03"]})
    review = practice.Review(turns=excerpts, documents={}, redact=Redactor({"Ann Berg": "P01"}), people=excerpts,
                             overview=excerpts, segment="plan", base=Path("."))
    c = practice.Coding(review=review, book=pd.DataFrame(), excerpts=excerpts,
                        coded=pd.DataFrame({"excerpt_id": []}), threshold=0.35, method="lexical")
    table = practice.uncovered_themes(c, min_chars=0, seed=0).parts[0].frame
    assert table.columns.tolist() == ["theme", "label", "size", "participants", "terms", "quotes"]
    assert table["size"].sum() == 6 and sorted(table["participants"]) == [1, 2]  # gardens: P01+P02; dogs: P03
    assert "ann" not in " ".join(table["label"]).lower()


def test_user_stories_are_exported(coded, tmp_path):
    stories = practice.user_stories(coded, export_dir=str(tmp_path / "out"))
    assert stories.frame.to_dict("records")[0] == {
        "code": "app", "story": "As a Plus customer, I want an app that opens, so that I can order on the go.",
        "segment": "Plus", "participants": 2, "quotes": 2}
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "out" / "user_stories.csv"), stories.frame)
    practice.user_stories(coded)  # no export_dir: nothing written
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["user_stories.csv"]


@pytest.fixture(scope="module")
def demo_coding(demo_dir) -> practice.Coding:
    review = practice.open_review(str(demo_dir), "interviews", "participants.csv", segment="plan")
    return practice.code_review(review, "codebook.yml", threshold=0.35, method="lexical")


def test_demo_planted_themes_surface_as_the_committed_findings(demo_coding, published):
    """Truth 11 of the demo, on the practice functions (the notebook run is in test_interview_notebook)."""
    c = demo_coding
    assert practice.coding_summary(c).parts[0].data.startswith("26 of 66 excerpts coded (39%); 44 codings")
    practice.coder_agreement(c)  # the notebook's order: the coders' agreement, then the insights
    practice.insights(c, min_participants=3)
    keys = {f["key"] for f in published}
    # relationship: an empty `exclude: ''` in the codebook matched every excerpt and hid it (issue 16)
    assert {"insight.rigid-returns", "insight.app-login-loop", "insight.delivery-communication",
            "insight.relationship"} <= keys
    committed = findings.read_findings(ROOT / "notebooks" / "interview_synthesis.ipynb")
    assert published == committed


def test_without_a_codebook_the_themes_of_the_excerpts_are_the_codes(workspace, published):
    (workspace / "codebook.yml").unlink()
    review = practice.open_review(str(workspace), "interviews", "participants.csv", segment="plan")
    c = practice.code_review(review, "codebook.yml", threshold=0.35, method="lexical")
    assert c.method == "themes found in the excerpts (no codebook)"
    assert len(c.book) >= 2 and set(c.coded["code"]) <= set(c.book["code"])
    assert c.coded["excerpt_id"].is_unique  # one theme an excerpt
    assert all(d.startswith("A theme found in the excerpts") for d in c.book["definition"])
    practice.insights(c, min_participants=1)  # the readout goes on with them
    assert published and all(f["key"].startswith("insight.") for f in published)
    with pytest.raises(DataError, match="cannot be read"):  # a codebook named on purpose must exist
        practice.code_review(review, "our-codes.yml", threshold=0.35, method="lexical")


def test_non_answers_only_give_no_codes_and_no_error():
    excerpts = pd.DataFrame({"excerpt_id": [f"i#{k}" for k in range(6)], "text": ["n/a", "-", "none", "n/a", ".", ""]})
    book, coded = practice.themes_as_codes(excerpts, lambda s: s)
    assert book.empty and coded.empty


def test_without_participants_csv_people_are_known_by_speaker_not_by_a_crash(workspace):
    (workspace / "participants.csv").unlink()
    review = practice.open_review(str(workspace), "interviews", "participants.csv", segment="plan")
    assert len(review.people) > 0 and set(review.people["plan"]) == {"all"}
    with pytest.raises(DataError, match="roster 'people.csv' not found"):  # a roster named on purpose must exist
        practice.open_review(str(workspace), "interviews", "people.csv", segment="plan")


# --- human coders: agreement, disagreements, codebook rounds, the coding review (issue 19) ----------------------

def test_demo_readout_shows_the_two_coders_agreement_computed_by_hand(demo_dir, demo_coding, published):
    """Truth 13: ana codes the 21 planted passages; ben recodes two delivery-communication passages as late-delivery
    and leaves one product-quality passage uncoded. On 66 participant turns x 6 codes used = 396 decisions:"""
    truth = next(t for t in yaml.safe_load((demo_dir / "TRUTH.yml").read_text())["truths"] if t["id"] == 13)
    assert sum(len(v) for v in truth["passages_coded_by_ana"].values()) == 21 and len(truth["disagreements"]) == 3
    both, ana_only, ben_only = 18, 3, 2  # 21 - 3 ; 2 recoded + 1 missed ; the 2 late-delivery codes
    neither = 66 * 6 - both - ana_only - ben_only
    n = both + ana_only + ben_only + neither
    po = (both + neither) / n
    ana_yes, ben_yes = (both + ana_only) / n, (both + ben_only) / n
    pe = ana_yes * ben_yes + (1 - ana_yes) * (1 - ben_yes)
    kappa = (po - pe) / (1 - pe)
    # Krippendorff's coincidences for two coders: each decision adds both ordered pairs
    o_yes, o_no, o_split = 2 * both, 2 * neither, ana_only + ben_only
    n_yes, n_no = o_yes + o_split, o_no + o_split
    alpha = 1 - (2 * n - 1) * o_split / (n_yes * n_no)
    shown = practice.coder_agreement(demo_coding)
    values = {f["key"]: f["value"] for f in published}
    assert values["agreement.kappa"] == pytest.approx(kappa, abs=5e-4)
    assert values["agreement.alpha"] == pytest.approx(alpha, abs=5e-4)
    per_code = shown.parts[1].frame.set_index("code")
    assert per_code.loc["(all codes, pooled)", ["excerpts", "ana", "ben", "Cohen's κ", "Krippendorff's α"]].tolist() == [
        66, both + ana_only, both + ben_only, f"{kappa:.2f}", f"{alpha:.2f}"]
    dis = shown.parts[2].frame
    assert dis["participant"].tolist() == [d["participant"] for d in truth["disagreements"]]
    assert dis[["ana", "ben"]].values.tolist() == [[d["ana"], d["ben"]] for d in truth["disagreements"]]
    assert not dis["excerpt"].str.contains("Ruth|Jonas|Samir").any()  # redacted excerpts


def test_demo_codebook_rounds_show_the_planted_changes(demo_dir, demo_coding):
    truth = next(t for t in yaml.safe_load((demo_dir / "TRUTH.yml").read_text())["truths"] if t["id"] == 13)
    diff = practice.codebook_changes(demo_coding.review, "codebook.yml").parts[0].frame
    assert diff[["change", "code"]].to_dict("records") == truth["codebook_rounds"]["changes"]
    assert "No codebook of an earlier round" in practice.codebook_changes(demo_coding.review, "codebook.yml", "").parts[0].data


def test_without_codings_the_readout_says_so_and_a_named_folder_must_exist(coded):
    assert "No human codings" in practice.coder_agreement(coded).parts[0].data
    with pytest.raises(DataError, match="human codings 'mine' not found"):
        practice.coder_agreement(coded, "mine")
    with pytest.raises(DataError, match="previous codebook 'old.yml' not found"):
        practice.codebook_changes(coded.review, "codebook.yml", "old.yml")


def test_the_review_writes_codings_the_readout_then_measures(coded, workspace, published):
    assert "set `reviewer` to your name" in practice.coding_review(coded, coder="").parts[0].data
    pytest.importorskip("ipywidgets", reason="the coding review widget needs the lab extra")
    for name in ("ana", "ben"):
        review = practice.coding_review(coded, coder=name, page_size=2).review
        assert review.pages == -(-len(coded.coded) // 2)
        for i in range(len(review.items)):
            review.accept(i)
        if name == "ben":  # ben recodes the first delivery coding as app
            first = review.items.index[review.items["code"] == "delivery"][0]
            review.recode(first, "app")
    written = pd.read_csv(workspace / "codings" / "ben.csv")
    assert written.columns.tolist() == ["source", "start", "end", "code", "coder"]
    assert set(written["source"]) <= {"a-ann", "b-bob", "c-cy"}  # file stems: the codings outlive renumbering
    shown = practice.coder_agreement(coded)
    per_code = shown.parts[1].frame.set_index("code")
    assert per_code.loc["app", "ana"] + 1 == per_code.loc["app", "ben"]
    assert shown.parts[2].frame["in_dispute"].tolist() == ["app; delivery"]
    assert {f["key"] for f in published} == {"agreement.kappa", "agreement.alpha"}


def test_codings_name_an_unknown_interview_or_a_span_past_its_end(coded, workspace):
    (workspace / "codings").mkdir()
    bad = workspace / "codings" / "zoe.csv"
    bad.write_text("source,start,end,code,coder\nz-zed,0,10,app,zoe\n", encoding="utf-8")
    with pytest.raises(DataError, match="zoe.csv: source 'z-zed' is none of the interviews"):
        practice.human_codings(coded)
    bad.write_text("source,start,end,code,coder\ninterview 1,0,99999,app,zoe\n", encoding="utf-8")
    with pytest.raises(DataError, match="ends past the transcript"):
        practice.human_codings(coded)
    bad.write_text("source,start,end,code,coder\na-ann.txt,0,40,app,zoe\n", encoding="utf-8")
    assert practice.human_codings(coded)["interview_id"].tolist() == ["interview 1"]  # the file name works too

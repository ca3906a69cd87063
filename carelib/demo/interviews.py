"""Twelve customer interviews of the demo workspace: six ``Speaker:`` text files and six Zoom-style WebVTT.

Planted themes (each voiced by at least three participants): delivery communication
(North), rigid returns, the app login loop (app users), love for product quality
(promoters) and the founder's personal touch (early customers). Some participants say an
e-mail address or a phone number, so redaction has something to do.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

INTERVIEWERS = [("I01", "Maya Lindqvist"), ("I02", "Tom Becker")]

# id, name, region, plan, channel, format, themes, pii
PEOPLE = [
    ("P01", "Ruth Okafor", "North", "Plus", "web", "txt", ["delivery_comms", "quality"], None),
    ("P02", "Jonas Brandt", "South", "Standard", "web", "vtt", ["rigid_returns", "quality"], None),
    ("P03", "Priya Haddad", "East", "Plus", "app", "txt", ["login_loop", "founder"], None),
    ("P04", "Samir Walsh", "North", "Standard", "web", "vtt", ["delivery_comms"], "email"),
    ("P05", "Lena Varga", "West", "Plus", "web", "txt", ["rigid_returns", "quality"], None),
    ("P06", "Oscar Mensah", "South", "Standard", "app", "vtt", ["login_loop", "quality"], None),
    ("P07", "Helga Nowak", "North", "Plus", "web", "txt", ["delivery_comms", "founder"], None),
    ("P08", "Carlos Silva", "East", "Standard", "web", "vtt", ["rigid_returns"], "phone"),
    ("P09", "Tess Jensen", "West", "Standard", "app", "txt", ["login_loop", "quality"], None),
    ("P10", "Kofi Larsen", "North", "Plus", "app", "vtt", ["delivery_comms"], "email"),
    ("P11", "Bea Moreau", "South", "Plus", "web", "txt", ["rigid_returns", "founder"], None),
    ("P12", "Umar Petrov", "East", "Standard", "app", "vtt", ["login_loop", "founder"], "phone"),
]

QUESTIONS = {
    "delivery_comms": ["Tell me about your last delivery.", "How did you find out where your order was?"],
    "rigid_returns": ["Have you ever returned something to us?", "What happened when you asked for the return?"],
    "login_loop": ["How do you usually shop with us, app or website?", "What was your first week with the app like?"],
    "quality": ["What do you like about the things you bought?", "Why do you keep buying from us?"],
    "founder": ["How did you first hear about Hearthly?", "Do you remember your first order?"],
}

PASSAGES = {
    "delivery_comms": [
        "Honestly the delivery in May was a mess. The parcel was a week late and the tracking page never changed, "
        "it just said label created. Nobody emailed me. I had to chase you twice to find out anything.",
        "It was the not knowing. Late I can live with, but there were no updates at all, no text, no email. "
        "I took a day off work for a courier who never came and nobody told me.",
        "The new courier, I think it was ParcelNow, was hopeless. My order sat somewhere for ten days and the "
        "tracking link was dead. When I finally got an answer it was just 'it's on its way'.",
        "What I want is simple: tell me when it's late. I'd have been fine with a message saying it's delayed "
        "until Thursday. Instead I got silence and a parcel left at the wrong door.",
    ],
    "rigid_returns": [
        "I tried to return a lamp that arrived with a cracked base. I was two days past the window and the agent "
        "just kept saying that's our policy, nothing I can do. It felt like talking to a wall.",
        "The return itself should be easy, right? But the answer was the system doesn't allow it. No flexibility, "
        "not even a voucher. I wasn't asking for much.",
        "The agent was polite but rigid. Rules are rules, she said. I ended up keeping a rug I don't like "
        "because it was past thirty days.",
        "I asked if they could make an exception since the towels were a gift and unopened. No exceptions. "
        "That's the moment I stopped recommending you to friends.",
    ],
    "login_loop": [
        "The app, oh dear. In my first week I couldn't log in at all. It sent me a code, I typed it, and it "
        "went straight back to the start screen. A loop. I gave up and used the website.",
        "Signing in on the app never worked for me at the start. Reset my password twice, still the login loop. "
        "I almost deleted it.",
        "I downloaded the app when I joined and it kept logging me out. Every time I opened it, log in again, "
        "and then it would freeze on the code screen.",
        "First few days the app was useless, stuck in the login screen. Support said update the app, which I "
        "had already done. It fixed itself after a week or so.",
    ],
    "quality": [
        "The quality is why I stay. My linen duvet cover is three years old and still looks new.",
        "Everything I've bought feels well made. The stoneware plates are heavy, solid, beautiful. "
        "Friends always ask where they're from.",
        "You can tell someone chose these products carefully. The wool throw is lovely, better than anything "
        "in the high street shops.",
        "Great quality, honestly. The cast-iron casserole is the best thing in my kitchen.",
        "I love the things themselves. Beautiful design, good materials, they last.",
    ],
    "founder": [
        "I was one of the first customers, back in 2024. The founder wrote me a handwritten card with my first "
        "order, and when a plate broke she called me herself. I still remember that.",
        "In the early days Sofia, the founder, answered my email personally. It felt like a small shop where "
        "someone knew my name. I miss that a bit now.",
        "When I first ordered, the founder rang me to check the delivery went fine. Who does that? "
        "That personal touch is why I told everyone about you.",
        "My first order came with a note from the founder thanking me by name. It's silly but it made me loyal.",
    ],
}

PII = {"email": "You can email me at {email} if you want to follow up.",
       "phone": "Call me any time on {phone}, happy to talk more."}
OPENERS = ["Thanks for making time today. Could you start by telling me a bit about yourself?",
           "Thank you for joining. To start, how long have you been shopping with us?"]
INTRO = ["Sure. I live in the {region} with my partner and two kids, and I've been buying from you for {years}.",
         "Of course. I'm on the {plan} plan, I shop mostly on the {channel}, for about {years} now.",
         "Happy to. I'm a teacher in the {region}, I've been a customer for {years}."]
CLOSERS = ["That's really helpful, thank you. Anything else you'd like us to know?",
           "Thank you so much, this was great."]
LAST_WORDS = ["No, I think that's everything. Thanks for listening.", "Just: keep the quality, fix the rest!",
              "Only that I do want you to do well."]


def _turns(rng: np.random.Generator, person: tuple, interviewer: str) -> list[tuple[str, str]]:
    pid, name, region, plan, channel, _fmt, themes, pii = person
    years = ["two years", "about a year", "six months", "since the start"][int(rng.integers(4))]
    first = name.split(" ")[0]
    turns = [(interviewer, f"Hi {first}. " + OPENERS[int(rng.integers(2))]),
             (name, INTRO[int(rng.integers(3))].format(region=region, plan=plan, channel=channel, years=years))]
    used: set[int] = set()
    for theme in themes:
        for q in QUESTIONS[theme]:
            turns.append((interviewer, q))
            options = [i for i in range(len(PASSAGES[theme])) if (theme, i) not in used]
            i = options[(int(pid[1:]) + int(rng.integers(len(options)))) % len(options)]
            used.add((theme, i))
            turns.append((name, PASSAGES[theme][i]))
            break
        turns.append((interviewer, "Can you say more about that?"))
        turns.append((name, ["It just made me feel like a number, not a person.", "It's the small things, you know?",
                             "I'd say that's the main thing for me.", "Yes, and it happened more than once."][int(rng.integers(4))]))
    if pii:
        email = f"{first.lower()}.{name.split(' ')[1].lower()}@example.org"
        phone = f"+44 7700 9{int(rng.integers(10000, 99999))}"
        turns.append((name, PII[pii].format(email=email, phone=phone)))
    turns.append((interviewer, CLOSERS[int(rng.integers(2))]))
    turns.append((name, LAST_WORDS[int(rng.integers(3))]))
    return turns


def _vtt_time(seconds: float) -> str:
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{int(h):02d}:{int(m):02d}:{s:06.3f}"


def _write_txt(path: Path, turns, rng, stamps: bool) -> None:
    lines, t = [], 5.0
    for speaker, text in turns:
        stamp = f"[{_vtt_time(t)[:8]}] " if stamps else ""
        lines.append(f"{stamp}{speaker}: {text}")
        lines.append("")
        t += 4 + len(text) / 15 + float(rng.uniform(0, 3))
    path.write_text("\n".join(lines), encoding="utf-8")


def _write_vtt(path: Path, turns, rng) -> None:
    out, t, n = ["WEBVTT", ""], 2.0, 1
    for k, (speaker, text) in enumerate(turns):
        words = text.split(" ")
        chunks = [" ".join(words[i:i + 18]) for i in range(0, len(words), 18)]  # consecutive cues of one speaker
        for chunk in chunks:
            dur = 1.5 + len(chunk) / 14
            body = chunk if len(chunk) < 60 else chunk[: len(chunk) // 2].rsplit(" ", 1)[0] + "\n" + chunk[len(chunk[: len(chunk) // 2].rsplit(" ", 1)[0]) + 1:]
            cue = f"<v {speaker}>{body}</v>" if (k + n) % 5 else f"{speaker}: {body}"
            out += [str(n), f"{_vtt_time(t)} --> {_vtt_time(t + dur)}", cue, ""]
            t += dur + float(rng.uniform(0.2, 1.5))
            n += 1
    path.write_text("\n".join(out), encoding="utf-8")


def write_interviews(out: Path, rng: np.random.Generator, early_customers: list[str], others: pd.DataFrame) -> pd.DataFrame:
    """Write ``interviews/`` and return the participants roster.

    Parameters
    ----------
    out : Path
        Workspace folder; ``out/interviews/`` is created and one ``.txt`` or ``.vtt`` file per
        participant of :data:`PEOPLE` is written into it (existing files are overwritten).
    rng : numpy.random.Generator
        Source of all randomness (wording, timings, which customer a participant is).
    early_customers : list of str
        Customer ids of early customers still active; the "founder" participants take them in
        order.
    others : DataFrame
        Customers (``customer_id, region, plan, channel, tenure_band``) the other participants
        are drawn from, matching their region, plan and channel.

    Returns
    -------
    DataFrame
        The roster, interviewers first: ``participant_id, name, role, interview_id, region, plan,
        channel, tenure_band, customer_id`` (``interview_id`` is the file stem; None for
        interviewers, as are their customer attributes).
    """
    folder = out / "interviews"
    folder.mkdir(parents=True, exist_ok=True)
    rows = [{"participant_id": i, "name": n, "role": "interviewer", "interview_id": None, "region": None, "plan": None,
             "channel": None, "tenure_band": None, "customer_id": None} for i, n in INTERVIEWERS]
    early = iter(early_customers)
    for k, person in enumerate(PEOPLE):
        pid, name, region, plan, channel, fmt, themes, _ = person
        interviewer = INTERVIEWERS[k % 2][1]
        stem = f"{pid.lower()}-{name.split(' ')[0].lower()}"
        turns = _turns(rng, person, interviewer)
        if fmt == "txt":
            _write_txt(folder / f"{stem}.txt", turns, rng, stamps=k % 4 == 0)
        else:
            _write_vtt(folder / f"{stem}.vtt", turns, rng)
        if "founder" in themes:
            cid, band = next(early), "1 year+"
        else:
            pool = others[(others["region"] == region) & (others["plan"] == plan) & (others["channel"] == channel)]
            cid = pool["customer_id"].iloc[int(rng.integers(len(pool)))]
            band = pool.set_index("customer_id").at[cid, "tenure_band"]
        rows.append({"participant_id": pid, "name": name, "role": "participant", "interview_id": stem, "region": region,
                     "plan": plan, "channel": channel, "tenure_band": band, "customer_id": cid})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- two researchers' codings

#: The researchers who coded the interviews by hand (``codings/<coder>.csv``).
CODERS = ("ana", "ben")
#: The codebook code of each planted theme.
THEME_CODES = {"delivery_comms": "delivery-communication", "rigid_returns": "rigid-returns",
               "login_loop": "app-login-loop", "quality": "product-quality", "founder": "founder-touch"}
#: Ben's span is the first part of the answer: this share of it, starting up to 3 characters in.
BEN_SPAN_SHARE = 0.6
_LATE = re.compile(r"\blate\b", re.IGNORECASE)


def write_codings(out: Path, roster: pd.DataFrame, seed: int) -> dict:
    """Write ``codings/ana.csv`` and ``codings/ben.csv``: two researchers' codings of the interviews.

    Ana codes every planted passage with its theme's code, her span the whole answer. Ben agrees but
    for the planted disagreements: two delivery-communication passages that speak of lateness (the word
    *late*) but not of tracking (drawn by the seed) he codes ``late-delivery`` instead, and one product-quality passage (drawn by the seed) he
    leaves uncoded. His spans are the first :data:`BEN_SPAN_SHARE` of the answer, starting 0-3
    characters in (drawn by the seed), so spans must be aligned before they are compared.

    Parameters
    ----------
    out : Path
        Workspace folder holding ``interviews/``; ``out/codings/`` is written.
    roster : DataFrame
        The participants roster of :func:`write_interviews`.
    seed : int
        Seed of Ben's span starts and of the passages he codes otherwise (a generator of its own, so the rest
        of the demo is unchanged).

    Returns
    -------
    dict
        The planted pattern for ``TRUTH.yml``: coders, per code the participants whose passage each
        coder coded, and the disagreements (participant, ana's code, ben's code).
    """
    from carelib.data.transcripts import read_transcripts
    from carelib.exports import to_csv

    rng = np.random.default_rng([seed, 19])
    tr = read_transcripts(out / "interviews", roster)
    planted = {" ".join(p.split()): THEME_CODES[theme] for theme, texts in PASSAGES.items() for p in texts}
    turns = tr.turns[tr.turns["role"] == "participant"].assign(code=lambda t: t["text"].map(
        lambda s: planted.get(" ".join(str(s).split()))))
    turns = turns[turns["code"].notna()].reset_index(drop=True)
    quality = turns.index[turns["code"] == "product-quality"]
    missed = int(quality[int(rng.integers(len(quality)))])
    late = turns.index[(turns["code"] == "delivery-communication") & turns["text"].str.contains(_LATE)
                       & ~turns["text"].str.lower().str.contains("tracking")]
    recoded = set(rng.choice(late, size=min(2, len(late)), replace=False).tolist())
    ana, ben, disputed = [], [], []
    for i, t in turns.iterrows():
        start, end = int(t["char_start"]), int(t["char_end"])
        ana.append((t["interview_id"], start, end, t["code"], "ana"))
        theirs = t["code"]
        if i in recoded:
            theirs = "late-delivery"
        elif i == missed:
            theirs = None
        if theirs != t["code"]:
            disputed.append({"participant": t["participant_id"], "ana": t["code"], "ben": theirs or "(no code)"})
        if theirs is not None:
            b_start = start + int(rng.integers(0, 4))
            ben.append((t["interview_id"], b_start, b_start + int(np.ceil(BEN_SPAN_SHARE * (end - start))), theirs, "ben"))
    for name, rows in (("ana", ana), ("ben", ben)):
        to_csv(pd.DataFrame(rows, columns=["source", "start", "end", "code", "coder"]), out / "codings" / f"{name}.csv")
    coded = {c: sorted(turns.loc[turns["code"] == c, "participant_id"].unique().tolist()) for c in sorted(set(turns["code"]))}
    return {"coders": list(CODERS), "files": [f"codings/{c}.csv" for c in CODERS], "passages_coded_by_ana": coded,
            "ben_span": f"the first {BEN_SPAN_SHARE:.0%} of the answer, starting 0-3 characters in",
            "disagreements": disputed}


def first_round_codebook(codebook: list[dict]) -> tuple[list[dict], list[dict]]:
    """The codebook of the first interview round, from the current one, and what changed between them.

    Round 1 had no ``app-login-loop`` (added once participants spoke of it), called ``rigid-returns``
    ``returns-refused``, gave ``founder-touch`` a narrower definition and ``delivery-communication``
    fewer keywords.

    Parameters
    ----------
    codebook : list of dict
        The current codebook's records.

    Returns
    -------
    (list of dict, list of dict)
        The round-1 records and the changes (``change, code``) as :func:`carelib.qual.codebook.diff_codebooks`
        reports them.
    """
    old = []
    for rec in codebook:
        rec = dict(rec)
        if rec["code"] == "app-login-loop":
            continue
        if rec["code"] == "rigid-returns":
            rec["code"] = "returns-refused"
        if rec["code"] == "founder-touch":
            rec["definition"] = "The founder's personal attention."
        if rec["code"] == "delivery-communication":
            rec["keywords"] = [k for k in rec["keywords"] if k not in ("not knowing", "silence")]
        old.append(rec)
    changes = [{"change": "added", "code": "app-login-loop"}, {"change": "definition changed", "code": "founder-touch"},
               {"change": "keywords changed", "code": "delivery-communication"},
               {"change": "renamed", "code": "rigid-returns"}]
    return old, changes

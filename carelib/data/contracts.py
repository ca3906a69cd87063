"""The workspace's table contracts: the single source for validation, docs and tests.

A workspace is a folder of tidy tables (CSV, Parquet or JSON Lines), each optional.
Each table here lists its columns: type, whether the column must be present,
whether it may be empty, allowed values and ranges. :mod:`carelib.data.tables` checks a loaded
table against them (vectorised pandas), :mod:`carelib.data.engines` as engine queries, and
``carelib datadict`` renders them as the data dictionary.
Columns not listed are kept as they are (segment attributes, for instance).

Attributes (region, plan, channel, team ...) are free text: a contract never holds one
company's list of values (the demo's live in :mod:`carelib.demo.truths`). Closed lists
remain only where carelib itself gives the values a meaning: survey kinds
(:data:`carelib.scales.SCORE_SCALES`), ticket status, message author roles, participant roles
and action status.

Dates are ISO 8601; a year (``2012``) or a year-month (``2012-08``) is kept with its precision
in a companion column ``<column>_precision`` (see :mod:`carelib.periods`). A missing score,
rating or date of a survey answer, review or complaint is kept as missing, never filled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from carelib.scales import SCORE_SCALES

__all__ = ["Col", "TableSpec", "CONTRACTS", "SCORE_SCALES", "DATES_NOTE", "contract"]


@dataclass(frozen=True)
class Col:
    """One column of a table contract.

    ``kind`` is one of ``id``, ``str``, ``int``, ``float``, ``datetime``, ``bool``, ``category``.
    A ``datetime`` column records an event, which cannot lie in the future (later than the
    run's today plus two days, see :func:`carelib.periods.future_limit`), unless ``future``
    is set (a due date). An ``int`` cell holds a whole number: ``9.0`` (as Excel exports
    write it) is read as 9; ``7.5``, ``True``/``False``, ``inf`` and text are refused.
    """

    name: str
    kind: str
    description: str
    required: bool = True
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    unique: bool = False
    future: bool = False


@dataclass(frozen=True)
class TableSpec:
    """A table of the workspace: its name, what one row is, and its columns."""

    name: str
    row: str
    columns: tuple[Col, ...]
    notes: str = ""
    extra_columns: str = "kept as they are (segment attributes)"
    checks: tuple[str, ...] = field(default_factory=tuple)

    def col(self, name: str) -> Col:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


DATES_NOTE = (
    "Dates are ISO 8601. A date known only to the year (`2012`) or the month (`2012-08`) is kept as such: "
    "the column holds the first instant of the period (2012-01-01) and the loader adds a column "
    "`<column>_precision` (`year`, `month`, `day` or `time`) whenever a cell of the column is partial; "
    "a partial date is never placed in an ISO week (`carelib.periods.precise`, `week_of`). Other formats "
    "(`03/15/2020`) are refused, not guessed: convert them with `carelib import` and a date format."
)

CONTRACTS: dict[str, TableSpec] = {
    t.name: t
    for t in [
        TableSpec(
            "responses",
            "a survey answer: one score on one survey's scale (the kinds of carelib.scales)",
            (
                Col("response_id", "id", "unique id of the answer", unique=True),
                Col("customer_id", "id", "who answered; empty for staff (eNPS) and anonymous surveys", required=False, nullable=True),
                Col("respondent_id", "id", "who answered, when one person answers many items (defaults to customer_id)",
                    required=False, nullable=True),
                Col("submitted_at", "datetime", "when the answer was submitted; empty if unknown (trends skip it)",
                    nullable=True),
                Col("survey", "category", "which survey; empty for an open-text question (then `score` must be empty too)", nullable=True, allowed=tuple(SCORE_SCALES)),
                Col("score", "int", "the score, on the survey's scale (see carelib.scales)", nullable=True),
                Col("comment", "str", "free-text answer", required=False, nullable=True),
                Col("question", "str", "the item of a multi-item survey (e.g. a Likert statement)", required=False,
                    nullable=True),
                Col("ticket_id", "id", "the ticket a CSAT/CES answer is about", required=False, nullable=True),
            ),
            notes="score ranges: " + ", ".join(f"{k} {lo}-{hi}" for k, (lo, hi) in SCORE_SCALES.items())
            + " (pmf 3 = very disappointed). "
            "An empty score is a skipped question: excluded from metrics with reason 'no score'. "
            "A score is a whole number: `9.0` (as Excel exports write it) is read as 9; `7.5`, "
            "`True`/`False` and text are refused. An answer without `submitted_at` is undated: kept, and "
            "left out of trends. For a multi-item survey one row is one item: `question` names it and "
            "`respondent_id` the person (when empty, `customer_id` is the respondent).",
            checks=("score_in_scale",),
        ),
        TableSpec(
            "customers",
            "a customer",
            (
                Col("customer_id", "id", "unique customer id", unique=True),
                Col("first_seen", "datetime", "first order or sign-up"),
                Col("name", "str", "full name (personal data: redacted in reports)", required=False, nullable=True),
                Col("email", "str", "e-mail (personal data)", required=False, nullable=True),
                Col("phone", "str", "phone (personal data)", required=False, nullable=True),
                Col("region", "str", "region (free text: your own values)", required=False, nullable=True),
                Col("plan", "str", "plan or tier (free text)", required=False, nullable=True),
                Col("channel", "str", "where they shop (free text)", required=False, nullable=True),
            ),
        ),
        TableSpec(
            "orders",
            "an order",
            (
                Col("order_id", "id", "unique order id", unique=True),
                Col("customer_id", "id", "who ordered"),
                Col("ordered_at", "datetime", "when the order was placed"),
                Col("amount", "float", "order value in EUR", min=0),
                Col("product_id", "id", "main product of the order", required=False, nullable=True),
                Col("delivery_partner", "str", "carrier", required=False, nullable=True),
                Col("delivered_at", "datetime", "delivery time; empty if not delivered", required=False, nullable=True),
            ),
        ),
        TableSpec(
            "tickets",
            "a support conversation",
            (
                Col("ticket_id", "id", "unique ticket id", unique=True),
                Col("customer_id", "id", "who asked", nullable=True),
                Col("channel", "str", "contact channel (email, chat, social, phone)"),
                Col("created_at", "datetime", "when the ticket was opened"),
                Col("closed_at", "datetime", "when it was closed; empty while open", nullable=True),
                Col("team", "str", "support team", required=False, nullable=True),
                Col("agent_id", "id", "main agent", required=False, nullable=True),
                Col("status", "category", "open or closed", allowed=("open", "closed", "pending")),
                Col("category", "str", "help-desk tag", required=False, nullable=True),
            ),
        ),
        TableSpec(
            "messages",
            "one message in a ticket",
            (
                Col("ticket_id", "id", "the ticket"),
                Col("message_id", "id", "unique message id", unique=True),
                Col("sent_at", "datetime", "when it was sent"),
                Col("author_role", "category", "who wrote it", allowed=("customer", "agent", "bot")),
                Col("author_id", "id", "customer or agent id", nullable=True),
                Col("text", "str", "the message (untrusted customer text)", nullable=True),
            ),
        ),
        TableSpec(
            "reviews",
            "a public review",
            (
                Col("review_id", "id", "unique review id", unique=True),
                Col("created_at", "datetime", "when it was posted (needed for trends)", required=False, nullable=True),
                Col("rating", "int", "stars; empty or absent if the review has none (kept)", required=False,
                    nullable=True, min=1, max=5),
                Col("text", "str", "review text (untrusted)", nullable=True),
                Col("source", "str", "where it was posted", required=False, nullable=True),
                Col("product_id", "id", "product reviewed", required=False, nullable=True),
                Col("product_name", "str", "product name", required=False, nullable=True),
                Col("customer_id", "id", "reviewer if known", required=False, nullable=True),
                Col("region", "str", "reviewer's region if known (free text)", required=False, nullable=True),
            ),
            notes="A review without stars (an app-store text, a comment) is kept with an empty `rating`; a table "
            "without a `rating` column loads too. A review without `created_at` is undated: kept, left out of trends.",
        ),
        TableSpec(
            "complaints",
            "a formal complaint",
            (
                Col("complaint_id", "id", "unique complaint id", unique=True),
                Col("customer_id", "id", "who complained", nullable=True),
                Col("received_at", "datetime", "when it was received; empty if unknown (trends skip it)",
                    nullable=True),
                Col("category", "str", "complaint category"),
                Col("text", "str", "the complaint (untrusted)", nullable=True),
            ),
            notes="A complaint without `received_at` is undated: kept, counted, left out of trends and rates per week.",
        ),
        TableSpec(
            "recoveries",
            "a service failure and its recovery",
            (
                Col("incident_id", "id", "unique incident id", unique=True),
                Col("occurred_at", "datetime", "when the failure happened"),
                Col("customer_id", "id", "customer affected", nullable=True),
                Col("what_failed", "str", "what went wrong"),
                Col("compensating_action", "str", "what we did for the customer", nullable=True),
                Col("cost", "float", "cost of the recovery in EUR", nullable=True, min=0),
                Col("outcome", "str", "retained, churned, unknown ...", nullable=True),
                Col("learning", "str", "what we learned", nullable=True),
                Col("fixed_at", "datetime", "when the root cause was fixed; empty if not yet", required=False, nullable=True),
            ),
        ),
        TableSpec(
            "participants",
            "an interviewee (or interviewer)",
            (
                Col("participant_id", "id", "unique participant id", unique=True),
                Col("name", "str", "name as spoken in the transcript (deny-listed in reports)"),
                Col("role", "category", "participant or interviewer", allowed=("participant", "interviewer")),
                Col("interview_id", "id", "transcript file stem this person appears in", required=False, nullable=True),
            ),
        ),
        TableSpec(
            "actions",
            "a kaizen action decided in a review",
            (
                Col("action_id", "id", "unique action id", unique=True),
                Col("opened_at", "datetime", "when it was decided"),
                Col("owner", "str", "who owns it"),
                Col("metric", "str", "linked metric (e.g. nps)", nullable=True),
                Col("segment", "str", "linked segment filter (e.g. region=North)", required=False, nullable=True),
                Col("theme", "str", "linked theme", required=False, nullable=True),
                Col("description", "str", "what will be done"),
                Col("due", "datetime", "due date", nullable=True, future=True),
                Col("status", "category", "state", allowed=("open", "done", "dropped")),
                Col("closed_at", "datetime", "when it was closed", nullable=True),
            ),
        ),
    ]
}


def contract(kind: str) -> TableSpec:
    """Return the contract of table ``kind``; unknown names list the known ones."""
    try:
        return CONTRACTS[kind]
    except KeyError:
        from carelib.errors import ParameterError

        raise ParameterError(
            f"unknown table kind {kind!r}: expected one of {', '.join(sorted(CONTRACTS))}"
        ) from None

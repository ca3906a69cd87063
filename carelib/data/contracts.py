"""The workspace's table contracts: the single source for validation, docs and tests.

A workspace is a folder of tidy tables (CSV, Parquet or JSON Lines), each optional.
Each table here lists its columns: type, whether the column must be present,
whether it may be empty, allowed values and ranges. :mod:`carelib.data.tables` turns these
into pandera schemas; ``carelib datadict`` renders them as the data dictionary.
Columns not listed are kept as they are (segment attributes, for instance).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from carelib.scales import SCORE_SCALES

__all__ = ["Col", "TableSpec", "CONTRACTS", "SCORE_SCALES", "contract"]


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


REGIONS = ("North", "South", "East", "West")
PLANS = ("Standard", "Plus")

CONTRACTS: dict[str, TableSpec] = {
    t.name: t
    for t in [
        TableSpec(
            "responses",
            "a survey answer (NPS, eNPS, CSAT, CES or PMF)",
            (
                Col("response_id", "id", "unique id of the answer", unique=True),
                Col("customer_id", "id", "who answered; empty for staff (eNPS) and anonymous surveys", required=False, nullable=True),
                Col("submitted_at", "datetime", "when the answer was submitted"),
                Col("survey", "category", "which survey", allowed=tuple(SCORE_SCALES)),
                Col("score", "int", "the score, on the survey's scale (see carelib.scales)", nullable=True),
                Col("comment", "str", "free-text answer", required=False, nullable=True),
                Col("ticket_id", "id", "the ticket a CSAT/CES answer is about", required=False, nullable=True),
            ),
            notes="score ranges: nps and enps 0-10, csat 1-5, ces 1-7, pmf 1-3 (3 = very disappointed). "
            "An empty score is a skipped question: excluded from metrics with reason 'no score'. "
            "A score is a whole number: `9.0` (as Excel exports write it) is read as 9; `7.5`, "
            "`True`/`False` and text are refused.",
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
                Col("region", "category", "delivery region", required=False, nullable=True, allowed=REGIONS),
                Col("plan", "category", "membership plan", required=False, nullable=True, allowed=PLANS),
                Col("channel", "category", "where they shop", required=False, nullable=True, allowed=("web", "app")),
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
                Col("rating", "int", "stars", min=1, max=5),
                Col("text", "str", "review text (untrusted)", nullable=True),
                Col("source", "str", "where it was posted", required=False, nullable=True),
                Col("product_id", "id", "product reviewed", required=False, nullable=True),
                Col("product_name", "str", "product name", required=False, nullable=True),
                Col("customer_id", "id", "reviewer if known", required=False, nullable=True),
                Col("region", "category", "reviewer's region if known", required=False, nullable=True, allowed=REGIONS),
            ),
        ),
        TableSpec(
            "complaints",
            "a formal complaint",
            (
                Col("complaint_id", "id", "unique complaint id", unique=True),
                Col("customer_id", "id", "who complained", nullable=True),
                Col("received_at", "datetime", "when it was received"),
                Col("category", "str", "complaint category"),
                Col("text", "str", "the complaint (untrusted)", nullable=True),
            ),
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

"""Helpdesk, review-store and complaint exports, each read as its documented shape into raw parts.

Helpdesks
    - **Zendesk**, JSON as the Support API writes it: ``{"tickets": [...]}`` (``id``,
      ``created_at``, ``updated_at``, ``status``, ``subject``, ``description``, ``requester_id``,
      ``assignee_id``, ``group_id``, ``tags``, ``via.channel``, ``satisfaction_rating``) →
      ``"tickets"`` (tags joined with spaces, as Zendesk shows them: a tag holds no space);
      ``"ratings"`` one row per ticket from its ``satisfaction_rating`` (``score`` good, bad,
      offered or unoffered; ``comment``), or from a ``"satisfaction_ratings"`` list when the file
      has one; ``"comments"`` from a ``"comments"`` or ``"ticket_events"`` list (``ticket_id``,
      ``author_id``, ``public``, ``body``, ``created_at``). The CSV export of a ticket view
      (``ID``, ``Subject``, ``Status``, ``Requester`` ...) → ``"tickets"``.
    - **Intercom**, the conversations API JSON: ``{"conversations": [...]}`` (or a list of
      conversations), each with ``id``, ``created_at`` (Unix seconds, kept as written), ``state``,
      ``source`` (the first message: ``author`` {type, id}, ``body``) and
      ``conversation_parts.conversation_parts`` (``part_type``, ``author``, ``body``,
      ``created_at``) → ``"conversations"``; ``"messages"`` (the source as ``part_type``
      ``"source"`` then every part, each with ``conversation_id``; HTML bodies kept as written);
      ``"ratings"`` one row per conversation from ``conversation_rating`` (``rating`` 1-5,
      ``remark``).
    - **Freshdesk** ticket export (CSV or Excel): ``Ticket ID``, ``Subject``, ``Status``,
      ``Priority``, ``Source``, ``Type``, ``Agent``, ``Group``, ``Created time``, ``Resolved time``,
      ``Closed time``, ``Customer Satisfaction`` ... → ``"tickets"``.
    - **Help Scout** conversation export (CSV): ``Conversation ID`` / ``Number``, ``Subject``,
      ``Status``, ``Mailbox``, ``Customer``, ``Customer email``, ``Created At``, ``Closed At``,
      ``Tags``, ``Rating`` ... → ``"conversations"``.
Review stores
    - **App Store Connect** has no CSV download of reviews; its documented shape is the API's
      ``customerReviews`` JSON (``{"data": [{"id", "type", "attributes": {"rating", "title",
      "body", "reviewerNickname", "createdDate", "territory"}}]}``) → ``"reviews"`` with the
      attributes as columns. A CSV with those attribute names (or ``Rating``, ``Title``,
      ``Review`` as tools that save the page write) is read too.
    - **Google Play Console** reviews report (``reviews_reviews_<package>_<yyyymm>.csv``, UTF-16):
      ``Package Name``, ``App Version Code``, ``App Version Name``, ``Reviewer Language``,
      ``Device``, ``Review Submit Date and Time``, ``Star Rating``, ``Review Title``, ``Review
      Text``, ``Developer Reply Date and Time``, ``Developer Reply Text``, ``Review Link`` ...
    - **Trustpilot** business export (CSV or Excel: ``Review id``, ``Review created (UTC)``,
      ``Review stars``, ``Review title``, ``Review content``, ``Reference Id``, ``Location`` ...) or
      the API's JSON (``{"reviews": [{"id", "stars", "title", "text", "createdAt", ...}]}``).
Complaints
    - **CFPB** consumer complaint database: the website CSV (``Date received``, ``Product``,
      ``Sub-product``, ``Issue``, ``Sub-issue``, ``Consumer complaint narrative``, ``Company``,
      ``State``, ``ZIP code``, ``Tags``, ``Submitted via``, ``Complaint ID`` ...), the same with the
      API's field names (``date_received``, ``product``, ``issue`` ...), or the JSON download (a
      list of complaints, or the search API's ``hits.hits[]._source``) → ``"complaints"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from carelib.data.sources_files import (
    JSON_SUFFIXES,
    RawPart,
    has_columns,
    header_row,
    part_from_records,
    read_records,
    read_rows,
    shape_error,
    table_part,
)

__all__ = ["read_zendesk", "read_intercom", "read_freshdesk", "read_helpscout", "read_appstore",
           "read_googleplay", "read_trustpilot", "read_cfpb"]


def _is_json(path: Path) -> bool:
    return path.suffix.lower() in JSON_SUFFIXES


def _found(data: Any) -> str:
    if isinstance(data, dict):
        keys = ", ".join(repr(k) for k in list(data)[:6])
        return f"a JSON object with keys {keys}{', ...' if len(data) > 6 else ''}" if data else "an empty JSON object"
    if isinstance(data, list):
        return f"a JSON list of {len(data)} item{'s' if len(data) != 1 else ''}"
    return f"a JSON {type(data).__name__}"


def _object(value: Any) -> dict:
    """A nested JSON object, or nothing (``null`` or a value of another type: its columns stay empty)."""
    return value if isinstance(value, dict) else {}


def _list_at(path: Path, data: Any, key: str, tool: str, expected: str) -> list:
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise shape_error(path, tool, expected, _found(data))
    return data[key]


def _table(path: Path, sheet: str | None, tool: str, name: str, expected: str, *alternatives: tuple[str, ...]
           ) -> list[RawPart]:
    """The single-header table of a tool whose header holds every column of one of ``alternatives``."""
    rows = read_rows(path, sheet)
    _, header = header_row(path, rows)
    if not any(has_columns(header, *names) for names in alternatives):
        shown = ", ".join(repr(h) for h in header[:5]) + (", ..." if len(header) > 5 else "")
        raise shape_error(path, tool, expected, f"headers {shown}")
    return [table_part(name, path, rows)]


# ---------------------------------------------------------------------------------------------- helpdesks
def _zendesk_ticket(ticket: Any) -> Any:
    if isinstance(ticket, dict) and isinstance(ticket.get("tags"), list):
        return {**ticket, "tags": " ".join(str(t) for t in ticket["tags"])}
    return ticket


def read_zendesk(path: Path, sheet: str | None = None) -> list[RawPart]:
    """Zendesk tickets: the API JSON (tickets, comments, ratings) or a ticket view's CSV export."""
    if not _is_json(path):
        return _table(path, sheet, "Zendesk", "tickets", "a ticket view CSV with columns 'ID', 'Subject', 'Status'",
                      ("ID", "Subject"))
    data = read_records(path)
    if isinstance(data, dict) and isinstance(data.get("ticket"), dict):
        data = {**data, "tickets": [data["ticket"]]}
    tickets = _list_at(path, data, "tickets", "Zendesk", '{"tickets": [...]} as the Support API writes it')
    parts = [part_from_records("tickets", path, [_zendesk_ticket(t) for t in tickets], '"tickets"')]
    if isinstance(data.get("satisfaction_ratings"), list):
        parts.append(part_from_records("ratings", path, data["satisfaction_ratings"], '"satisfaction_ratings"'))
    else:
        ratings = [{"ticket_id": t.get("id"), **_object(t.get("satisfaction_rating"))} for t in tickets]
        parts.append(part_from_records("ratings", path, ratings, '"tickets"'))
    for key in ("comments", "ticket_events"):
        if isinstance(data.get(key), list):
            parts.append(part_from_records("comments", path, data[key], f'"{key}"'))
            break
    return parts


def _intercom_parts(conversation: dict) -> list:
    parts = conversation.get("conversation_parts") or []
    if isinstance(parts, dict):
        parts = parts.get("conversation_parts") or []
    return parts if isinstance(parts, list) else []


def read_intercom(path: Path, sheet: str | None = None) -> list[RawPart]:
    """Intercom conversations JSON → conversations, messages (source + parts) and ratings."""
    if not _is_json(path):
        raise shape_error(path, "Intercom", "the conversations API JSON (.json)", f"a {path.suffix or 'plain'} file")
    data = read_records(path)
    if isinstance(data, dict) and data.get("type") == "conversation":
        data = [data]
    conversations = data if isinstance(data, list) else _list_at(
        path, data, "conversations", "Intercom", '{"conversations": [...]} as the conversations API writes it')
    shape = [c for c in conversations if isinstance(c, dict)]
    if len(shape) != len(conversations) or not all("source" in c or "conversation_parts" in c for c in shape):
        raise shape_error(path, "Intercom", "conversations with 'source' and 'conversation_parts'", _found(data))
    messages, ratings = [], []
    for c in conversations:
        cid = c.get("id")
        source = c.get("source")
        if isinstance(source, dict):
            messages.append({"conversation_id": cid, "part_type": "source", "created_at": c.get("created_at"),
                             **source})
        messages.extend({"conversation_id": cid, **p} for p in _intercom_parts(c) if isinstance(p, dict))
        ratings.append({"conversation_id": cid, **_object(c.get("conversation_rating"))})
    heads = [{k: v for k, v in c.items() if k != "conversation_parts"} for c in conversations]
    return [part_from_records("conversations", path, heads, '"conversations"'),
            part_from_records("messages", path, messages, "the conversation parts"),
            part_from_records("ratings", path, ratings, '"conversations"')]


def read_freshdesk(path: Path, sheet: str | None = None) -> list[RawPart]:
    """A Freshdesk ticket export (CSV or Excel): ``Ticket ID``, ``Subject``, ``Status`` ..."""
    return _table(path, sheet, "Freshdesk", "tickets", "columns 'Ticket ID', 'Subject', 'Status', 'Created time'",
                  ("Ticket ID", "Subject"))


def read_helpscout(path: Path, sheet: str | None = None) -> list[RawPart]:
    """A Help Scout conversation export: ``Conversation ID``/``Number``, ``Subject``, ``Status`` ..."""
    return _table(path, sheet, "Help Scout", "conversations",
                  "columns 'Conversation ID' or 'Number', 'Subject', 'Status', 'Mailbox'",
                  ("Conversation ID", "Subject"), ("Number", "Subject", "Mailbox"), ("Number", "Subject", "Customer"))


# ---------------------------------------------------------------------------------------------- reviews
def read_appstore(path: Path, sheet: str | None = None) -> list[RawPart]:
    """App Store Connect reviews: the ``customerReviews`` API JSON, or a CSV of the same fields."""
    if not _is_json(path):
        return _table(path, sheet, "App Store Connect", "reviews", "columns 'rating', 'title', 'body'",
                      ("rating", "body"), ("Rating", "Review"), ("Rating", "Content"))
    data = read_records(path)
    items = _list_at(path, data, "data", "App Store Connect", '{"data": [{"type": "customerReviews", '
                     '"attributes": {...}}]} as the API writes it')
    if not all(isinstance(r, dict) and isinstance(r.get("attributes"), dict) for r in items):
        raise shape_error(path, "App Store Connect", "items with 'attributes'", _found(items[:1]) + " without them")
    reviews = [{"id": r.get("id"), "type": r.get("type"), **r["attributes"]} for r in items]
    return [part_from_records("reviews", path, reviews, '"data"')]


def read_googleplay(path: Path, sheet: str | None = None) -> list[RawPart]:
    """A Google Play Console reviews report (UTF-16 CSV): ``Package Name``, ``Star Rating``, ``Review Text`` ..."""
    return _table(path, sheet, "Google Play", "reviews", "columns 'Package Name', 'Star Rating', 'Review Text'",
                  ("Package Name", "Star Rating"))


def read_trustpilot(path: Path, sheet: str | None = None) -> list[RawPart]:
    """Trustpilot reviews: the business export (CSV/Excel) or the API's ``{"reviews": [...]}`` JSON."""
    if not _is_json(path):
        return _table(path, sheet, "Trustpilot", "reviews", "columns 'Review id', 'Review created (UTC)', "
                      "'Review stars', 'Review content'", ("Review stars",))
    data = read_records(path)
    reviews = data if isinstance(data, list) else _list_at(path, data, "reviews", "Trustpilot",
                                                           '{"reviews": [...]} as the API writes it')
    if not all(isinstance(r, dict) and "stars" in r for r in reviews):
        raise shape_error(path, "Trustpilot", "reviews with 'stars'", _found(data))
    return [part_from_records("reviews", path, reviews, '"reviews"')]


# ---------------------------------------------------------------------------------------------- complaints
def read_cfpb(path: Path, sheet: str | None = None) -> list[RawPart]:
    """CFPB consumer complaints: the database CSV (website or API field names) or its JSON download."""
    expected = "columns 'Date received', 'Product', 'Issue' (or date_received, product, issue)"
    if not _is_json(path):
        return _table(path, sheet, "CFPB complaint", "complaints", expected, ("Date received", "Product", "Issue"),
                      ("date_received", "product", "issue"))
    data = read_records(path)
    if isinstance(data, dict) and isinstance(data.get("hits"), dict) and isinstance(data["hits"].get("hits"), list):
        data = [h.get("_source", h) if isinstance(h, dict) else h for h in data["hits"]["hits"]]
    if not isinstance(data, list) or not all(isinstance(r, dict) and "product" in r for r in data):
        raise shape_error(path, "CFPB complaint", "a JSON list of complaints with 'date_received', 'product'",
                          _found(data))
    return [part_from_records("complaints", path, data)]

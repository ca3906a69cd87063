"""Redaction of personal data in customer text: offline, linear-time, explainable.

Customer text is personal. Before anything is rendered for leadership, :class:`Redactor` replaces
personal values by their bracketed kind (``[email]``, ``[card]`` …) and the names of a roster
(customers, participants, staff) by **stable pseudonyms**: the same person gets the same pseudonym
in every quote and every run (``Customer A``, ``Customer B`` … by roster order, or the roster's own
pseudonym column). :func:`find_pii` lists what was found, with character spans, so a reviewer can
see why a word was removed; :func:`score_redaction` measures precision and recall against labelled
spans (``docs/redaction.md`` publishes them for ``docs/labels/pii-sample.csv``).

What is caught, kind by kind (tried in this order; a span already taken is not taken again):

``email``, ``url``, ``handle``
    As written; a handle is ``@name`` (``@hearthly_help``, Twitter's numeric ``@115712``), or the
    word after "username" / "user id".
``iban``
    Country code, check digits and 4-character groups, with or without spaces, in any case. Written
    in upper case it is taken as it is (as before); in lower or mixed case it must pass the ISO 7064
    mod-97 check or follow the word "IBAN" (otherwise ``ab12 abcd efgh`` would be an IBAN).
``card``
    13–19 digits, single spaces or dashes between them, that pass the Luhn check; **or** grouped
    4-4-4-4 (16 digits; 4-4-4-4-3 for 19, 4-6-5 for Amex) with one separator throughout, whatever the
    Luhn check says; **or** 13–19 digits after a card word (card, visa, mastercard, amex, debit,
    credit); **or** the four digits in "card ending in 1234". Never after an order, tracking,
    invoice, reference, ticket, SKU or serial word: those numbers are not cards.
``id_number``
    US social security numbers (``123-45-6789``), UK National Insurance numbers (``QQ 12 34 56 C``),
    and any number after "SSN", "passport", "driving licence", "national insurance", "NHS number" or
    "tax id".
``ip``
    IPv4 addresses (every part 0–255), unless after "v" or a version word.
``birth_date``
    A date after "date of birth", "DOB", "born (on)" or "birthday"; other dates survive.
``address``
    A street line: house number (``12``, ``221B``, ``12-14``), one to four capitalised words, a
    street type (Street, St., Road, Ave, Lane, Drive, Close, Court, Place, Way …) and a compass
    suffix (``1600 Pennsylvania Ave NW``); or number then Rue/Via/Calle/Avenida/Place … then its
    name (``45 Rue de la Paix``); or Via/Calle/Rua … then a number (``Via Roma 12``); or a German,
    Dutch or Nordic street word and number (``Hauptstraße 5``); with a flat or unit in front
    (``Flat 3, …``) and a postcode behind (``…, London SW1A 1AA``) kept in the span. Also PO boxes,
    a UK postcode in capitals anywhere, any postcode or ZIP after "postcode"/"zip", and a street line
    in lower case after "live at", "deliver to", "my address is" ….
``phone``
    8–15 digits, optionally ``+`` or ``00`` first, with spaces, dots, dashes or brackets — but not a
    date (``20.11.2026``, ``2026-11-20 10``), a time, a price (``£`` before, ``.99`` after), a
    version (``v10.0.19045``), or a number after an order, ticket, tracking, invoice or reference word.
``identifier``
    The workspace's own ids (``identifiers=``: customer ids, author ids, usernames) as whole tokens
    in any case, each replaced by a stable pseudonym (``ID A``, ``ID B`` … in the order given, or
    the mapping's own, so a customer id can take its customer's pseudonym); and any token with a
    digit and a letter or ``_`` right after "customer", "account", "member", "client", "profile"
    or "login" (optionally "id"/"number"/"no"/"name"/"is"): ``customer C-01234``, ``my account
    jdoe_1983``, as ``[identifier]``. An identifier is matched only when it has at least
    :data:`MIN_IDENTIFIER` letters and digits, at least :data:`MIN_NUMERIC_IDENTIFIER` digits if it
    is all digits, and is no everyday word (:data:`COMMON_WORDS`, "support", "admin" …): a
    customer id ``42`` must not turn every 42 into a pseudonym. CFPB's ``XXXX`` masks are left alone.
    Ids of one shape — up to 8 ASCII letters then up to 18 digits (``C0001234``, ``115712``; not
    ``C-01234``) — are kept compactly, as a sorted array of the numbers per (letters, digit count),
    and found by one regular expression whose tokens are confirmed by a binary search: 2 M customer
    ids take ~30 MB instead of ~1.3 GB as automaton keywords, with the same matches and pseudonyms.
``name``
    Roster names (below) and, with ``greetings=True``, a capitalised word right after "Dear", "Hi",
    "Hello", "Thanks" … that no roster knows, as ``[name]``.

Roster names are matched by **one** Aho–Corasick automaton over every name form (``pyahocorasick``;
without it, one regular expression shaped as a trie), on a folded copy of the text: Unicode NFKD
without accents, case-folded, every character that is not a letter, digit or ``_`` read as a space
— so ``José`` finds ``Jose``, ``Zoë`` finds ``Zoe``, ``O’Brien`` finds ``O'Brien``, and a name is
always a whole word. The folding keeps every character's position, so the original span (accents,
curly apostrophe and all) is what gets replaced. The cost is one pass over the text whatever the
size of the roster. The rules:

1. A full name (every word of a roster entry) always matches, in any case, across one space or line
   break: ``EMMA YOUNG`` and ``emma young`` are Emma Young.
2. A first or last name alone (longer than 2 letters, not a particle such as "van" or "de") matches
   in any case — ``ruth`` is Ruth — unless two roster people share it: then it becomes ``[name]``.
3. A name part that is also an everyday word (:data:`COMMON_WORDS`: young, baker, will, may, rose,
   costa …) matches alone only when it is written as a name: capitalised (``Young``, not ``young``
   or ``YOUNG``), not the first word of a sentence, and not followed by another capitalised word
   (``Baker Street``, ``Costa Rica``) — or right after a title (``Mr``, ``Ms``, ``Dr`` …) in any case.

Not caught, by design or not yet: names no roster knows outside a greeting; a sentence-initial or
lower-case common-word surname alone (``Young called``, ``spoke to baker``); full names split by
two spaces or written as ``Young, Emma``; ``ß`` against ``ss``; spelled-out numbers ("four one one
one …"); e-mails written as ``ana at example dot com``; street lines without a house number
(``Baker Street, London``) or in lower case without a cue; numbers split across lines; IPv6.
Over-redaction that remains: a capitalised common-word surname mid-sentence (``a Costa coffee``),
a capitalised brand after a greeting (``Thanks Amazon``).
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

try:
    import ahocorasick
except ImportError:  # pragma: no cover - a declared dependency; a trie-shaped regex stands in
    ahocorasick = None

__all__ = ["Redactor", "find_pii", "score_redaction", "PATTERNS", "KINDS", "COMMON_WORDS", "MIN_IDENTIFIER",
           "MIN_NUMERIC_IDENTIFIER"]

# --------------------------------------------------------------------------- patterns

_UP = "A-ZÀ-ÖØ-Þ"
_CAP = rf"[{_UP}][^\W\d_]*(?:['’-][^\W\d_]+)*"
_ORDINAL = r"\d{1,3}(?:st|nd|rd|th)"
_PARTICLE = r"(?:de|du|des|del|della|di|da|la|le|les|of|the|van|von|der|den|dos|das|y|on|upon)"
_ELIDED = r"(?:[ld]['’])"
_TYPE_EN = (r"(?:(?:Street|Road|Avenue|Lane|Drive|Close|Court|Place|Way|Boulevard|Terrace|Crescent|Square|Gardens"
            r"|Grove|Hill|Parade|Row|Walk|Mews|Highway|Parkway|Rise|Circle|Trail|Wharf|Quay|Green|Esplanade)\b"
            r"|(?:St|Rd|Ave|Av|Ln|Dr|Cl|Ct|Pl|Blvd|Tce|Cres|Sq|Gdns|Gr|Pde|Hwy|Pkwy|Cir|Trl)\b\.?)")
_TYPE_FIRST = (r"(?:[Rr]ue|Avenue|Av\.|Boulevard|Bd|Via|Viale|Calle|Carrer|Rua|Avenida|Piazza|Plaza|Place|Chemin"
               r"|Allée|Quai|Impasse|Route|Plac|Ulica|ul\.)")
_TYPE_SUFFIX = r"(?:stra(?:ß|ss)e|str\.|weg|gasse|platz|allee|straat|laan|gracht|plein|gatan|vägen|vej|veien)"
_NUMBER = r"\d{1,5}[A-Za-z]?(?:[-–/]\d{1,5}[A-Za-z]?)?"
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}"
_POSTCODE = rf"(?:{_UK_POSTCODE}|\d{{5}}(?:-\d{{4}})?|\d{{4}}\s?[A-Z]{{2}})\b"
_UNIT = r"(?:(?:Flat|Apt\.?|Apartment|Unit|Suite|Ste\.?|Room|Floor)\s+\w{1,5},?\s+)?"
_CITY = rf"{_CAP}(?:\s+{_CAP})?,?\s+"
# a postcode behind a street line: UK (London SW1A 1AA), US (New York, NY 10118), continental (75002 Paris)
_TAIL = (rf"(?:,?\s+(?:(?:{_CITY})?{_UK_POSTCODE}\b|(?:{_CITY})?[A-Z]{{2}}\s+\d{{5}}(?:-\d{{4}})?\b"
         rf"|\d{{4}}(?:\d|\s?[A-Z]{{2}})?\s+{_CAP}))?")
_NAME_WORDS = rf"(?:\s+(?:{_PARTICLE}\s+|{_ELIDED})*{_CAP})"
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
          r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DATE = (rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})|\d{{4}}-\d{{2}}-\d{{2}}"
         rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+\d{{4}}|{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})")

_NUM_TAIL = r"\d{0,4}[A-Za-z]?(?:[-–/]\d{1,5}[A-Za-z]?)?"  # a house number after its first digit


@dataclass(frozen=True)
class _Detector:
    """One pattern of a kind, and what a text must hold before it is worth running (cheap checks first)."""

    kind: str
    pattern: re.Pattern[str]
    digits: int = 0  # least digits in the text
    cue: str = ""  # a cue group found in the folded text (see _CUES), or "@", "url", "." for a character


def _c(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


# Patterns that must not start with a look-behind start with a character class instead (the
# look-behind follows the first character), so the regex engine skips to candidate characters in C.
_DETECTORS: tuple[_Detector, ...] = (
    _Detector("email", _c(r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b"), cue="@"),
    _Detector("url", _c(r"\b(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE), cue="url"),
    _Detector("iban", _c(r"\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,3})?\b"), digits=8),
    _Detector("card", _c(r"\d(?<=(?<![\d-])\d)(?:(?P<grouped>\d{3}([ -])\d{4}\2\d{4}\2\d{4}(?:\2\d{3})?"
                         r"|\d{3}([ -])\d{6}\3\d{5})(?!\d)|(?:[ -]?\d){12,18}(?![\d-]))"), digits=13),
    _Detector("card", _c(r"\b(?:card|visa|mastercard|amex|debit|credit)\b[^\n.]{0,25}?\b(?:ending|ends)"
                         r"(?:\s+(?:in|with))?\s*:?\s*(?P<v>\d{4})(?!\d)", re.IGNORECASE), digits=4, cue="ending"),
    _Detector("id_number", _c(r"\d(?<=(?<![\d-])\d)\d\d(?<!000)(?<!666)(?<!9\d\d)-(?!00)\d{2}-(?!0000)\d{4}"
                              r"(?![\d-])|\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2}"
                              r" ?\d{2} ?[A-D]\b"), digits=6),
    _Detector("id_number", _c(r"\b(?:ssn|social\s+security(?:\s+number|\s+no\.?)?|passport(?:\s+number|\s+no\.?)?"
                              r"|driv(?:er'?s|ing)\s+licen[cs]e(?:\s+number|\s+no\.?)?|national\s+insurance"
                              r"(?:\s+number|\s+no\.?)?|ni\s+number|nino|nhs\s+number|tax\s+id)(?:\s+is)?\s*[:#]?\s*"
                              r"(?P<v>(?:[a-z]{1,3}[ -]?|[a-z]{4,5})?\d[\da-z]*(?:[ -]\d[\da-z]*)*(?:[ -][a-d]\b)?)",
                              re.IGNORECASE), digits=4, cue="id"),
    _Detector("ip", _c(r"\d(?<=(?<![\w.])\d)\d{0,2}(?:\.\d{1,3}){3}(?!\w|\.\d)"), digits=4, cue="."),
    _Detector("birth_date", _c(r"\b(?:date\s+of\s+birth|birth\s?date|d\.?o\.?b\.?|born(?:\s+on)?|birthday(?:\s+is)?)"
                               rf"(?:\s+is)?\s*[:\-]?\s*(?P<v>{_DATE})", re.IGNORECASE), digits=2, cue="birth"),
    _Detector("address", _c(rf"\d(?<=(?<![\w.,-])\d){_NUM_TAIL},?\s+(?:{_TYPE_FIRST}{_NAME_WORDS}{{1,4}}"
                            rf"|(?:(?:{_CAP}|{_ORDINAL})\s+){{1,4}}{_TYPE_EN}(?:\s+(?:NE|NW|SE|SW|N|S|E|W)\b)?){_TAIL}"),
              digits=1),
    _Detector("address", _c(rf"\b(?:Via|Viale|Calle|Carrer|Rua|Avenida|Piazza|Plaza){_NAME_WORDS}{{1,3}},?\s+"
                            rf"\d{{1,4}}[A-Za-z]?\b{_TAIL}"), digits=1, cue="street"),
    _Detector("address", _c(rf"\b[{_UP}][^\W\d_]*{_TYPE_SUFFIX}\s+\d{{1,4}}[a-z]?\b{_TAIL}"), digits=1, cue="street"),
    _Detector("address", _c(r"\b(?:P\.?\s?O\.?\s?Box|Post\s+Office\s+Box)\s+\d{1,6}\b", re.IGNORECASE), digits=1,
              cue="box"),
    _Detector("address", _c(rf"\b{_UK_POSTCODE}\b"), digits=2),
    _Detector("address", _c(r"\b(?:live[sd]?|living|reside[sd]?|moved|deliver(?:ed|y)?|ship(?:ped)?|send|sent"
                            r"|post(?:ed)?|address(?:\s+is)?)(?:\s+(?:at|to|is)\b|\s*:)?\s*"
                            rf"(?P<v>{_UNIT}{_NUMBER},?(?:\s+[^\W\d_][\w'’-]*){{1,4}}\s+{_TYPE_EN})", re.IGNORECASE),
              digits=1, cue="live"),
    _Detector("address", _c(rf"\b(?:post\s?code|postal\s+code|zip(?:\s?code)?)(?:\s+is)?\s*:?\s*(?P<v>{_POSTCODE})",
                            re.IGNORECASE), digits=2, cue="postcode"),
    _Detector("phone", _c(r"[+(\d](?<=(?<![\w@+/-])[+(\d])[\d ().-]{6,}\d(?!\w)"), digits=8),
    _Detector("handle", _c(r"(?<![\w@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])\b"), cue="@"),
    _Detector("handle", _c(r"\buser\s?(?:name|id)(?:\s+is\s+|\s*[:#]\s*)(?P<v>[\w.+-]{3,40})", re.IGNORECASE), cue="user"),
    _Detector("identifier", _c(r"\b(?:customer|account|member(?:ship)?|client|profile|login)(?:\s+(?:id|number|no\.?|name|is))*"
                               r"\s*[:#]?\s*(?P<v>(?=[\w-]*\d)(?=[\w-]*[A-Za-z_])[A-Za-z0-9][\w-]{2,38}[A-Za-z0-9])\b",
                               re.IGNORECASE), digits=1, cue="account"),
)
KINDS = ("email", "url", "iban", "card", "id_number", "ip", "birth_date", "address", "phone", "handle", "identifier",
         "name")
# the first pattern of each kind (the cued forms and the other address shapes are in _DETECTORS)
PATTERNS: dict[str, re.Pattern[str]] = {}
for _d in _DETECTORS:
    PATTERNS.setdefault(_d.kind, _d.pattern)
# words that open the gate of the cued detectors, looked up in the folded text in the same pass as names
_CUES: dict[str, tuple[str, ...]] = {
    "ending": ("ending", "ends"),
    "id": ("ssn", "social", "passport", "licen", "insurance", " ni ", "nino", "nhs", "tax"),
    "birth": ("birth", "dob", " d o b ", "born"),
    "street": ("via ", "viale", "calle", "carrer", "rua ", "avenida", "piazza", "plaza", "strasse", "straße", "str ",
               "weg ", "gasse", "platz", "allee", "straat", "laan ", "gracht", "plein", "gatan", "vagen", "vej ", "veien"),
    "box": ("box",),
    "live": ("live", "living", "reside", "moved", "deliver", "ship", "send", "sent", "post", "address"),
    "postcode": ("post", "postal", "zip"),
    "user": ("username", "user name", "user id", "userid"),
    "account": ("customer", "account", "member", "client", "profile", "login"),
}
_UNIT_BEFORE = re.compile(r"(?:Flat|Apt\.?|Apartment|Unit|Suite|Ste\.?|Room|Floor)\s+\w{1,5},?\s+$", re.IGNORECASE)

# a capitalised word right after a greeting is a first name even when no roster knows it
SALUTATION = re.compile(r"\b(?:Dear|Hi|Hello|Hey|Morning|Evening|Thanks|Thank you|Cheers),?[ \t]+"
                        r"(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?[ \t]+)?"
                        r"(?P<v>[^\W\d_]+(?:['’-][^\W\d_]+)*)\b(?![ \t]+(?:for|so|very|again|team|all|everyone)\b)")
NOT_NAMES = frozenset({"There", "Team", "All", "Everyone", "Again", "So", "Very", "For", "Sir", "Madam", "Guys", "Folks",
                       "Support", "Customer", "The", "Thanks", "Thank", "You", "Dear", "My", "Our", "Your", "We", "It",
                       "This", "That", "Mr", "Mrs", "Ms", "Miss", "Dr"})

COMMON_WORDS: frozenset[str] = frozenset("""
young baker costa brown white black green gray grey king hill wood woods cook bell ward hunter long rose price bishop
mason miller fisher fox lane marsh banks bank field fields ford hall knight lamb may page rice rich short small stone
swift little sharp strong hardy wise golden gold silver steel hope grace joy faith will mark bill sue pat rob frank
drew guy dawn summer winter spring autumn holly ivy ruby amber penny rusty sandy cliff dale glen heath chase chance
gene carol sky rain storm wolf crane drake finch swan cross major noble sterling case day love best good west north
south east church street bridge bridges brook brooks burns bush butler carpenter chambers cole cooper dean glass head
hart hawk house hay hood horn jay judge lake law lord mills moss park parks pike pool pope power read reed rock root
salt savage sage shepherd shore snow stock stout strange sweet tanner temple thorn tower wall waters watt weaver wells
wheeler wild wing booth bass baron marshal porter potter archer walker fuller turner barber butcher brewer carter
draper farmer fowler gardener glover hooper hunt mercer painter piper plumber sawyer skinner slater smith steward
thatcher tucker wright angel april august bay candy cherry crystal daisy destiny echo ember fern harmony hazel heather
honey iris jade jasmine jewel june lily lucky mercy misty olive opal pearl poppy raven river robin scarlet star sunny
violet willow art bob buck buddy chip colt dash earl ernest forest jack kit lance max miles nick norm ace ray rod rocky
victor wade don duke sterling paris bliss story justice summers
""".split())
# name parts never matched alone: particles and titles
_PARTICLES = frozenset("van von der den de del della di da du des la le dos das bin ibn al el mr mrs ms miss mx dr "
                       "prof sir dame lady lord".split())
_TITLE_BEFORE = re.compile(r"(?:^|\W)(?:mr|mrs|ms|miss|mx|dr|prof|sir|dame|lady|lord)\.?\s+$", re.IGNORECASE)
_SENTENCE_END = ".!?…\n"
_OPENERS = " \t\"'“‘«(["
_NOT_CARD = re.compile(r"\b(?:order|tracking|track|invoice|ref|reference|ticket|case|booking|confirmation|transaction"
                       r"|receipt|sku|serial|part|imei|barcode|ean|upc|isbn|item|product|model|parcel|shipment|version"
                       r"|build|release|firmware|voucher|coupon|promo|gift\s+card)s?\b(?:\s*(?:no\.?|number|num|id|code))?(?:\s+is)?\s*[:#]?\s*$", re.IGNORECASE)
_CARD_WORD = re.compile(r"\b(?:card|visa|mastercard|amex|maestro|debit|credit|cc)\b[^\n.]{0,20}$", re.IGNORECASE)
_IBAN_WORD = re.compile(r"\biban\b\W{0,3}$", re.IGNORECASE)
_VERSION_BEFORE = re.compile(r"(?:\bv|\b(?:version|ver|build|release|firmware|ios|android|update|beta|alpha)\s*[:(]?\s*)$",
                             re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_IP_PART = re.compile(r"\d+")


def _luhn(digits: str) -> bool:
    total, alt = 0, False
    for ch in reversed(digits):
        d = int(ch)
        if alt:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
        alt = not alt
    return total % 10 == 0


def _iban_ok(compact: str) -> bool:
    """ISO 7064 mod-97 check of an IBAN without spaces."""
    moved = (compact[4:] + compact[:4]).upper()
    if not moved.isalnum() or not 15 <= len(compact) <= 34:
        return False
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


_DATE_HOUR = re.compile(r"(?:\d{4}([-./])\d{1,2}\1\d{1,2}|\d{1,2}([-./])\d{1,2}\2\d{4})(?:[ T]\d{1,2})?")


def _accept(kind: str, text: str, m: re.Match[str], start: int, end: int) -> bool:
    value = text[start:end]
    before = text[max(0, start - 40):start]
    if kind == "card":
        if _NOT_CARD.search(before):
            return False
        digits = re.sub(r"\D", "", value)
        if m.groupdict().get("grouped") is not None or len(digits) == 4:  # grouped like a card, or "ending in 1234"
            return True
        return 13 <= len(digits) <= 19 and (_luhn(digits) or _CARD_WORD.search(before) is not None)
    if kind == "iban":
        compact = value.replace(" ", "")
        return ((value[:2].isupper() and value == value.upper()) or _iban_ok(compact)
                or _IBAN_WORD.search(before) is not None)
    if kind == "ip":
        return all(int(x) <= 255 for x in _IP_PART.findall(value)) and not _VERSION_BEFORE.search(before)
    if kind == "phone":
        groups = re.findall(r"\d+", value)
        digits = "".join(groups)
        if not 8 <= len(digits) <= 15 or _DATE_HOUR.fullmatch(value):
            return False
        if text[end:end + 1] == ":" or re.search(r"[£$€¥]\s?$", before):
            return False  # a time, a price, or part of a longer dotted number
        if re.fullmatch(r"\d+\.\d{2}|(?:19|20)\d\d\s*[-–]\s*(?:19|20)\d\d", value) or re.search(r"\.\d(?!\d)", value):
            return False  # a price without its currency, a span of years, a measurement with a decimal
        return not (_NOT_CARD.search(before) or _VERSION_BEFORE.search(before))
    return True


# --------------------------------------------------------------------------- folding and the name index


_STROKES = {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ŧ": "t", "ŀ": "l", "ƚ": "l", "ɨ": "i", "ð": "d"}


class _Fold(dict):
    """``str.translate`` table: one character for one character, so spans keep their positions."""

    def __missing__(self, code: int) -> str:
        c = chr(code)
        if c.isalnum() or c == "_":
            n = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x)).casefold()
            n = _STROKES.get(n, n)  # letters with a stroke have no decomposition: Łukasz is Lukasz, Søren Soren
            low = c.lower()
            out = n if len(n) == 1 else (low if len(low) == 1 else c)
        else:
            out = " "  # spaces, punctuation, apostrophes, hyphens and lone accents all separate words
        self[code] = out
        return out


_FOLD = _Fold()


_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _fold(text: str) -> str:
    return text.translate(_FOLD)


def _fold_marks(text: str) -> tuple[str, list[int]]:
    """Fold a text written with separate accents (``e`` + U+0301): drop them, keep each position's origin."""
    kept = [i for i, c in enumerate(text) if not unicodedata.combining(c)]
    return _fold("".join(text[i] for i in kept)), kept + [len(text)]


def _key(name: str) -> str:
    return " ".join(_fold(name).split())


def _trie_regex(keys: Iterable[str]) -> str:
    trie: dict = {}
    for k in keys:
        node = trie
        for ch in k:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        end = "" in node
        alts = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if end else body

    return emit(trie)


class _Index:
    """Every roster name form and every cue word in one automaton: one pass over a folded text.

    Name forms are stored between spaces (the folded text has a space wherever the original has
    no letter or digit), so a hit is a whole word; cue words are stored bare.
    """

    def __init__(self, names: Iterable[str], shaped: _ShapedIds | None = None) -> None:
        self.names = sorted(set(names))
        self.shaped = shaped
        cues = {w: group for group, words in _CUES.items() for w in words}
        if ahocorasick is not None:
            self._aho = ahocorasick.Automaton()
            for w, group in cues.items():
                self._aho.add_word(w, (0, group))
            for k in self.names:
                self._aho.add_word(f" {k} ", (len(k), ""))
            self._aho.make_automaton()
        else:
            self._aho = None
            self._cue = re.compile("|".join(map(re.escape, sorted(cues, key=len, reverse=True))))
            self._cue_group = cues
            self._name = re.compile(r"(?<= )" + _trie_regex(self.names) + r"(?= )") if self.names else None

    def scan(self, folded: str) -> tuple[list[tuple[int, int]], set[str]]:
        """``(start, end)`` of every name form in ``folded`` (overlapping, any order) and the cue groups seen."""
        padded = f" {folded} "
        hits: list[tuple[int, int]] = []
        cues: set[str] = set()
        if self._aho is not None:
            for end, (n, group) in self._aho.iter(padded):
                if n:
                    hits.append((end - n - 1, end - 1))
                else:
                    cues.add(group)
        else:
            cues = {self._cue_group[m.group()] for m in self._cue.finditer(padded)}
            if self._name is not None:
                hits = [(m.start() - 1, m.end() - 1) for m in self._name.finditer(padded)]
        if self.shaped is not None:
            hits += self.shaped.scan(folded)
        return hits, cues


# --------------------------------------------------------------------------- spans


@dataclass(frozen=True)
class Span:
    kind: str
    start: int
    end: int
    text: str


def _free(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= a or start >= b for a, b in taken)


def _pattern_spans(text: str, cues: set[str]) -> list[Span]:
    found: list[Span] = []
    taken: list[tuple[int, int]] = []
    digits = len(_DIGIT.findall(text))
    if "@" in text:
        cues.add("@")
    if "." in text:
        cues.add(".")
        if "://" in text or "www." in text.lower():
            cues.add("url")
    for d in _DETECTORS:
        if digits < d.digits or (d.cue and d.cue not in cues):
            continue
        for m in d.pattern.finditer(text):
            start, end = m.span("v") if "v" in d.pattern.groupindex else m.span()
            if d.kind == "address" and (unit := _UNIT_BEFORE.search(text, max(0, start - 25), start)):
                start = unit.start()
            if start < end and _free(taken, start, end) and _accept(d.kind, text, m, start, end):
                found.append(Span(d.kind, start, end, text[start:end]))
                taken.append((start, end))
    return found


def _sentence_start(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in _OPENERS:
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


def _written_as_name(text: str, start: int, end: int) -> bool:
    """Rule 3: a common-word name part alone counts only when written as a name."""
    if _TITLE_BEFORE.search(text[max(0, start - 8):start]):
        return True
    if not text[start:end].istitle() or _sentence_start(text, start):
        return False
    nxt = re.match(r"[ \t]+(\w)", text[end:end + 4])
    prev = re.search(r"(\w+)[ \t]+$", text[max(0, start - 30):start])
    return not ((nxt and nxt.group(1).isupper())
                or (prev and prev.group(1)[0].isupper() and not _sentence_start(text, start - len(prev.group(0)))))


@dataclass
class _Roster:
    index: _Index
    alias: dict[str, str]  # folded key → pseudonym or "[name]"
    common: frozenset[str]  # single-word keys that are everyday words (rule 3)
    idents: frozenset[str] = frozenset()  # keys that are the workspace's own identifiers, not names
    shaped: _ShapedIds | None = None  # the identifiers kept as numbers (keys not in ``alias``)

    def label(self, key: str) -> str:
        """``name:PSEUDONYM`` or ``identifier:PSEUDONYM`` of a folded key the index found."""
        if key in self.alias:
            return ("identifier:" if key in self.idents else "name:") + self.alias[key]
        return "identifier:" + self.shaped.pseudonym(key)

    def spans(self, text: str, folded: str, origin: list[int] | None, hits: list[tuple[int, int]],
              taken: list[tuple[int, int]]) -> list[Span]:
        out: list[Span] = []
        pos = 0
        for i, j in sorted(hits, key=lambda h: (h[0], -h[1])):
            key = folded[i:j]
            start, end = (i, j) if origin is None else (origin[i], origin[j - 1] + 1)
            if start < pos:
                continue
            while end < len(text) and unicodedata.combining(text[end]):
                end += 1  # a separate accent belongs to the name
            if not _free(taken, start, end) or (key in self.common and not _written_as_name(text, start, end)):
                continue
            out.append(Span(self.label(key), start, end, text[start:end]))
            pos = end
        return out


_NO_ROSTER = _Roster(_Index(()), {}, frozenset())


def _spans(text: str, roster: _Roster | None, greetings: bool = True) -> list[Span]:
    roster = roster or _NO_ROSTER
    if _MARKS.search(text):
        folded, origin = _fold_marks(text)
    else:
        folded, origin = _fold(text), None
    hits, cues = roster.index.scan(folded)
    found = _pattern_spans(text, cues)
    if hits:  # a known name or identifier wins over a cued "account …" span: it has a stable pseudonym
        names = roster.spans(text, folded, origin, hits, [(s.start, s.end) for s in found if s.kind != "identifier"])
        found = [s for s in found if s.kind != "identifier" or _free([(n.start, n.end) for n in names], s.start, s.end)]
        found += names
    taken = [(s.start, s.end) for s in found]
    if greetings:
        for m in SALUTATION.finditer(text):
            word, (start, end) = m.group("v"), m.span("v")
            if word.istitle() and len(word) > 1 and word not in NOT_NAMES and _free(taken, start, end):
                found.append(Span("name:[name]", start, end, word))
                taken.append((start, end))
    return sorted(found, key=lambda s: s.start)


# --------------------------------------------------------------------------- public API


def find_pii(text: str, roster: Iterable[str] | Mapping[str, str] | Redactor | None = None) -> pd.DataFrame:
    """Personal data found in ``text``: ``kind, start, end, text`` (names as ``name``).

    Parameters
    ----------
    text : str
        The text to search.
    roster : iterable of names, mapping name → pseudonym, or a :class:`Redactor`, optional
        Whose names to look for; pass a built :class:`Redactor` to reuse it over many texts.

    Examples
    --------
    >>> find_pii("Mail me at ana.k@example.org or call +44 7700 900123")[["kind", "text"]].values.tolist()
    [['email', 'ana.k@example.org'], ['phone', '+44 7700 900123']]
    >>> find_pii("Card 4111 1111 1111 1112, IBAN de89 3704 0044 0532 0130 00")["kind"].tolist()
    ['card', 'iban']
    """
    r = roster if isinstance(roster, Redactor) else Redactor(roster)
    rows = [{"kind": s.kind.split(":")[0], "start": s.start, "end": s.end, "text": s.text}
            for s in _spans(text or "", r._roster, r.greetings)]
    return pd.DataFrame(rows, columns=["kind", "start", "end", "text"])


class Redactor:
    """Replace personal data by kinds and roster names by stable pseudonyms.

    Parameters
    ----------
    roster : iterable of names, or mapping name → pseudonym, optional
        People whose names must not appear. A list gets pseudonyms ``Customer A``,
        ``Customer B`` … in the order given (``label`` sets the word); a mapping keeps its own.
    label : str
        Word of the generated pseudonyms.
    greetings : bool
        Also replace a capitalised word right after a greeting ("Dear Hana", "Hi Tom") by
        ``[name]``, for the names no roster knows.
    common_words : iterable of str, optional
        Everyday words that a name part matches alone only when written as a name (rule 3 of
        the module notes); default :data:`COMMON_WORDS`.
    identifiers : iterable of ids, or mapping id → pseudonym, optional
        The workspace's own identifiers (``customer_id``, ``author_id``, usernames; a leading
        ``@`` is ignored), matched as whole tokens in any case. A list gets ``ID A``, ``ID B`` …
        in the order given (pass them sorted for pseudonyms that hold from run to run); a
        mapping keeps its own. Too short or everyday identifiers are skipped (module notes).
    identifier_label : str
        Word of the generated identifier pseudonyms.

    Notes
    -----
    All roster name forms go into one automaton built once here; :meth:`redact` folds the text
    once and scans it once, so its cost does not grow with the roster.

    Examples
    --------
    >>> r = Redactor(["Maya Lindqvist", "Tom Berg"], label="Participant")
    >>> r.redact("Maya said Tom Berg (tom@berg.io, 0612345678) fixed it; see https://x.io/a")
    'Participant A said Participant B ([email], [phone]) fixed it; see [url]'
    >>> r.redact("maya again")
    'Participant A again'
    >>> Redactor().redact("Dear Hana, thanks. Hi there!")
    'Dear [name], thanks. Hi there!'
    >>> r = Redactor(["Emma Young", "Seán O'Brien"])
    >>> r.redact("Ask Young about my young son; EMMA YOUNG and Sean O’Brien agreed.")
    'Ask Customer A about my young son; Customer A and Customer B agreed.'
    >>> r = Redactor(identifiers=["jdoe_1983", "C-01234", "42"])
    >>> r.redact("JDoe_1983 here (customer c-01234), order 42, ping @hearthly_help; account kx_778 too")
    'ID A here (customer ID B), order 42, ping [handle]; account [identifier] too'
    """

    def __init__(self, roster: Iterable[str] | Mapping[str, str] | None = None, label: str = "Customer",
                 greetings: bool = True, common_words: Iterable[str] | None = None,
                 identifiers: Iterable[object] | Mapping[object, str] | None = None,
                 identifier_label: str = "ID") -> None:
        self.roster = roster
        self.label = label
        self.greetings = greetings
        self.common_words = common_words
        self.identifiers = identifiers
        self.identifier_label = identifier_label
        if roster is None:
            pairs: list[tuple[str, str]] = []
        elif isinstance(roster, Mapping):
            pairs = [(str(k), str(v)) for k, v in roster.items() if str(k).strip()]
        else:
            names = [str(n) for n in dict.fromkeys(roster) if isinstance(n, str) and n.strip()]
            pairs = [(n, f"{label} {_letters(i)}") for i, n in enumerate(names)]
        self.pseudonyms_ = dict(pairs)
        common = COMMON_WORDS if common_words is None else common_words
        ids, places, shaped = _identifier_table(identifiers, identifier_label, common)
        self.identifiers_: Mapping[str, str] = _Identifiers(dict(ids), shaped, places)
        self._roster = _build_roster(pairs, common, ids, shaped)

    def parts(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """What the redactor was built from, as plain data (JSON-ready values and NumPy arrays): the form
        :func:`carelib.analysis.roster_cache.cached_redactor` keeps, and :meth:`from_parts` reads back."""
        shaped = self.identifiers_._shaped
        ids = list(self.identifiers_._listed.items())
        shapes, arrays = [], {}
        for i, ((prefix, width), v) in enumerate((shaped.shapes if shaped is not None else {}).items()):
            shapes.append({"prefix": prefix, "width": int(width), "prefixes": list(v["prefixes"]), "own": v["own"]})
            for k in ("values", "index", "raw"):
                arrays[f"s{i}_{k}"] = np.asarray(v[k])
        meta = {"label": self.label, "greetings": bool(self.greetings), "identifier_label": self.identifier_label,
                "common_words": None if self.common_words is None else list(self.common_words),
                "pairs": [list(p) for p in self.pseudonyms_.items()], "ids": [list(p) for p in ids],
                "places": [self.identifiers_._places[t] for t, _ in ids], "shapes": shapes}
        return meta, arrays

    @classmethod
    def from_parts(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Redactor:
        """The redactor :meth:`parts` describes: the same spans, pseudonyms and identifiers, without ranking the
        identifiers again."""
        self = cls.__new__(cls)
        self.label, self.greetings = str(meta["label"]), bool(meta["greetings"])
        self.common_words = meta["common_words"]
        self.identifier_label = str(meta["identifier_label"])
        pairs = [(str(n), str(p)) for n, p in meta["pairs"]]
        self.roster, self.identifiers = [n for n, _ in pairs] or None, None
        self.pseudonyms_ = dict(pairs)
        ids = [(str(t), str(p)) for t, p in meta["ids"]]
        shapes = {(str(sh["prefix"]), int(sh["width"])): {
            "values": arrays[f"s{i}_values"].astype(np.int64), "index": arrays[f"s{i}_index"].astype(np.int64),
            "raw": arrays[f"s{i}_raw"].astype(np.int32), "own": sh["own"], "prefixes": [str(x) for x in sh["prefixes"]]}
            for i, sh in enumerate(meta["shapes"])}
        shaped = _ShapedIds(shapes, self.identifier_label) if shapes else None
        self.identifiers_ = _Identifiers(dict(ids), shaped, [int(x) for x in meta["places"]])
        common = COMMON_WORDS if self.common_words is None else self.common_words
        self._roster = _build_roster(pairs, common, ids, shaped)
        return self

    def redact(self, text: object) -> str:
        """The text with every span replaced; None and NaN become an empty string."""
        if text is None or (isinstance(text, float) and text != text):
            return ""
        s = str(text)
        out, pos = [], 0
        for span in _spans(s, self._roster, self.greetings):
            out.append(s[pos:span.start])
            kind, _, pseudonym = span.kind.partition(":")
            out.append(pseudonym if pseudonym else f"[{kind}]")
            pos = span.end
        out.append(s[pos:])
        return "".join(out)

    __call__ = redact

    def redact_frame(self, frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
        """A copy of ``frame`` with the text ``columns`` redacted."""
        out = frame.copy()
        for c in columns:
            out[c] = out[c].map(self.redact)
        return out


#: Identifiers kept as numbers (:class:`_ShapedIds`): up to 8 ASCII letters, then up to 18 digits.
_SHAPED_ID = re.compile(r"([A-Za-z]{0,8})([0-9]{1,18})")
#: Keep identifiers of that shape as numbers (False: every identifier a keyword of the automaton, as before).
_SHAPED_IDS = True


class _ShapedIds:
    """The identifiers ``LETTERS DIGITS`` (``C0001234``) as sorted numbers per (folded letters, digit count).

    A token of the folded text of that shape is an identifier when its number is in the array of its
    shape (a binary search): the same whole-token matches as the automaton, without a keyword per id.
    ``index`` holds each id's place among all identifiers (its generated pseudonym), ``own`` the
    mapping's pseudonyms, ``raw`` the letters as given (``prefixes``: their spellings).
    """

    def __init__(self, shapes: dict[tuple[str, int], dict[str, Any]], label: str) -> None:
        self.shapes = shapes
        self.label = label
        prefixes = sorted({p for p, _ in shapes}, key=len, reverse=True)
        widths = [w for _, w in shapes]
        alts = "|".join(re.escape(p) for p in prefixes)
        self._token = re.compile(rf"(?<![^ ])({alts})([0-9]{{{min(widths)},{max(widths)}}})(?![^ ])")

    def __len__(self) -> int:
        return sum(len(v["values"]) for v in self.shapes.values())

    def _find(self, prefix: str, digits: str) -> tuple[dict[str, Any], int] | None:
        shape = self.shapes.get((prefix, len(digits)))
        if shape is None:
            return None
        values, v = shape["values"], int(digits)
        i = int(np.searchsorted(values, v))
        return (shape, i) if i < len(values) and values[i] == v else None

    def scan(self, folded: str) -> list[tuple[int, int]]:
        """``(start, end)`` of every identifier token of ``folded``."""
        return [m.span() for m in self._token.finditer(folded) if self._find(m.group(1), m.group(2)) is not None]

    def _pseudonym(self, shape: dict[str, Any], i: int) -> str:
        own = shape["own"]
        return own[i] if own is not None else f"{self.label} {_letters(int(shape['index'][i]))}"

    def pseudonym(self, key: str) -> str:
        m = _SHAPED_ID.fullmatch(key)
        found = self._find(m.group(1), m.group(2)) if m else None
        if found is None:
            raise KeyError(key)
        return self._pseudonym(*found)

    def get(self, raw: str) -> str | None:
        """The pseudonym of an identifier as given (letters in the case given), or None."""
        m = _SHAPED_ID.fullmatch(raw)
        found = self._find(m.group(1).lower(), m.group(2)) if m else None
        if found is None:
            return None
        shape, i = found
        if shape["prefixes"][int(shape["raw"][i])] != m.group(1):
            return None
        return self._pseudonym(shape, i)

    def items(self) -> Iterator[tuple[int, str, str]]:
        """``(place, identifier as given, pseudonym)`` of every identifier, by shape."""
        for (_, width), shape in self.shapes.items():
            for i, v in enumerate(shape["values"].tolist()):
                raw = shape["prefixes"][int(shape["raw"][i])] + str(v).zfill(width)
                yield int(shape["index"][i]), raw, self._pseudonym(shape, i)


class _Identifiers(Mapping):
    """Identifier as given → pseudonym (:attr:`Redactor.identifiers_`), in the order given, numbers kept compact."""

    def __init__(self, listed: dict[str, str], shaped: _ShapedIds | None, places: list[int] | None = None) -> None:
        self._listed = listed
        self._shaped = shaped
        self._places = dict(zip(listed, places or range(len(listed)), strict=True))

    def __getitem__(self, raw: object) -> str:
        if raw in self._listed:
            return self._listed[raw]
        got = self._shaped.get(raw) if self._shaped is not None and isinstance(raw, str) else None
        if got is None:
            raise KeyError(raw)
        return got

    def __len__(self) -> int:
        return len(self._listed) + (len(self._shaped) if self._shaped is not None else 0)

    def __iter__(self) -> Iterator[str]:
        if self._shaped is None:
            yield from self._listed
            return
        rows = sorted([*((int(i), raw) for i, raw, _ in self._shaped.items()),
                       *((self._places[raw], raw) for raw in self._listed)])
        for _, raw in rows:
            yield raw

    def __repr__(self) -> str:
        return repr(dict(self))


def _identifier_table(identifiers: Iterable[object] | Mapping[object, str] | None, label: str,
                      common_words: Iterable[str]) -> tuple[list[tuple[str, str]], list[int], _ShapedIds | None]:
    """The identifiers worth matching (see :class:`Redactor`): ``(identifier, pseudonym)`` pairs for the
    automaton with their places among all identifiers, and those of the ``LETTERS DIGITS`` shape kept as
    numbers (:class:`_ShapedIds`).

    Pseudonyms follow the order given whichever way an identifier is kept: every candidate gets a
    sequence number, the first of each folded key survives, and a survivor's letters come from its
    rank among all survivors.
    """
    if identifiers is None:
        return [], [], None
    skip = {_key(w) for w in common_words} | _STOP_IDS
    if isinstance(identifiers, Mapping):
        items: Iterable[tuple[object, str | None]] = ((k, str(v)) for k, v in identifiers.items())
    else:
        arrow = _arrow_text(identifiers)
        if arrow is not None:  # a pyarrow array of text (Workspace.identifier_array): each once, in the order given
            import pyarrow.compute as pc

            if arrow.null_count or (len(arrow) > 1 and not pc.all(pc.less(arrow.slice(0, len(arrow) - 1),
                                                                          arrow.slice(1))).as_py()):
                arrow = pc.unique(arrow)  # (strictly ascending, as Workspace.identifier_array gives: each once)
            if len(arrow) >= VECTOR_IDS and _SHAPED_IDS:
                listed, buckets, prefix_codes = _candidates_vectorised(arrow, skip)
                return _identifier_pairs(listed, buckets, prefix_codes, label)
            unique: list[object] = arrow.to_pylist()
        else:
            unique = list(dict.fromkeys(identifiers))
            if len(unique) >= VECTOR_IDS and _SHAPED_IDS:
                listed, buckets, prefix_codes = _candidates_vectorised(unique, skip)
                return _identifier_pairs(listed, buckets, prefix_codes, label)
        items = ((k, None) for k in unique)
    listed: list[tuple[str, str | None, int]] = []
    seen: set[str] = set()
    buckets: dict[tuple[str, int], dict[str, Any]] = {}
    prefix_codes: dict[str, int] = {}
    seq = 0
    for raw, pseudonym in items:
        if raw is None or (isinstance(raw, float) and raw != raw):
            continue
        text = str(raw).strip().lstrip("@")
        m = _SHAPED_ID.fullmatch(text) if _SHAPED_IDS else None
        if m is not None:  # ASCII letters and digits: the folded key is the text in lower case
            letters, digits = m.groups()
            key = text.lower()
            if len(text) < MIN_IDENTIFIER or (not letters and len(digits) < MIN_NUMERIC_IDENTIFIER) or key in skip:
                continue
            b = buckets.setdefault((letters.lower(), len(digits)), {"values": array("q"), "seq": array("q"),
                                                                   "raw": array("l"), "own": []})
            b["values"].append(int(digits))
            b["seq"].append(seq)
            b["raw"].append(prefix_codes.setdefault(letters, len(prefix_codes)))
            b["own"].append(pseudonym)
            seq += 1
            continue
        if not _new_free_form(text, seen, skip):
            continue
        listed.append((text, pseudonym, seq))
        seq += 1
    del seen
    return _identifier_pairs(listed, buckets, prefix_codes, label)


def _new_free_form(text: str, seen: set[str], skip: set[str]) -> bool:
    """Whether a free-form identifier is worth matching and not seen yet (its folded key then added to ``seen``)."""
    key = _key(text)
    compact = key.replace(" ", "")
    if (not key or key in seen or key in skip or len(compact) < MIN_IDENTIFIER
            or (compact.isdigit() and len(compact) < MIN_NUMERIC_IDENTIFIER)):
        return False
    seen.add(key)
    return True


def _arrow_text(values: object) -> Any:
    """``values`` as one pyarrow string array when it is a pyarrow array or chunked array of text, else None."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pyarrow comes with pandas' engines
        return None
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array) and (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return values.cast(pa.string())
    return None


def _candidates_vectorised(unique: Any, skip: set[str]
                           ) -> tuple[list[tuple[str, str | None, int]], dict[tuple[str, int], dict[str, Any]],
                                      dict[str, int]]:
    """The loop of :func:`_identifier_table` over a plain list of identifiers, with those already of the bare
    ``LETTERS DIGITS`` shape (nearly all, in a real roster of customer ids) handled as Arrow columns: the same
    candidates, sequence numbers, buckets and prefix codes; every other identifier goes through the loop's steps."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(unique, pa.Array):  # already text, each once (from _arrow_text)
        arr = unique
        unique = _ArrowItems(arr)
    else:
        try:
            arr = pa.array(unique, pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: the others are read one by one below
            arr = pa.array([r if isinstance(r, str) else None for r in unique], pa.string())
    # bare: no space to strip, no @, ASCII letters then digits (RE2's ``$`` is the end of the text, as fullmatch)
    bare = pc.fill_null(pc.match_substring_regex(arr, r"^[A-Za-z]{0,8}[0-9]{1,18}$"), False).to_numpy(
        zero_copy_only=False)
    accepted = np.zeros(len(unique), dtype=bool)
    valid = np.ones(len(unique), dtype=bool)
    b = arr.filter(pa.array(bare))
    parts = pc.extract_regex(b, r"^(?P<l>[A-Za-z]{0,8})(?P<d>[0-9]{1,18})$")
    letters, digits = parts.field("l"), parts.field("d")
    ndigits = pc.utf8_length(digits).to_numpy(zero_copy_only=False)
    ok = ((pc.utf8_length(b).to_numpy(zero_copy_only=False) >= MIN_IDENTIFIER)
          & ((pc.utf8_length(letters).to_numpy(zero_copy_only=False) > 0) | (ndigits >= MIN_NUMERIC_IDENTIFIER))
          & ~pc.is_in(pc.utf8_lower(b), value_set=pa.array(sorted(skip), pa.string())).to_numpy(zero_copy_only=False))
    accepted[bare] = ok
    others: list[tuple[int, str]] = []
    shaped_rest: list[tuple[int, str, str, str]] = []
    seen: set[str] = set()
    for i in np.flatnonzero(~bare):  # the rest, one by one as in the loop
        raw = unique[i]
        if raw is None or (isinstance(raw, float) and raw != raw):
            valid[i] = False
            continue
        text = str(raw).strip().lstrip("@")
        m = _SHAPED_ID.fullmatch(text)
        if m is not None:
            letters_i, digits_i = m.groups()
            if len(text) < MIN_IDENTIFIER or (not letters_i and len(digits_i) < MIN_NUMERIC_IDENTIFIER) \
                    or text.lower() in skip:
                continue
            accepted[i] = True
            shaped_rest.append((i, text, letters_i, digits_i))
            continue
        if not _new_free_form(text, seen, skip):
            continue
        accepted[i] = True
        others.append((i, text))
    seq = np.cumsum(accepted) - 1
    listed = [(text, None, int(seq[i])) for i, text in others]
    # every shaped candidate in the order given: the bare ones (columns) and the rest (the loop's)
    keep = pa.array(ok)
    lets, digs = letters.filter(keep), digits.filter(keep)
    where = np.flatnonzero(bare)[ok]
    if shaped_rest:
        where = np.concatenate([where, np.asarray([i for i, *_ in shaped_rest], dtype=np.int64)])
        lets = pa.concat_arrays([lets, pa.array([x[2] for x in shaped_rest], pa.string())])
        digs = pa.concat_arrays([digs, pa.array([x[3] for x in shaped_rest], pa.string())])
        order = np.argsort(where, kind="stable")
        where, lets, digs = where[order], lets.take(pa.array(order)), digs.take(pa.array(order))
    codes = lets.dictionary_encode()  # prefix codes in order of first appearance, as the loop's setdefault
    prefix = codes.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    prefixes = codes.dictionary.to_pylist()
    width = pc.utf8_length(digs).to_numpy(zero_copy_only=False).astype(np.int64)
    values = pc.cast(digs, pa.int64()).to_numpy(zero_copy_only=False)
    lower = pc.utf8_lower(lets)
    shape_key = pc.binary_join_element_wise(lower, pc.cast(pa.array(width), pa.string()), "|").dictionary_encode()
    shape = shape_key.indices.to_numpy(zero_copy_only=False)
    seqs = seq[where]
    buckets = {}
    for k, key in enumerate(shape_key.dictionary.to_pylist()):
        rows = shape == k
        low, w = key.rsplit("|", 1)
        buckets[(low, int(w))] = {"values": values[rows], "seq": seqs[rows].astype(np.int64),
                                  "raw": prefix[rows], "own": []}
    return listed, buckets, {str(p): i for i, p in enumerate(prefixes)}


class _ArrowItems:
    """Item access to a pyarrow array (``len`` and ``[i]`` as a Python value), for the few values read one by one."""

    def __init__(self, arr: Any) -> None:
        self._arr = arr

    def __len__(self) -> int:
        return len(self._arr)

    def __getitem__(self, i: int) -> object:
        return self._arr[int(i)].as_py()


def _identifier_pairs(listed: list[tuple[str, str | None, int]], buckets: dict[tuple[str, int], dict[str, Any]],
                      prefix_codes: dict[str, int], label: str
                      ) -> tuple[list[tuple[str, str]], list[int], _ShapedIds | None]:
    """The end of :func:`_identifier_table`: each bucket's numbers deduplicated and ranked among all survivors."""
    prefixes = sorted(prefix_codes, key=prefix_codes.get)
    shapes: dict[tuple[str, int], dict[str, Any]] = {}
    for shape, b in buckets.items():
        values = np.frombuffer(b["values"], dtype=np.int64)
        seqs = np.frombuffer(b["seq"], dtype=np.int64)
        order = np.lexsort((seqs, values))  # by number, the first given first
        values, seqs = values[order], seqs[order]
        first = np.ones(len(values), dtype=bool)
        first[1:] = values[1:] != values[:-1]
        keep = order[first]
        own = b["own"]
        shapes[shape] = {"values": values[first].copy(), "seq": seqs[first].copy(),
                         "raw": np.frombuffer(b["raw"], dtype=np.int64)[keep].astype(np.int32),
                         "own": [own[k] for k in keep.tolist()] if own and own[0] is not None else None,
                         "prefixes": prefixes}
    del buckets
    survivors = np.sort(np.concatenate([np.asarray([s for _, _, s in listed], dtype=np.int64),
                                        *(v["seq"] for v in shapes.values())]))
    place = lambda s: np.searchsorted(survivors, s)  # noqa: E731 - rank among the survivors = letters
    for v in shapes.values():
        v["index"] = place(v.pop("seq")).astype(np.int64)
    places = [int(place(s)) for _, _, s in listed]
    pairs = [(text, pseudonym or f"{label} {_letters(k)}") for (text, pseudonym, _), k in zip(listed, places, strict=True)]
    return pairs, places, (_ShapedIds(shapes, label) if shapes else None)


def _build_roster(pairs: list[tuple[str, str]], common_words: Iterable[str],
                  identifiers: list[tuple[str, str]] | None = None, shaped: _ShapedIds | None = None
                  ) -> _Roster | None:
    if not pairs and not identifiers and shaped is None:
        return None
    alias: dict[str, str] = {}
    for full, pseudonym in pairs:
        if _key(full):
            alias.setdefault(_key(full), pseudonym)
    for full, pseudonym in pairs:  # first and last names alone, unless ambiguous
        for part in full.split():
            key = _key(part)
            if len(part) > 2 and key and key not in _PARTICLES:
                if key in alias and alias[key] != pseudonym:
                    alias[key] = "[name]"
                else:
                    alias.setdefault(key, pseudonym)
    words = {_key(w) for w in common_words}
    common = frozenset(k for k in alias if " " not in k and k in words)
    idents = set()
    for raw, pseudonym in identifiers or []:  # whole tokens only: never split into parts like names
        key = _key(raw)
        if key not in alias:
            alias[key] = pseudonym
            idents.add(key)
    return _Roster(_Index(alias, shaped), alias, common, frozenset(idents), shaped)


#: from this many identifiers (given as a list, not a mapping) the candidates are found column-wise
VECTOR_IDS = 5000
MIN_IDENTIFIER = 3  # least letters and digits of an identifier worth matching ("C1" would hit every "c1")
MIN_NUMERIC_IDENTIFIER = 5  # least digits of an all-digit identifier (a 4-digit id is a year, a price, a PIN)
_STOP_IDS = frozenset("""admin administrator agent anonymous bot customer guest info mail none null nan root sales
service staff support system team test unknown user""".split())


def _letters(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


# --------------------------------------------------------------------------- evaluation


def score_redaction(texts: pd.DataFrame, gold: pd.DataFrame, roster: Any = None, id_col: str = "id",
                    text_col: str = "text", confidence: float = 0.95) -> pd.DataFrame:
    """Precision and recall of :func:`find_pii` per kind against labelled spans.

    Parameters
    ----------
    texts : DataFrame
        One row per text: columns ``id`` and ``text``.
    gold : DataFrame
        One row per personal value: ``id``, ``kind``, ``start``, ``end`` (character offsets).
    roster : names, mapping or :class:`Redactor`, optional
        Passed to :func:`find_pii`.
    id_col, text_col : str
        Column names.
    confidence : float
        Level of the Wilson intervals.

    Returns
    -------
    DataFrame
        Per kind and ``all``: ``gold`` values, ``found`` (covered whole by a span of the same
        kind), ``recall`` with ``recall_low``/``recall_high``; ``predicted`` spans, ``correct``
        (overlapping a value of the same kind), ``precision`` with its interval; ``hidden``:
        values covered by a span of any kind.

    Notes
    -----
    Recall = found / gold; precision = correct / predicted; Wilson score intervals
    (:func:`carelib.metrics.intervals.wilson`).

    Examples
    --------
    >>> t = pd.DataFrame({"id": [1, 2], "text": ["call 0612345678", "order 12345678"]})
    >>> g = pd.DataFrame({"id": [1], "kind": ["phone"], "start": [5], "end": [15]})
    >>> score_redaction(t, g)[["kind", "gold", "found", "predicted", "correct"]].values.tolist()
    [['phone', 1, 1, 1, 1], ['all', 1, 1, 1, 1]]
    """
    from carelib.metrics.intervals import wilson

    r = roster if isinstance(roster, Redactor) else Redactor(roster)
    pred = {k: find_pii(t, r) for k, t in zip(texts[id_col], texts[text_col], strict=True)}
    rows: dict[str, list[int]] = {}
    for key, p in pred.items():
        g = gold[gold[id_col] == key]
        for kind, s, e in zip(g["kind"], g["start"], g["end"], strict=True):
            row = rows.setdefault(kind, [0, 0, 0, 0, 0])
            row[0] += 1
            row[1] += bool(((p["kind"] == kind) & (p["start"] <= s) & (p["end"] >= e)).any())
            row[4] += bool(((p["start"] <= s) & (p["end"] >= e)).any())
        for kind, s, e in zip(p["kind"], p["start"], p["end"], strict=True):
            row = rows.setdefault(kind, [0, 0, 0, 0, 0])
            row[2] += 1
            row[3] += bool(((g["kind"] == kind) & (g["start"] < e) & (g["end"] > s)).any())
    out = pd.DataFrame([[k, *v] for k, v in sorted(rows.items())],
                       columns=["kind", "gold", "found", "predicted", "correct", "hidden"])
    out.loc[len(out)] = ["all", *out.iloc[:, 1:].sum()]
    out["recall"] = out["found"] / out["gold"]
    out["recall_low"], out["recall_high"] = wilson(out["found"], out["gold"], confidence)
    out["precision"] = out["correct"] / out["predicted"]
    out["precision_low"], out["precision_high"] = wilson(out["correct"], out["predicted"], confidence)
    return out[["kind", "gold", "found", "recall", "recall_low", "recall_high", "predicted", "correct", "precision",
                "precision_low", "precision_high", "hidden"]]

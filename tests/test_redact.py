"""Redaction of personal data: kinds, stable pseudonyms, and what must survive."""

import pandas as pd

from carelib.text.redact import Redactor, find_pii


def test_each_kind_is_replaced():
    r = Redactor()
    text = ("Mail ana.k+orders@example.co.uk, call +44 7700 900123 or (020) 7946-0958, card 4111 1111 1111 1111, "
            "IBAN GB82 WEST 1234 5698 7654 32, see https://track.example.com/a?id=9 and www.x.io, ping @ana_k")
    out = r.redact(text)
    for kind in ("[email]", "[phone]", "[card]", "[iban]", "[url]", "[handle]"):
        assert kind in out, kind
    for secret in ("ana.k", "7700", "7946", "4111", "WEST", "track.example", "@ana_k"):
        assert secret not in out, secret


def test_numbers_that_are_not_personal_survive():
    r = Redactor()
    text = "Order O000123 of 2026-11-20 at 10:30 cost 54.00; 3 items; ticket T00012; card 1234 5678 9012 3456"
    assert r.redact(text) == text  # the last number fails the Luhn check: not a card


def test_stable_pseudonyms_full_and_partial_names_case_insensitive():
    r = Redactor(["Ruth Okafor", "Jonas Brandt"])
    a = r.redact("Ruth Okafor said RUTH was tired; jonas agreed with Ruth.")
    assert a == "Customer A said Customer A was tired; Customer B agreed with Customer A."
    assert Redactor(["Ruth Okafor", "Jonas Brandt"]).redact("Jonas") == "Customer B"  # same order, same pseudonym
    assert Redactor({"Ruth Okafor": "P01"}).redact("Hi Ruth!") == "Hi P01!"
    assert r.redact("Truthful answers") == "Truthful answers"  # whole words only


def test_ambiguous_first_names_become_name_and_frame_redaction():
    r = Redactor(["Sam Lee", "Sam Ortiz"])
    assert r.redact("Sam called") == "[name] called"
    assert r.redact("Sam Ortiz called") == "Customer B called"
    df = pd.DataFrame({"text": ["Sam Lee wrote sam@lee.io", None]})
    assert r.redact_frame(df, ["text"])["text"].tolist() == ["Customer A wrote [email]", ""]


def test_find_pii_spans():
    f = find_pii("Write to a@b.io now")
    assert f[["kind", "start", "end"]].values.tolist() == [["email", 9, 15]]

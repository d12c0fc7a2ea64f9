"""``link``: links and addresses that send people, or their data, somewhere they should not go.

Unlike the pattern rules, these signals depend on the company's own domains:
a trusted domain (or a subdomain of one) is never suspicious, and a
look-alike of one (``vo1twise``, ``voltwise-refunds.example.net``) is strong
evidence. Other signals: executable downloads, URL shorteners, bare public IP
hosts, query strings that carry a template or a blob of data (a Markdown
image is the classic leak), and "visit / log in at" right before an unknown
link. A link to an unknown domain alone is a weak cue ("visit our store" is
everyday help text).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from ragfort.injection.normalize import LEET, NormalisedText, text_before

__all__ = ["LINK", "LinkRules", "url_host"]

LINK = "link"

_URL = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s<>\"'`)\]]+", re.IGNORECASE)
_BARE_URL = re.compile(r"(?<![@\w.-])(?:[a-z0-9-]+\.)+[a-z]{2,12}/[^\s<>\"'`)\]]*", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@((?:[\w-]+\.)+[a-z]{2,})\b", re.IGNORECASE)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*(https?://[^\s)]+)", re.IGNORECASE)
_GO_TO_LINK = re.compile(
    r"\b(?:visit|go to|click|open|log ?in (?:at|on)|sign ?in (?:at|on)|download\b.{0,40}?\bfrom|navigate to|head to|"
    r"redirect \S+ to|follow (?:this|the) link|enter .{0,40}? (?:at|on))\s*$"
)
_EXECUTABLE = re.compile(r"\.(?:apk|exe|msi|dmg|pkg|bat|cmd|scr|ps1|sh|jar|vbs)(?:$|[?#])", re.IGNORECASE)
_SHORTENERS = frozenset({"bit", "bitly", "tinyurl", "goo", "ow", "cutt", "shorturl", "rebrand", "buff", "tiny", "is"})
# A query string that carries a template ("{conversation}") or a long blob, or a parameter named for data.
_QUERY_DATA = re.compile(
    r"[?&][^=\s]*=(?:[^&\s]*(?:\{|%7b|\[|\$|<)|[^&\s]{40,})"
    r"|[?&](?:q|d|data|msg|c|conv|chat|prompt|secret|token|key|email|user|u|pin|pw|pass)=",
    re.IGNORECASE,
)


class LinkRules:
    """The link signals of a text, given the company's own domains.

    Args:
        trusted_domains: the company's host names (case and a leading dot do
            not matter); their subdomains are trusted too, and each name's
            first label, when four letters or longer, is a brand whose
            look-alikes count.
    """

    def __init__(self, trusted_domains: Iterable[str]) -> None:
        self.trusted_domains = tuple(d.lower().lstrip(".") for d in trusted_domains)
        self._brands = tuple({d.split(".")[0] for d in self.trusted_domains if len(d.split(".")[0]) >= 4})

    def signals(self, text: str, norm: NormalisedText) -> list[tuple[float, int, int]]:
        """``(weight, start, end)`` per signal, as offsets into `text`; one link can give several."""
        if "." not in text:
            return []
        out: list[tuple[float, int, int]] = []
        image_urls = {m.group(1) for m in _MD_IMAGE.finditer(text)}
        urls = [m for m in _URL.finditer(text)]
        urls += [m for m in _BARE_URL.finditer(text) if not any(u.start() <= m.start() < u.end() for u in urls)]
        for m in urls:
            url = m.group(0).rstrip(".,;:!?")
            host = url_host(url)
            if self.trusted(host):
                continue
            s, e = m.start(), m.start() + len(url)
            out.append((0.15, s, e))
            if self.lookalike(host):
                out.append((0.7, s, e))
            if _EXECUTABLE.search(url.split("#")[0]):
                out.append((0.55, s, e))
            if host.split(".")[0] in _SHORTENERS:
                out.append((0.35, s, e))
            if _public_ip(host):
                out.append((0.4, s, e))
            if _QUERY_DATA.search(url):
                out.append((0.65 if url in image_urls else 0.5, s, e))
            if _GO_TO_LINK.search(text_before(norm, s)):
                out.append((0.4, s, e))
        for m in _EMAIL.finditer(text):
            host = m.group(1).lower()
            if not self.trusted(host) and self.lookalike(host):
                out.append((0.6, m.start(), m.end()))
        return out

    def trusted(self, host: str) -> bool:
        """`host` is a trusted domain or a subdomain of one."""
        return any(host == d or host.endswith("." + d) for d in self.trusted_domains)

    def lookalike(self, host: str) -> bool:
        """A label of `host` (or a hyphen-separated part of one) is a brand or within one edit of it."""
        if not self._brands:
            return False
        parts = [p for label in host.split(".") for p in label.split("-") if p]
        folded = [p.translate(LEET) for p in parts]
        return any(_within_one_edit(p, brand) for p in (*parts, *folded) for brand in self._brands)


def url_host(url: str) -> str:
    """The lower-case host of a link or an e-mail address: ``https://a.example/x?y`` and ``me@a.example`` give
    ``a.example``."""
    url = url.rstrip(".,;:!?")
    host = re.sub(r"^(?:https?://)?(?:[^@/]*@)?", "", url, flags=re.IGNORECASE).split("/")[0].split(":")[0]
    return host.split("?")[0].lower()


def _public_ip(host: str) -> bool:
    """A link to a bare public IP address; private ones are routers and hubs on the customer's own network."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not (address.is_private or address.is_loopback or address.is_link_local)


def _within_one_edit(a: str, b: str) -> bool:
    """`a` and `b` are equal or one substitution, insertion or deletion apart (both at least four letters)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 4:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))

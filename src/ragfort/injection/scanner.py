"""The scanner: one text in, a score and one hit per technique out.

It normalises the text, runs the pattern rules whose anchors occur, adds the
link signals, scans decoded base64 payloads once more, and raises the
``hidden_markup`` and ``obfuscation`` context signals for matches found in
hidden markup or uncovered by de-obfuscation. Each technique counts once, at
its strongest hit; the hits combine as independent evidence,
``score = 1 - prod(1 - weight)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ragfort.injection.normalize import NormalisedText, normalise
from ragfort.injection.rules import RULES
from ragfort.injection.rules.context import (
    HIDDEN_MARKUP,
    HIDDEN_WEIGHT,
    OBFUSCATION,
    OBFUSCATION_WEIGHT,
    hidden_spans,
)
from ragfort.injection.rules.encoded import CUE_WEIGHT, ENCODED, PAYLOAD_FLOOR, base64_payloads, encoding_cue
from ragfort.injection.rules.links import LINK, LinkRules

__all__ = ["CUSTOM", "InjectionHit", "InjectionScan", "InjectionScanner"]

# The technique of a match of the caller's `extra_patterns`; such a match alone flags the text.
CUSTOM = "custom"
_CUSTOM_WEIGHT = 1.0


@dataclass(frozen=True, slots=True)
class InjectionHit:
    """One technique found in a text: its strongest match, as offsets into the original text."""

    technique: str
    weight: float
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class InjectionScan:
    """The verdict on one text: the combined score and one hit per technique found."""

    score: float
    hits: tuple[InjectionHit, ...]

    @property
    def techniques(self) -> tuple[str, ...]:
        """The techniques found, strongest first."""
        return tuple(h.technique for h in self.hits)


class InjectionScanner:
    """Scores texts for injected instructions; the injection guard's engine, usable alone.

    Args:
        trusted_domains: the company's own domains: their links are not
            suspicious, and look-alikes of them are (see `LinkRules`).
        extra_patterns: extra regular expressions on the normalised text.
    """

    def __init__(self, *, trusted_domains: Iterable[str] = (), extra_patterns: Iterable[str] = ()) -> None:
        self._links = LinkRules(trusted_domains)
        self.trusted_domains = self._links.trusted_domains
        self._extra = tuple(re.compile(p) for p in extra_patterns)

    @property
    def links(self) -> LinkRules:
        """The link rules, built from `trusted_domains`."""
        return self._links

    def scan(self, text: str) -> InjectionScan:
        """Score `text`; hits carry offsets into `text`."""
        best: dict[str, InjectionHit] = {}
        self._scan_into(text, best, depth=0)
        return _combine(best)

    # -- internals --------------------------------------------------------------
    def _scan_into(self, text: str, best: dict[str, InjectionHit], *, depth: int) -> None:
        norm = normalise(text)
        hidden = hidden_spans(text)
        matched: list[tuple[int, int, int, int]] = []  # normalised and original spans of rule matches

        def add(technique: str, weight: float, ns: int, ne: int) -> None:
            start, end = norm.index[ns], norm.index[max(ns, ne - 1)] + 1
            matched.append((ns, ne, start, end))
            _keep(best, InjectionHit(technique, weight, start, end))

        t = norm.text
        for rule in RULES:
            if not any(a in t for a in rule.anchors):
                continue
            m = rule.pattern.search(t)
            if m is not None:  # the first match is enough: a technique counts once, at its strongest rule
                add(rule.technique, rule.weight, *m.span())
        for pattern in self._extra:
            m = pattern.search(t)
            if m is not None:
                add(CUSTOM, _CUSTOM_WEIGHT, *m.span())
        for weight, start, end in self._links.signals(text, norm):
            _keep(best, InjectionHit(LINK, weight, start, end))
            matched.append((-1, -1, start, end))
        if depth == 0:
            self._scan_encoded(text, norm, best)
        for ns, ne, start, end in matched:
            if any(hs < end and start < he for hs, he in hidden):
                _keep(best, InjectionHit(HIDDEN_MARKUP, HIDDEN_WEIGHT, start, end))
            if ns >= 0 and any(norm.altered[ns:ne]):
                _keep(best, InjectionHit(OBFUSCATION, OBFUSCATION_WEIGHT, start, end))

    def _scan_encoded(self, text: str, norm: NormalisedText, best: dict[str, InjectionHit]) -> None:
        """Scan each base64 payload once more; a payload that scores at all is an ``encoded`` hit."""
        for start, end, decoded in base64_payloads(text):
            inner: dict[str, InjectionHit] = {}
            self._scan_into(decoded, inner, depth=1)
            scan = _combine(inner)
            if scan.score > 0:
                _keep(best, InjectionHit(ENCODED, max(PAYLOAD_FLOOR, scan.score), start, end))
        cue = encoding_cue(text, norm)
        if cue is not None:
            _keep(best, InjectionHit(ENCODED, CUE_WEIGHT, *cue))


def _keep(best: dict[str, InjectionHit], hit: InjectionHit) -> None:
    """Record `hit` unless its technique already has one at least as strong."""
    old = best.get(hit.technique)
    if old is None or hit.weight > old.weight:
        best[hit.technique] = hit


def _combine(best: dict[str, InjectionHit]) -> InjectionScan:
    """The scan of the hits: independent evidence, hits strongest first."""
    miss = 1.0
    for hit in best.values():
        miss *= 1.0 - hit.weight
    hits = tuple(sorted(best.values(), key=lambda h: (-h.weight, h.start)))
    return InjectionScan(score=round(1.0 - miss, 6), hits=hits)

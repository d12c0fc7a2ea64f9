"""Account, customer and passport numbers: an identifier right after the label that names it.

These numbers have no universal format (a bank account is 6 to 12 digits, a
customer id may be "CU-889120" or "K-2231-77"), so the label is the
evidence: "account no. 48213377", "Kundennummer 7781234", "customer ID:
CU-889120", "passport number X1234567". A digit run without such a label
(an order number, a price, a year) is not reported.

Values must hold at least four digits (five for passports) so that a label
followed by an ordinary word or a short count ("account 2 of 3") is left
alone. The values themselves are upper- or lower-case letters, digits and
single dashes, slashes or spaces between digit groups.

The policy's own custom ``ACCOUNT_NUMBER`` regex (``ACC-12345678``) reports
the same entity name, so a value both find is one detection after the
overlap step.
"""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from ragfort.pii.cues import CuedValueRecognizer, result

__all__ = ["AccountNumberRecognizer", "CustomerNumberRecognizer", "PassportNumberRecognizer"]

# Letters, digits, single dashes/slashes/dots inside; groups of three or more digits may
# follow a single space ("0049 2281 7734"), so "48213377 2 days ago" ends before the "2".
_ID = re.compile(
    r"(?<![\w-])(?:(?-i:[A-Z]{1,4})[ ]|[a-z]{1,4}[-/]?)?\d[\dA-Z]*(?:(?:[-/.]|[ ](?=\d{3}))[\dA-Z]+){0,5}(?![\w-])",
    re.IGNORECASE,
)
_ID_WITH_LETTERS = re.compile(r"(?<![\w-])(?=[a-z0-9-]*\d)[a-z][a-z0-9]*(?:-[a-z0-9]+){0,3}(?![\w-])", re.IGNORECASE)


def _digits(value: str) -> int:
    return sum(c.isdigit() for c in value)


class AccountNumberRecognizer(CuedValueRecognizer):
    """`ACCOUNT_NUMBER`: an id right after "account number", "acct", "Kontonummer", ..."""

    ENTITY = "ACCOUNT_NUMBER"
    CUE = re.compile(
        r"(?<!\w)(?:(?:bank\s+)?account(?:\s+(?:number|no\.?|nr\.?|num(?:ber)?|#|id|ref(?:erence)?))?|"
        r"acct\.?(?:\s+(?:number|no\.?|#))?|a/c(?:\s+no\.?)?|kontonummer|konto(?:-?nr\.?)?|"
        r"num[ée]ro\s+de\s+compte|n°\s+de\s+compte|n[úu]mero\s+de\s+cuenta|cuenta|numero\s+di\s+conto|"
        r"billing\s+account|utility\s+account)(?!\w)",
        re.IGNORECASE,
    )
    VALUE = _ID

    def accept(self, value: str) -> bool:
        """Four to twenty digits in an id of at most 34 characters."""
        return 4 <= _digits(value) <= 20 and len(value) <= 34


class CustomerNumberRecognizer(CuedValueRecognizer):
    """`CUSTOMER_NUMBER`: an id after "customer number/ID", "client no.", "Kundennummer", ..."""

    ENTITY = "CUSTOMER_NUMBER"
    CUE = re.compile(
        r"(?<!\w)(?:(?:customer|client|member(?:ship)?|loyalty|subscriber|frequent\s+flyer|rewards|user|contract|"
        r"patient|policy|policyholder)\s+(?:number|no\.?|nr\.?|#|id|ref(?:erence)?|code)|"
        r"(?:rail|smart|member(?:ship)?|loyalty|library)\s?card(?:\s+(?:number|no\.?|nr\.?|#|id))?|"
        r"tessera(?:\s+(?:n\.?|numero))?|"
        r"student\s+(?:number|no\.?|nr\.?|#|id)|(?:numero\s+di\s+)?matricola|matrikel(?:nummer|-?nr\.?)|"
        r"mitglieds(?:nummer|-?nr\.?)|p[óo]liza(?:\s+(?:n\.?º|n[úu]mero|no\.?))?|num[ée]ro\s+(?:d['’])?[ée]tudiant|"
        r"tenant\s+(?:reference|ref\.?|number|no\.?|id)|"
        r"client[ea]\s+(?:n\.?º|n[úu]m(?:ero)?\.?|no\.?)|"
        r"kunden(?:nummer|-?nr\.?|-?id)|vertragsnummer|mitgliedsnummer|"
        r"num[ée]ro\s+(?:de\s+)?(?:client|contrat|adh[ée]rent)|n°\s+(?:de\s+)?client|"
        r"n[úu]mero\s+de\s+(?:cliente|soci[oa]|contrato|paciente|p[óo]liza)|"
        r"(?:numero|codice)\s+(?:cliente|contratto))(?!\w)",
        re.IGNORECASE,
    )
    VALUE = re.compile(f"{_ID.pattern}|{_ID_WITH_LETTERS.pattern}", re.IGNORECASE)

    def accept(self, value: str) -> bool:
        """Four to twenty digits in an id of at most 34 characters."""
        return 4 <= _digits(value) <= 20 and len(value) <= 34

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Values after a label, and after a bare "policy" when they hold six digits or more ("policy 88-4471-902")."""
        found = super().analyze(text, entities, nlp_artifacts)
        taken = {(r.start, r.end) for r in found}
        for cue in _BARE_POLICY.finditer(text):
            m = self.value_after(text, cue.end())
            if m is not None and _digits(m.group()) >= 6 and (m.start(), m.end()) not in taken:
                found.append(result(self, self.ENTITY, m.start(), m.end(), self._score))
        return found


# "insured with PawGuard, policy 88-4471-902": a policy's number without the word "number".
_BARE_POLICY = re.compile(r"(?<!\w)policy(?!\w)", re.IGNORECASE)


class PassportNumberRecognizer(CuedValueRecognizer):
    """`PASSPORT_NUMBER`: 1-2 letters and 6-9 digits, 8-10 digits, or 9 capitals and digits after a passport cue."""

    ENTITY = "PASSPORT_NUMBER"
    CUE = re.compile(
        r"(?<!\w)(?:passport(?:\s+(?:number|no\.?|nr\.?|#|id))?|reisepass(?:nummer)?|passnummer|pass-?nr\.?|"
        r"passeport|num[ée]ro\s+de\s+passeport|pasaporte|n[úu]mero\s+de\s+pasaporte|passaporto)(?!\w)",
        re.IGNORECASE,
    )
    VALUE = re.compile(r"(?<![\w-])[a-z0-9]{6,10}(?![\w-])", re.IGNORECASE)

    def accept(self, value: str) -> bool:
        """The international passport shapes: letters then digits, 8-10 digits, or a 9-character mix."""
        if re.fullmatch(r"[A-Za-z]{1,2}\d{6,9}|\d{8,10}", value):
            return True
        # German (C01X00T47), French (12AB34567) and other passports mix capitals and digits in 9 characters.
        return len(value) == 9 and _digits(value) >= 5 and value == value.upper()

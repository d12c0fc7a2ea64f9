"""PII protection: detection, pseudonymization, the vault, and ingest-time redaction.

Recognizers *find* (`ragfort.pii.detect`), operators *change*
(`ragfort.pii.pseudonym`), the vault *remembers* (`ragfort.pii.vault`). The
guard that runs them at each stage is `ragfort.guards.pii.PIIGuard`.
"""

from __future__ import annotations

from ragfort.pii import _torchless  # noqa: F401  (first: keeps torch out, see the module)
from ragfort.pii.corpus import CorpusRedaction, ReplacedEntity, redact_corpus
from ragfort.pii.detect import Detection, Detector, get_detector
from ragfort.pii.pseudonym import (
    PLACEHOLDER_RE,
    RedactedText,
    Replacement,
    SessionMapping,
    apply,
    neutralize,
    placeholder_spans,
)
from ragfort.pii.settings import DEFAULT_ENTITIES, NER_ENTITIES, Operator, PIISettings, RecognizerSpec
from ragfort.pii.vault import KEY_ENV, MemoryVault, SQLiteVault, Vault, VaultKeys, VaultRecord, open_vault

__all__ = [
    "DEFAULT_ENTITIES",
    "KEY_ENV",
    "NER_ENTITIES",
    "PLACEHOLDER_RE",
    "CorpusRedaction",
    "Detection",
    "Detector",
    "MemoryVault",
    "Operator",
    "PIISettings",
    "RecognizerSpec",
    "RedactedText",
    "ReplacedEntity",
    "Replacement",
    "SQLiteVault",
    "SessionMapping",
    "Vault",
    "VaultKeys",
    "VaultRecord",
    "apply",
    "get_detector",
    "neutralize",
    "open_vault",
    "placeholder_spans",
    "redact_corpus",
]

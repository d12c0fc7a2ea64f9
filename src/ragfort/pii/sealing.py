"""The vault's secret and what it seals: the key, its derived sub-keys, and the record format.

`VaultKeys` reads the secret from ``RAGFORT_VAULT_KEY`` (URL-safe base64 of
32 bytes) or from ``vault.key`` in the data dir (created 0600 on first use)
and derives, with HKDF, one sub-key each for encryption, row scopes,
per-tenant hash salts and corpus placeholders. Every vault backend
(`ragfort.pii.vault`, `ragfort.pii.vault_redis`) stores what it seals and
nothing else; this module knows no backend.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ragfort.errors import ConfigError
from ragfort.paths import data_dir

__all__ = ["KEY_ENV", "VaultKeys", "VaultRecord"]

KEY_ENV = "RAGFORT_VAULT_KEY"
_SEP = "\x1f"


@dataclass(frozen=True, slots=True)
class VaultRecord:
    """One mapping: a placeholder, the entity type it stands for, and the original value.

    `from_customer` is True when the customer typed the value (only those are
    restored for the owner; values found in passages or answers are not theirs).
    """

    placeholder: str
    entity: str
    value: str
    from_customer: bool = False


class VaultKeys:
    """The vault secret and the sub-keys derived from it.

    Args:
        secret: 32 random bytes.
    """

    def __init__(self, secret: bytes) -> None:
        if len(secret) != 32:
            raise ConfigError(f"vault key must be 32 bytes, got {len(secret)}")
        self._aead = AESGCM(self._derive(secret, b"ragfort vault encryption"))
        self._scope_key = self._derive(secret, b"ragfort vault scope")
        self._salt_key = self._derive(secret, b"ragfort tenant hash salt")
        self._corpus_key = self._derive(secret, b"ragfort corpus placeholders")

    @staticmethod
    def _derive(secret: bytes, info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)

    @classmethod
    def load(cls, *, path: Path | None = None) -> VaultKeys:
        """Keys from ``$RAGFORT_VAULT_KEY``, else from the key file (created 0600 if absent).

        Args:
            path: the key file; default ``data_dir()/vault.key``.
        """
        env = os.environ.get(KEY_ENV)
        if env:
            return cls(_decode_key(env, source=f"${KEY_ENV}"))
        path = path or data_dir() / "vault.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                # O_EXCL: two processes starting together must not both write a key.
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "wb") as f:
                    f.write(base64.urlsafe_b64encode(os.urandom(32)))
        return cls(_decode_key(path.read_text().strip(), source=str(path)))

    def scope(self, tenant: str, session: str) -> str:
        """The opaque row key for a tenant's session."""
        return hmac.new(self._scope_key, f"{tenant}{_SEP}{session}".encode(), hashlib.sha256).hexdigest()

    def tenant_salt(self, tenant: str) -> bytes:
        """The salt the ``hash`` operator uses for `tenant`."""
        return hmac.new(self._salt_key, tenant.encode(), hashlib.sha256).digest()

    def corpus_tag(self, namespace: str, value: str, *, length: int = 8) -> str:
        """A keyed hex tag for a corpus value (see `ragfort.pii.pseudonym`)."""
        digest = hmac.new(self._corpus_key, f"{namespace}{_SEP}{value}".encode(), hashlib.sha256).hexdigest()
        return digest[:length]

    def seal(self, tenant: str, session: str, record: VaultRecord) -> bytes:
        """Encrypt `record.value`, bound to its tenant, session and placeholder."""
        nonce = os.urandom(12)
        aad = f"{tenant}{_SEP}{session}{_SEP}{record.placeholder}".encode()
        return nonce + self._aead.encrypt(
            nonce, f"{record.entity}{_SEP}{int(record.from_customer)}{_SEP}{record.value}".encode(), aad
        )

    def seal_text(self, tenant: str, session: str, label: str, text: str) -> bytes:
        """Encrypt any text bound to its tenant, session and `label` (a conversation's stored messages)."""
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, text.encode(), f"{tenant}{_SEP}{session}{_SEP}{label}".encode())

    def open_text(self, tenant: str, session: str, label: str, blob: bytes) -> str | None:
        """Decrypt `seal_text`'s output; None if it was not sealed for this tenant, session and label."""
        try:
            return self._aead.decrypt(blob[:12], blob[12:], f"{tenant}{_SEP}{session}{_SEP}{label}".encode()).decode()
        except (InvalidTag, ValueError):
            return None

    def open(self, tenant: str, session: str, placeholder: str, blob: bytes) -> VaultRecord | None:
        """Decrypt a sealed record; None if it was not sealed for this tenant, session and placeholder."""
        aad = f"{tenant}{_SEP}{session}{_SEP}{placeholder}".encode()
        try:
            plain = self._aead.decrypt(blob[:12], blob[12:], aad).decode()
        except (InvalidTag, ValueError):
            return None
        entity, _, rest = plain.partition(_SEP)
        owned, _, value = rest.partition(_SEP)
        return VaultRecord(placeholder=placeholder, entity=entity, value=value, from_customer=owned == "1")


def _decode_key(text: str, *, source: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.encode())
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(f"vault key from {source} is not URL-safe base64: {exc}") from exc
    if len(key) != 32:
        raise ConfigError(f"vault key from {source} must decode to 32 bytes, got {len(key)}")
    return key

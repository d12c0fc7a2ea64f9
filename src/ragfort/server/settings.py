"""Server settings from flags, environment (``RAGFORT_*``) and ``.env``.

Every field reads ``RAGFORT_<NAME>`` (the data dir reads ``RAGFORT_HOME``);
mappings such as ``RAGFORT_TENANTS`` are JSON. ``ragfort serve`` flags
override the environment.

Auth modes (``RAGFORT_AUTH``):

* ``on``: every API call needs ``Authorization: Bearer <key>``.
* ``off``: no keys; every caller is the ``default`` tenant (tests, demos).
* ``auto`` (the default): off only while the server binds a loopback
  address *and* no key has been created yet, so ``ragfort serve`` on a
  laptop works out of the box; on in every other case.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ragfort.errors import ConfigError

__all__ = ["TENANT_RE", "RateLimit", "ServerSettings", "TenantSettings", "is_loopback", "load_settings"]

# Tenant names become folder names (traces) and metric labels: keep them tame.
TENANT_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def check_tenant(name: str) -> str:
    """`name` if it is a valid tenant name, else ValueError naming it."""
    if not isinstance(name, str) or not TENANT_RE.match(name):
        raise ValueError(
            f"tenant names are 1-63 lowercase letters, digits, '-' or '_' (starting with a letter or digit), "
            f"got {name!r}"
        )
    return name


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (``127.0.0.1``, ``::1``, ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class RateLimit(BaseModel):
    """A token bucket: `per_second` tokens refill continuously, at most `burst` are held.

    ``per_second: 0`` turns rate limiting off.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_second: float = Field(default=5.0, ge=0)
    burst: int = Field(default=20, ge=1)


class TenantSettings(BaseModel):
    """Per-tenant overrides; unset fields fall back to the server-wide ones."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: str | None = None
    index: str | None = None
    rate_limit: RateLimit | None = None


class ServerSettings(BaseSettings):
    """Everything `create_app` needs; each field reads ``RAGFORT_<NAME>`` from the environment.

    Args:
        index: the default index folder.
        policy: the default policy (file or shipped name).
        data_dir: state folder (keys, feedback, traces); ``RAGFORT_HOME``.
        host: the address the server binds (decides ``auth: auto``).
        auth: ``on``, ``off`` or ``auto`` (see the module docstring).
        tenants: tenant name → policy/index/rate-limit overrides.
        rate_limit: the default per-key token bucket.
        max_body_bytes: larger request bodies get 413.
        cors_origins: origins allowed to call the API from a browser
            (empty: no CORS headers; same-origin use, like the bundled page, needs none).
        traces: write one JSON line per request under ``data_dir/traces/<tenant>/``.
        stream_buffer: answer chunks buffered per streaming request before
            the pipeline waits for a slow client.
        warmup: run one request per pipeline at start-up so the first
            customer does not pay for lazy loading.
        json_logs: structured JSON log lines (set by ``ragfort serve``).
        redis_url: ``RAGFORT_REDIS_URL``: shared state for replicas. Rate
            limits and the PII vault (``vault: auto``) go to Redis, and so
            does the answer cache when the policy's ``cache.backend`` is
            ``auto`` or ``redis`` (see docs/operations.md).
        llm_base_url: ``RAGFORT_LLM_BASE_URL``: an OpenAI-compatible chat
            completions endpoint (needs ``ragfort[openai]``); unset with no
            model: the extractive generator, no LLM.
        llm_model: ``RAGFORT_LLM_MODEL``: the model name sent to that endpoint.
        llm_api_key: ``RAGFORT_LLM_API_KEY`` (never logged).
        llm_timeout_s: the HTTP timeout of one LLM call (the policy's
            generation budget usually cuts it shorter).
        retry_after_s: the ``Retry-After`` sent with 503s while a backend is down.
        history_turns: exchanges of a session's conversation the service keeps
            (redacted and sealed, see `ragfort.server.sessions`) and passes to
            the chain with each follow-up; 0 keeps none.
        history_ttl_s: seconds an idle session's conversation is kept; keep it
            no longer than the PII guard's ``vault_ttl_s`` (placeholders in the
            history only match the next question while the mapping lives).
    """

    # populate_by_name: `ServerSettings(data_dir=...)` works as well as RAGFORT_HOME.
    model_config = SettingsConfigDict(env_prefix="RAGFORT_", env_file=".env", extra="ignore", populate_by_name=True)

    index: str = ".ragfort/index"
    policy: str = "support_agent"
    data_dir: str = Field(default=".ragfort", validation_alias="RAGFORT_HOME")
    host: str = "127.0.0.1"
    auth: Literal["on", "off", "auto"] = "auto"
    tenants: dict[str, TenantSettings] = Field(default_factory=dict)
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    max_body_bytes: int = Field(default=64 * 1024, gt=0)
    cors_origins: list[str] = Field(default_factory=list)
    traces: bool = True
    stream_buffer: int = Field(default=32, ge=1, le=10_000)
    warmup: bool = True
    json_logs: bool = False
    redis_url: str | None = None
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = Field(default=30.0, gt=0, le=600)
    retry_after_s: int = Field(default=5, ge=1, le=3600)
    history_turns: int = Field(default=10, ge=0, le=100)
    history_ttl_s: float = Field(default=3600.0, gt=0, le=30 * 86400)

    @field_validator("redis_url", "llm_base_url", "llm_model")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        # `RAGFORT_REDIS_URL=` in a compose file means "not set", not "the empty URL".
        return value or None

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"must be a redis://, rediss:// or unix:// URL, got {value!r}")
        return value

    @field_validator("tenants")
    @classmethod
    def _tenant_names(cls, value: dict[str, TenantSettings]) -> dict[str, TenantSettings]:
        for name in value:
            check_tenant(name)
        return value

    def tenant(self, name: str) -> TenantSettings:
        """The overrides of tenant `name` (empty when it has none)."""
        return self.tenants.get(name, TenantSettings())

    def policy_for(self, tenant: str) -> str:
        """The policy tenant `tenant` is served with."""
        return self.tenant(tenant).policy or self.policy

    def index_for(self, tenant: str) -> str:
        """The index tenant `tenant` is served from."""
        return self.tenant(tenant).index or self.index

    def rate_limit_for(self, tenant: str) -> RateLimit:
        """The token bucket each key of tenant `tenant` gets."""
        return self.tenant(tenant).rate_limit or self.rate_limit


def load_settings(**flags: Any) -> ServerSettings:
    """`ServerSettings` from flags plus the environment, with bad values as one `ConfigError`.

    Raises:
        ConfigError: naming each bad setting and its value.
    """
    try:
        return ServerSettings(**flags)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "settings"
            problems.append(f"{where}: {err['msg']} (got {err.get('input')!r})")
        raise ConfigError("bad server settings: " + "; ".join(problems)) from None

"""What every route of the API shares, and the dependencies routes reach it through.

`Service` holds the objects one app is built from (settings, runtime, stores,
authenticator, metrics) and whether it is ready; `create_app` builds one and
keeps it in ``app.state.service``. A route never closes over it: it declares
``svc: Service = Depends(service)`` and, when it needs the caller,
``who: Caller = Depends(caller)`` (authentication and rate limits). The
request models of the routes share `valid_text`, and their error responses
share `ERROR`.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ragfort.server.auth import Authenticator, Caller, auth_enabled
from ragfort.server.errors import ApiError
from ragfort.server.examples import ExampleBook
from ragfort.server.feedback import FeedbackStore
from ragfort.server.keys import KeyStore
from ragfort.server.metrics import Metrics
from ragfort.server.outage import OUTAGE_CODE
from ragfort.server.runtime import Runtime
from ragfort.server.sessions import History, open_history
from ragfort.server.settings import ServerSettings
from ragfort.server.traces import RedisTraceOwners, TenantTraceSink

__all__ = ["ERROR", "ROLES", "Service", "caller", "service", "valid_text"]

# The OpenAPI entry of an error response (every error has this one shape; see `ragfort.server.errors`).
ERROR: dict[str, Any] = {
    "description": "Error", "content": {"application/json": {"example": {"error": {"code": "", "message": ""}}}}
}
# A stored message's role (LangChain's names) as the API spells it.
ROLES = {"human": "user", "ai": "assistant"}

_bearer = HTTPBearer(auto_error=False, description="An API key from `ragfort keys create`.")


@dataclass
class Service:
    """One app's shared objects.

    Attributes:
        settings: the server settings.
        runtime: the guarded pipelines (loaded in the app's lifespan).
        metrics: the Prometheus metrics.
        sink: the trace sink every pipeline writes to (and that knows each trace's tenant).
        keys: the API keys.
        auth: authenticates callers and applies rate limits.
        feedback: the ratings.
        history: the conversations kept, or None when the settings keep none.
        examples: the help centers' example questions.
        ready: whether the runtime has loaded (and the app is not shutting down).
    """

    settings: ServerSettings
    runtime: Runtime
    metrics: Metrics
    sink: TenantTraceSink
    keys: KeyStore
    auth: Authenticator
    feedback: FeedbackStore
    history: History | None
    examples: ExampleBook = field(default_factory=ExampleBook)
    ready: bool = False
    _backends: tuple[float, dict[str, bool]] = field(default_factory=lambda: (0.0, {}), init=False, repr=False)

    @classmethod
    def from_settings(cls, settings: ServerSettings) -> Service:
        """Open the stores in the settings' data dir; nothing is loaded yet (see `Runtime.load`)."""
        data = Path(settings.data_dir)
        metrics = Metrics()
        sink = TenantTraceSink(
            data / "traces", write_files=settings.traces, on_record=metrics.observe_record,
            shared=RedisTraceOwners(settings.redis_url) if settings.redis_url else None,
        )
        keys = KeyStore(data / "keys.sqlite")
        history: History | None = None
        if settings.history_turns:
            history = open_history(
                data_dir=data, redis_url=settings.redis_url, ttl_s=settings.history_ttl_s,
                max_turns=settings.history_turns,
            )
        return cls(
            settings=settings,
            runtime=Runtime(settings, sink),
            metrics=metrics,
            sink=sink,
            keys=keys,
            auth=Authenticator(settings, keys, enabled=auth_enabled(settings, keys)),
            feedback=FeedbackStore(data / "feedback.sqlite"),
            history=history,
        )

    @property
    def data(self) -> Path:
        """The data dir."""
        return Path(self.settings.data_dir)

    @property
    def retry_after(self) -> dict[str, str]:
        """The ``Retry-After`` header of a 503 for a backend outage."""
        return {"Retry-After": str(self.settings.retry_after_s)}

    def outage(self, what: str) -> ApiError:
        """The 503 for `what` being down ("the index server")."""
        return ApiError(503, f"{what} is unavailable; retry shortly", code=OUTAGE_CODE, headers=self.retry_after)

    def require_ready(self) -> None:
        """Raise the 503 the API answers while the service is loading."""
        if not self.ready:
            raise ApiError(503, "the service is still loading", headers={"Retry-After": "5"})

    async def backends(self) -> dict[str, bool]:
        """Whether each shared index backend answers (checked at most once a second)."""
        # Probes come every few seconds from every load balancer: one check per second is plenty.
        checked, found = self._backends
        if time.monotonic() - checked > 1.0:
            found = await asyncio.to_thread(self.runtime.backends)
            self._backends = (time.monotonic(), found)
        return dict(found)


def service(request: Request) -> Service:
    """The app's `Service` (a dependency)."""
    svc: Service = request.app.state.service
    return svc


async def caller(
    request: Request,
    svc: Service = Depends(service),
    _: HTTPAuthorizationCredentials | None = Depends(_bearer),
) -> Caller:
    """The authenticated caller, within its rate limit (a dependency).

    Raises:
        ApiError: 401 without a valid key (when keys are on), 429 over the rate limit.
    """
    # On the loop when no I/O is needed (a key verified in the last minute, local rate limits);
    # the key store and Redis are reached from a worker thread.
    auth = svc.auth
    who = auth.remembered_caller(request)
    if who is None:
        who = await asyncio.to_thread(auth.caller, request)
    request.state.tenant = who.tenant
    wait = auth.limit(who) if auth.local_limits else await asyncio.to_thread(auth.limit, who)
    if wait > 0:
        svc.metrics.rate_limited.inc()
        raise ApiError(
            429, f"rate limit exceeded; retry in {wait:.1f}s", headers={"Retry-After": str(max(1, round(wait)))}
        )
    return who


def valid_text(value: str | None) -> str | None:
    """A request field's text, refused (a `ValueError`, so a 422) when it is not valid Unicode."""
    # JSON may carry lone surrogates ("\ud800") that Python accepts but no file or hash can encode.
    if value is not None:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    return value

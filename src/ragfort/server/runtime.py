"""The loaded service: one guarded pipeline per (tenant policy, variant), built once at start-up.

`Runtime.load()` builds, for the default tenant and every tenant the
settings name, the policy's `Route`: its guarded runnables (one per A/B
variant, or one when the policy has none) and the comment redactor. Routes
with the same policy and index are shared between tenants; chains are
shared per index folder, and the embedding model is shared process-wide.
Tenants without their own settings use the default route; tenant isolation
of cache, vault and traces comes from the tenant in each request's
`RunContext`, not from separate pipelines.

`Runtime.load()` also points `ragfort.paths` at the server's data dir and
Redis URL (the cache and the PII vault find their stores there);
`Runtime.close()` withdraws that. The process environment is not changed.

`Runtime.backends()` reports whether the shared backends the routes depend
on answer (the Chroma server behind an index), for ``/readyz``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ragfort import paths
from ragfort.errors import ConfigError
from ragfort.guards.pii import PIIGuard
from ragfort.integrations.langchain import HardenedRunnable
from ragfort.pii.vault import Vault
from ragfort.policy import Policy, load_policy
from ragfort.server.llm import build_llm
from ragfort.server.redact import CommentRedactor
from ragfort.server.settings import ServerSettings
from ragfort.server.traces import WARMUP_TENANT, TenantTraceSink
from ragfort.server.variants import VariantSpec, assign, parse_variants, variant_policy
from ragfort.types import Action

__all__ = ["Route", "Runtime"]

log = logging.getLogger("ragfort.server")

WARMUP_QUESTION = "How do I return a device?"


@dataclass(frozen=True)
class Route:
    """How one tenant's requests are answered.

    Attributes:
        policy: the tenant's policy (the base policy when it has variants).
        variants: the validated variants (empty: no A/B test).
        runnables: variant name (None without variants) → guarded runnable.
        redactor: redacts this tenant's feedback comments.
    """

    policy: Policy
    variants: tuple[VariantSpec, ...]
    runnables: Mapping[str | None, HardenedRunnable]
    redactor: CommentRedactor

    def vaults(self) -> list[Vault]:
        """The PII vaults this tenant's pipelines keep session mappings in (each once)."""
        found: dict[int, Vault] = {}
        for runnable in self.runnables.values():
            for guard in runnable.policy.all_guards():
                if isinstance(guard, PIIGuard):  # it opens its vault on first use
                    found.setdefault(id(guard.vault), guard.vault)
        return list(found.values())

    def pick(self, *, tenant: str, key: str) -> tuple[str | None, HardenedRunnable]:
        """The variant and runnable for a request; `key` is the session id (or the trace id)."""
        if not self.variants:
            return None, self.runnables[None]
        name = assign(self.variants, tenant=tenant, key=key)
        return name, self.runnables[name]


class Runtime:
    """Builds and holds the routes.

    Args:
        settings: the server settings.
        sink: the trace sink every pipeline writes to.
    """

    def __init__(self, settings: ServerSettings, sink: TenantTraceSink) -> None:
        self.settings = settings
        self.sink = sink
        self._chains: dict[str, Any] = {}
        self._routes: dict[tuple[str, str], Route] = {}
        self._tenant_routes: dict[str, Route] = {}
        self._default: Route | None = None
        self._llm: Any = None
        self._locations: paths.Locations | None = None

    def _chain(self, index: str) -> Any:
        import ragfort

        key = os.path.realpath(index)
        if key not in self._chains:
            self._chains[key] = ragfort.build_chain(index, llm=self._llm)
        return self._chains[key]

    def _build_route(self, policy_ref: str, index: str) -> Route:
        import ragfort

        key = (policy_ref, os.path.realpath(index))
        if key in self._routes:
            return self._routes[key]
        base = load_policy(policy_ref)
        variants = tuple(parse_variants(base))
        runnables: dict[str | None, HardenedRunnable] = {}
        if not variants:
            runnables[None] = ragfort.harden(self._chain(index), policy=base, trace_sink=self.sink)
        for spec in variants:
            pol = variant_policy(base, spec)
            runnables[spec.name] = ragfort.harden(self._chain(spec.index or index), policy=pol, trace_sink=self.sink)
        route = Route(policy=base, variants=variants, runnables=runnables, redactor=CommentRedactor(base))
        self._routes[key] = route
        return route

    def load(self) -> None:
        """Build every route and warm each pipeline up once.

        Raises:
            RagfortError: a policy, variant or index that cannot be loaded.
        """
        s = self.settings
        # Guards and the cache find their stores (vault, cache) through `ragfort.paths`: point it at the
        # server's data dir, so everything the service persists lives in one place, and at its Redis URL,
        # so a flag or .env value reaches them too. The process environment is left as it is.
        if self._locations is None:
            self._locations = paths.configure(home=Path(s.data_dir).resolve(), redis_url=s.redis_url)
        self._llm = build_llm(s)
        self._default = self._build_route(s.policy, s.index)
        for tenant in s.tenants:
            self._tenant_routes[tenant] = self._build_route(s.policy_for(tenant), s.index_for(tenant))
        if s.warmup:
            for route in self._routes.values():
                for runnable in route.runnables.values():
                    # The warm-up tenant's records are dropped by the sink: no trace, no metrics.
                    result = runnable.invoke(WARMUP_QUESTION, config={"configurable": {"tenant": WARMUP_TENANT}})
                    faults = [v.reason for v in result.verdicts if v.fault is not None and v.action is Action.BLOCK]
                    if faults:
                        # A required guard that cannot run (a vault backend with no URL, a missing model) would
                        # refuse every request: fail the start-up loudly instead of serving refusals.
                        raise ConfigError(f"policy {runnable.policy.name!r} cannot serve: {faults[0]}")
        log.info(
            "loaded %d pipeline(s) for %d route(s)",
            sum(len(r.runnables) for r in self._routes.values()),
            len(self._routes),
        )

    def close(self) -> None:
        """Close the trace files and withdraw the data dir and Redis URL `load` configured (`ragfort.paths`).

        The routes stay built.
        """
        self.sink.close()
        if self._locations is not None:
            paths.release(self._locations)
            self._locations = None

    def route(self, tenant: str) -> Route:
        """The route serving `tenant` (the default one unless the settings name it)."""
        route = self._tenant_routes.get(tenant, self._default)
        if route is None:
            raise ConfigError("the runtime is not loaded yet")
        return route

    def backends(self, *, timeout_s: float = 1.0) -> dict[str, bool]:
        """Whether each shared backend the loaded indexes use answers, by location (empty: none shared)."""
        from ragfort.index.backends import ChromaServerBackend

        out: dict[str, bool] = {}
        for chain in list(self._chains.values()):
            backend = getattr(getattr(chain, "index", None), "backend", None)
            if not isinstance(backend, ChromaServerBackend):
                continue
            url = backend.location.split("#", 1)[0]
            if url in out:
                continue
            try:
                out[url] = httpx.get(f"{url}/api/v2/heartbeat", timeout=timeout_s).status_code == 200
            except httpx.HTTPError:
                out[url] = False
        return out

    @property
    def has_variants(self) -> bool:
        """True when any route runs an A/B test."""
        return any(r.variants for r in self._routes.values())

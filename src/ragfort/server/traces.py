"""Per-tenant traces and the lookup that feedback needs.

`TenantTraceSink` is the trace sink every pipeline of the app writes to. It
routes each record to ``<data_dir>/traces/<tenant>/`` (a `JsonlTraceSink`
per tenant, so one tenant's traces never sit in another's files), feeds the
metrics, and remembers which tenant and variant each recent trace id belongs
to. `owner` answers that question for ``POST /v1/feedback``: from memory for
recent traces, then from the replicas' shared record in Redis (when
``RAGFORT_REDIS_URL`` is set: behind a load balancer the feedback often
reaches another replica than the answer), else by scanning the tenant's own
trace files (another worker process, or a restart, may have answered the
question).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragfort.redis_client import connect
from ragfort.trace import JsonlTraceSink

__all__ = ["WARMUP_TENANT", "RedisTraceOwners", "TenantTraceSink", "TraceOwner"]

log = logging.getLogger("ragfort.server")

# Start-up warm-up requests run as this tenant; it is not a valid tenant name
# (leading underscore), so no key can ever act as it, and its records are dropped.
WARMUP_TENANT = "__warmup__"


@dataclass(frozen=True, slots=True)
class TraceOwner:
    """Who a trace belongs to."""

    tenant: str
    variant: str | None


class RedisTraceOwners:
    """Trace id → owner records in Redis, so any replica can accept feedback for any replica's answer.

    Best effort: a Redis failure is logged once per outage and costs nothing
    but the cross-replica lookup (the local lookups still work).

    Args:
        url: a ``redis://`` URL.
        ttl_s: how long feedback for an answer is accepted through Redis.
        timeout_s: socket timeout.
        retry_s: how long to skip Redis after a failure.
    """

    def __init__(self, url: str, *, ttl_s: float = 7 * 86_400, timeout_s: float = 0.25, retry_s: float = 5.0) -> None:
        self._client, self._errors = connect(url, purpose="shared trace ownership", timeout_s=timeout_s)
        self.ttl_s = ttl_s
        self.retry_s = retry_s
        self._down_until = 0.0
        self._outage = False

    def _call(self, fn: Callable[[], Any]) -> Any:
        if time.monotonic() < self._down_until:
            return None
        try:
            out = fn()
        except self._errors as exc:
            self._down_until = time.monotonic() + self.retry_s
            if not self._outage:
                self._outage = True
                log.warning("Redis unavailable for trace owners (%s); feedback must reach the answering replica",
                            type(exc).__name__)
            return None
        self._outage = False
        return out

    def put(self, trace_id: str, owner: TraceOwner) -> None:
        """Remember who owns `trace_id`."""
        value = json.dumps({"tenant": owner.tenant, "variant": owner.variant})
        self._call(lambda: self._client.set("ragfort:trace:" + trace_id, value, ex=max(1, int(self.ttl_s))))

    def get(self, trace_id: str) -> TraceOwner | None:
        """Who owns `trace_id`, if any replica recorded it (None when unknown or Redis is down)."""
        raw = self._call(lambda: self._client.get("ragfort:trace:" + trace_id))
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            variant = data.get("variant")
            return TraceOwner(str(data["tenant"]), None if variant is None else str(variant))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


class TenantTraceSink:
    """Routes trace records by tenant and remembers recent trace ids.

    Args:
        directory: ``<data_dir>/traces``.
        write_files: False keeps traces in memory only (for the feedback check).
        on_record: called with every record (the metrics).
        remember: how many recent trace ids are kept in memory.
        scan_files: how many of a tenant's newest trace files `owner` scans.
        shared: trace owners shared by replicas (Redis), or None.
    """

    def __init__(
        self,
        directory: str | Path,
        *,
        write_files: bool = True,
        on_record: Callable[[Mapping[str, Any]], None] | None = None,
        remember: int = 50_000,
        scan_files: int = 7,
        shared: RedisTraceOwners | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.write_files = write_files
        self.on_record = on_record
        self.remember = remember
        self.scan_files = scan_files
        self.shared = shared
        self._sinks: dict[str, JsonlTraceSink] = {}
        self._recent: OrderedDict[str, TraceOwner] = OrderedDict()
        self._lock = threading.Lock()

    def tenant_dir(self, tenant: str) -> Path:
        """The folder holding `tenant`'s traces."""
        return self.directory / tenant

    def write(self, record: Mapping[str, Any]) -> None:
        """Route one record (the `ragfort.trace.TraceSink` protocol)."""
        tenant = str(record.get("tenant", "default"))
        if tenant == WARMUP_TENANT:
            return
        trace_id = str(record.get("trace_id", ""))
        variant = record.get("variant")
        owner = TraceOwner(tenant, None if variant is None else str(variant))
        with self._lock:
            self._recent[trace_id] = owner
            while len(self._recent) > self.remember:
                self._recent.popitem(last=False)
            sink = self._sinks.get(tenant) if self.write_files else None
            if sink is None and self.write_files:
                sink = self._sinks[tenant] = JsonlTraceSink(self.tenant_dir(tenant))
        if sink is not None:
            sink.write(record)
        if self.shared is not None and trace_id:
            self.shared.put(trace_id, owner)
        if self.on_record is not None:
            self.on_record(record)

    def close(self) -> None:
        """Close every tenant's open day file; a later record reopens its file."""
        with self._lock:
            sinks, self._sinks = list(self._sinks.values()), {}
        for sink in sinks:
            sink.close()

    def owner(self, trace_id: str, tenant: str) -> TraceOwner | None:
        """The owner of `trace_id` if `tenant` owns it; None when unknown or someone else's.

        Only `tenant`'s own files are scanned, so another tenant's trace is
        indistinguishable from one that does not exist.
        """
        with self._lock:
            hit = self._recent.get(trace_id)
        if hit is None and self.shared is not None:
            hit = self.shared.get(trace_id)
        if hit is not None:
            return hit if hit.tenant == tenant else None
        folder = self.tenant_dir(tenant)
        if not self.write_files or not folder.is_dir():
            return None
        needle = f'"trace_id":{json.dumps(trace_id)}'
        for path in sorted(folder.glob("traces-*.jsonl"), reverse=True)[: self.scan_files]:
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    if needle in line:
                        record = json.loads(line)
                        variant = record.get("variant")
                        return TraceOwner(tenant, None if variant is None else str(variant))
        return None

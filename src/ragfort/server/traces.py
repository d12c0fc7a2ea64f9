"""Per-tenant traces and the lookup that feedback needs.

`TenantTraceSink` is the trace sink every pipeline of the app writes to. It
routes each record to ``<data_dir>/traces/<tenant>/`` (a `JsonlTraceSink`
per tenant, so one tenant's traces never sit in another's files), feeds the
metrics, and remembers which tenant and variant each recent trace id belongs
to. `owner` answers that question for ``POST /v1/feedback``: from memory for
recent traces, else by scanning the tenant's own trace files (another worker
process, or a restart, may have answered the question).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragfort.trace import JsonlTraceSink

__all__ = ["WARMUP_TENANT", "TenantTraceSink", "TraceOwner"]

# Start-up warm-up requests run as this tenant; it is not a valid tenant name
# (leading underscore), so no key can ever act as it, and its records are dropped.
WARMUP_TENANT = "__warmup__"


@dataclass(frozen=True, slots=True)
class TraceOwner:
    """Who a trace belongs to."""

    tenant: str
    variant: str | None


class TenantTraceSink:
    """Routes trace records by tenant and remembers recent trace ids.

    Args:
        directory: ``<data_dir>/traces``.
        write_files: False keeps traces in memory only (for the feedback check).
        on_record: called with every record (the metrics).
        remember: how many recent trace ids are kept in memory.
        scan_files: how many of a tenant's newest trace files `owner` scans.
    """

    def __init__(
        self,
        directory: str | Path,
        *,
        write_files: bool = True,
        on_record: Callable[[Mapping[str, Any]], None] | None = None,
        remember: int = 50_000,
        scan_files: int = 7,
    ) -> None:
        self.directory = Path(directory)
        self.write_files = write_files
        self.on_record = on_record
        self.remember = remember
        self.scan_files = scan_files
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
        with self._lock:
            self._recent[trace_id] = TraceOwner(tenant, None if variant is None else str(variant))
            while len(self._recent) > self.remember:
                self._recent.popitem(last=False)
            sink = self._sinks.get(tenant) if self.write_files else None
            if sink is None and self.write_files:
                sink = self._sinks[tenant] = JsonlTraceSink(self.tenant_dir(tenant))
        if sink is not None:
            sink.write(record)
        if self.on_record is not None:
            self.on_record(record)

    def owner(self, trace_id: str, tenant: str) -> TraceOwner | None:
        """The owner of `trace_id` if `tenant` owns it; None when unknown or someone else's.

        Only `tenant`'s own files are scanned, so another tenant's trace is
        indistinguishable from one that does not exist.
        """
        with self._lock:
            hit = self._recent.get(trace_id)
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

"""Derive the deployment policy from a shipped one: same guards, answer cache on Redis.

Several replicas must share one cache, so the policy's ``cache.backend`` becomes
``redis`` (the URL comes from ``RAGFORT_REDIS_URL``). Everything else is copied,
so the deployment never drifts from the recommended policy. The Dockerfile runs::

    python examples/deploy/make_policy.py guards/support_agent.yaml /app/deploy_policy.yaml
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml


def derive(policy: dict[str, Any]) -> dict[str, Any]:
    """`policy` with its answer cache moved to Redis and its name marked as the deployment's."""
    if not isinstance(policy, dict) or "name" not in policy:
        raise ValueError(f"a policy is a mapping with a name, got {type(policy).__name__}")
    out = {k: v for k, v in policy.items() if not k.startswith("x-")}  # YAML anchor holders are already merged
    out["name"] = f"{policy['name']}_deploy"
    cache = dict(policy.get("cache") or {})
    cache["backend"] = "redis"
    cache.pop("path", None)  # a sqlite path means nothing for Redis
    out["cache"] = cache
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: make_policy.py SHIPPED_POLICY.yaml OUT.yaml", file=sys.stderr)
        return 2
    source = yaml.safe_load(Path(argv[1]).read_text(encoding="utf-8"))
    Path(argv[2]).write_text(yaml.safe_dump(derive(source), sort_keys=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""CLI commands of the support-agent service (registered by ragfort.cli)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this subsystem's commands to the ragfort CLI."""

"""CLI commands of the support-agent service (registered by ragfort.cli).

* ``ragfort keys create --tenant NAME``: print a new API key once (only its hash is kept).
* ``ragfort keys list`` / ``ragfort keys revoke ID``.
* ``ragfort ab-report``: compare A/B variants from the traces and feedback in the data dir.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from ragfort.errors import InputError
from ragfort.paths import data_dir

__all__ = ["register"]

DataDirOpt = Annotated[
    Path | None, typer.Option("--data-dir", help="State folder (default: $RAGFORT_HOME or ./.ragfort).")
]

keys_app = typer.Typer(help="Manage API keys of the support-agent service.", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@keys_app.command("create")
def keys_create(
    tenant: Annotated[str, typer.Option("--tenant", help="The tenant the key acts for.")],
    data_dir_: DataDirOpt = None,
) -> None:
    """Create an API key for TENANT and print it once; only its hash is stored."""
    from ragfort.server.keys import KeyStore

    store = KeyStore(data_dir(data_dir_) / "keys.sqlite")
    try:
        key = store.create(tenant)
    except InputError as exc:
        _fail(str(exc))
        return
    typer.echo(key)
    typer.echo(
        f"API key for tenant {tenant!r} created; it is shown only this once. "
        f"Send it as 'Authorization: Bearer <key>'.",
        err=True,
    )


@keys_app.command("list")
def keys_list(data_dir_: DataDirOpt = None) -> None:
    """List key ids and their tenants (never the keys)."""
    from ragfort.server.keys import KeyStore

    for k in KeyStore(data_dir(data_dir_) / "keys.sqlite").list():
        created = time.strftime("%Y-%m-%d %H:%M", time.gmtime(k.created))
        state = "revoked" if k.revoked is not None else "active"
        typer.echo(f"{k.id}  {k.tenant}  {created}Z  {state}")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key id (the part after 'rfk_').")],
    data_dir_: DataDirOpt = None,
) -> None:
    """Revoke a key; running servers stop accepting it within seconds."""
    from ragfort.server.keys import KeyStore

    if not KeyStore(data_dir(data_dir_) / "keys.sqlite").revoke(key_id):
        _fail(f"no active key with id {key_id!r}")
    typer.echo(f"revoked {key_id}")


def ab_report_command(
    data_dir_: DataDirOpt = None,
    tenant: Annotated[str | None, typer.Option("--tenant", help="Only this tenant's traffic.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Compare A/B variants: feedback rate, thumbs-up rate, groundedness, abstention, latency (95% CIs)."""
    from ragfort.server.abreport import ab_report

    root = data_dir(data_dir_)
    if not root.is_dir():
        _fail(f"data dir {str(root)!r} does not exist")
    report = ab_report(root, tenant=tenant)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    elif not report.variants:
        typer.echo(f"no traces or feedback under {root}")
    else:
        typer.echo(report.table())


def register(app: typer.Typer) -> None:
    """Add this subsystem's commands to the ragfort CLI."""
    app.add_typer(keys_app, name="keys")
    app.command("ab-report")(ab_report_command)

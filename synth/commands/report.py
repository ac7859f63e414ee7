"""`synth report`: render a stored run as Markdown, HTML or JSON on stdout."""

from __future__ import annotations

import click

from ..config import Settings


@click.command()
@click.option("--run", "run_id", type=int, help="Run id (default: the latest run).")
@click.option(
    "--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True, help="Output format."
)
@click.pass_obj
def report(settings: Settings, run_id: int | None, fmt: str) -> None:
    """Write the report of a verification run to stdout."""
    from ..report import render
    from ..store import open_store

    with open_store(settings) as store:
        text = render(store, run_id, fmt)
    click.echo(text, nl=False)

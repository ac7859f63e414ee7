"""`synth report`: render a stored run as Markdown, HTML or JSON, or its references as BibTeX or CSL-JSON, on stdout."""

from __future__ import annotations

import click

from ..config import Settings


@click.command()
@click.option("--run", "run_id", type=int, help="Run id (default: the latest run).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "json", "bib", "csl"]),
    default="md",
    show_default=True,
    help="Output format: the report (md, html, json) or its references (bib: BibTeX, csl: CSL-JSON).",
)
@click.pass_obj
def report(settings: Settings, run_id: int | None, fmt: str) -> None:
    """Write the report of a verification run (or its references) to stdout."""
    from ..store import open_store

    with open_store(settings) as store:
        if fmt in ("bib", "csl"):
            from ..report.bib import render_references

            text = render_references(store, run_id, fmt)
        else:
            from ..report.render import render

            text = render(store, run_id, fmt)
    click.echo(text, nl=False)

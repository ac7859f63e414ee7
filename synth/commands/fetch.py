"""`synth fetch`: papers from arXiv (ids, a search, a report's references) or a local mirror folder."""

from __future__ import annotations

import click

from ..config import Settings


@click.command()
@click.argument("ids", nargs=-1)
@click.option("--query", help="arXiv search (plain words must all match; arXiv syntax like ti:... is kept).")
@click.option(
    "--max-results", type=click.IntRange(min=0), help="Results to take from --query (default 10; 0: all of them)."
)
@click.option("--all", "all_results", is_flag=True, help="Take every result of --query (same as --max-results 0).")
@click.option("--restart", is_flag=True, help="List --query from its first result, not where the last fetch of it stopped.")
@click.option("--from-report", "report", type=click.Path(dir_okay=False), help="Fetch the arXiv ids in this report's References.")
@click.option("--mirror", type=click.Path(file_okay=False), help="Read <id>.pdf (+ <id>.json) from this folder instead of arXiv.")
@click.option("--api-url", help="arXiv API query URL (default https://export.arxiv.org/api/query).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_obj
def fetch(
    settings: Settings,
    ids: tuple[str, ...],
    query: str | None,
    max_results: int | None,
    all_results: bool,
    restart: bool,
    report: str | None,
    mirror: str | None,
    api_url: str | None,
    quiet: bool,
) -> None:
    """Fetch papers (metadata, PDF, passages) into the database; with no input, the OT-CLIR set."""
    from ..ingest.collect import fetch_papers
    from ..store import open_store

    if all_results:
        from ..errors import BadInputError

        if not query or max_results:
            raise BadInputError("--all needs --query" if not query else "--all and --max-results N contradict each other")
        max_results = 0
    if api_url:
        settings = settings.replace(arxiv_api_url=api_url)
    with open_store(settings) as store:
        outcome = fetch_papers(
            store,
            settings,
            ids=list(ids),
            query=query,
            max_results=max_results,
            report=report,
            restart=restart,
            mirror=mirror,
            progress=not (quiet or settings.quiet),
        )
    click.echo(outcome.summary())
    for failure in outcome.failures:
        click.echo(f"{failure['id']}: {failure['reason']}", err=True)
    if not outcome.ok:
        raise SystemExit(1)

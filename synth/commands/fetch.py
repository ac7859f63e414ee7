"""`synth fetch`: papers from arXiv (ids, a search, a report's references) or a local mirror folder."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..config import Settings

if TYPE_CHECKING:
    from ..store import Store


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
@click.option("--cited-by", "cited_by", multiple=True, metavar="PAPER",
              help="Fetch the arXiv papers that stored paper PAPER cites (its parsed reference list); repeatable.")
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
    cited_by: tuple[str, ...],
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
        cited = _cited_arxiv_ids(store, cited_by)
        outcome = fetch_papers(
            store,
            settings,
            ids=[*ids, *cited],
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


def _cited_arxiv_ids(store: Store, papers: tuple[str, ...]) -> list[str]:
    """The arXiv ids in the reference lists of stored `papers`, in order, each once; one line for an unknown paper or
    a reference list without arXiv ids."""
    from ..errors import BadInputError

    found: list[str] = []
    for paper in papers:
        if store.paper(paper) is None:
            raise BadInputError(f"--cited-by {paper}: no such paper in the database (synth papers lists them)")
        refs = store.references_of(paper)
        ids = [r["arxiv_id"] for r in refs if r["arxiv_id"]]
        if not ids:
            raise BadInputError(f"--cited-by {paper}: none of its {len(refs)} references has an arXiv id")
        found.extend(i for i in ids if i not in found)
    return found

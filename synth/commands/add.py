"""`synth add`: local PDFs, .txt and .md files (and folders of them) into the corpus."""

from __future__ import annotations

import click

from ..config import Settings


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--lang", help="Language of every passage (ISO 639-1, e.g. sw); default: detected per passage.")
@click.option("--title", help="Title of the paper (one file only); default: PDF metadata or first heading.")
@click.option("--jobs", "-j", type=click.IntRange(1), metavar="N",
              help="Parse in N processes (default: the CPUs available, at most 4).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_obj
def add(settings: Settings, paths: tuple[str, ...], lang: str | None, title: str | None, jobs: int | None,
        quiet: bool) -> None:  # fmt: skip
    """Add local PDF, .txt and .md files (folders recursively) as papers; re-adding the same file is a no-op."""
    from ..ingest.files import add_paths
    from ..ingest.parallel import default_jobs
    from ..store import open_store

    if lang is not None and not (lang.isalpha() and 2 <= len(lang) <= 3):
        raise click.BadParameter(f"{lang!r} is not a language code like en or sw", param_hint="--lang")
    show = not (quiet or settings.quiet)

    def progress(files):
        from tqdm import tqdm

        return tqdm(files, desc="add", unit="file", disable=not show or len(files) < 2)  # tqdm writes to stderr

    with open_store(settings) as store:
        result = add_paths(
            store,
            paths,
            lang=lang.lower() if lang else None,
            title=title,
            progress=progress,
            limits=settings.limits,
            jobs=jobs or default_jobs(),
        )
    click.echo(result.summary())
    if not result.files:
        click.echo("no PDF, .txt or .md files in the given paths", err=True)
    for failure in result.failures:
        click.echo(f"failed: {failure['error']}", err=True)
    if result.failed:
        raise SystemExit(1)

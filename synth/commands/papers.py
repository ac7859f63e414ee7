"""`synth papers`: list the stored papers, or one summary line of the corpus."""

from __future__ import annotations

import json

import click

from ..config import Settings


@click.command()
@click.option("--json", "as_json", is_flag=True, help="A JSON array on stdout.")
@click.option("--summary", is_flag=True, help="One line: papers, languages, passages.")
@click.pass_obj
def papers(settings: Settings, as_json: bool, summary: bool) -> None:
    """List the stored papers: id, title, year, pages, passages, languages, status."""
    from ..report.papers import paper_summaries
    from ..store import open_store

    with open_store(settings) as store:
        rows = paper_summaries(store)
        corpus = store.corpus_summary()
    if summary:
        langs = sorted(k for k in corpus["languages"] if k != "?")
        click.echo(f"{corpus['papers']} papers in {len(langs)} languages ({', '.join(langs)}); {corpus['passages']} passages")
        return
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no papers stored", err=True)
        return
    click.echo("id\tyear\tpages\tpassages\tlanguages\tstatus\ttitle")
    for r in rows:
        click.echo(
            f"{r['id']}\t{r['year'] or ''}\t{r['pages'] or 0}\t{r['passages']}\t{','.join(r['languages'])}\t{r['status']}\t{r['title']}"
        )

"""`synth runs`: list the verification runs with their question, status and verdict counts."""

from __future__ import annotations

import json

import click

from ..config import Settings


@click.command()
@click.option("--json", "as_json", is_flag=True, help="A JSON array on stdout.")
@click.option("--last", is_flag=True, help="Only the latest run.")
@click.pass_obj
def runs(settings: Settings, as_json: bool, last: bool) -> None:
    """List runs: id, kind, status (done / running / failed / interrupted), claims and verdicts, question."""
    from ..store import open_store

    with open_store(settings) as store:
        rows = store.runs()
    if last:
        rows = rows[-1:]
    out = [
        {
            "id": r["id"],
            "kind": r["kind"],
            "status": r["status"],
            "started_at": r["started_at"],
            "finished_at": r["finished_at"],
            "claims": r["claims_stored"],
            "SUPPORTED": r["supported"] or 0,
            "REFUTED": r["refuted"] or 0,
            "NOT_ENOUGH_INFO": r["nei"] or 0,
            "question": r["question"] or "",
            "input_file": r["input_file"],
            "error": r["error"],
        }
        for r in rows
    ]
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    if not out:
        click.echo("no runs stored", err=True)
        return
    click.echo("id\tkind\tstatus\tstarted\tclaims\tSUPPORTED\tREFUTED\tNOT_ENOUGH_INFO\tquestion or input")
    for r in out:
        what = " ".join((r["question"] or r["input_file"] or "").split())
        click.echo(
            f"{r['id']}\t{r['kind']}\t{r['status']}\t{r['started_at']}\t{r['claims']}\t{r['SUPPORTED']}\t"
            f"{r['REFUTED']}\t{r['NOT_ENOUGH_INFO']}\t{what}"
        )

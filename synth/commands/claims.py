"""`synth claims`: list the claims of a run with their verdicts (text or JSON)."""

from __future__ import annotations

import json

import click

from ..config import Settings
from ..judge.verifier.base import LABELS


@click.command()
@click.option("--run", "run_id", type=int, help="Run id (default: the latest run).")
@click.option(
    "--verdict", type=click.Choice(LABELS, case_sensitive=False), help="Only the claims with this verdict."
)
@click.option("--json", "as_json", is_flag=True, help="A JSON array on stdout.")
@click.pass_obj
def claims(settings: Settings, run_id: int | None, verdict: str | None, as_json: bool) -> None:
    """List a run's claims: position, verdict, confidence, language, paper, page, claim."""
    from ..judge.claim import evidence_json
    from ..store import open_store

    with open_store(settings) as store:
        run = store.run(run_id)
        rows = store.run_claims(run["id"])
    out = [
        {
            "id": c["id"],
            "run": run["id"],
            "position": c["position"],
            "claim": c["text"],
            "verdict": c.get("label") or "NOT_ENOUGH_INFO",
            "confidence": round(c["confidence"], 4) if c.get("confidence") is not None else None,
            "reason": c.get("reason"),
            "lang": c.get("lang"),
            "paper_id": c.get("paper_id"),
            "page": c.get("page"),
            "truncated": bool(c.get("truncated")),
            "evidence": [
                evidence_json(e["paper_id"], e.get("page"), e["text"], e.get("lang"), e.get("retrieval_score"))
                for e in c["evidence"]
            ],
        }
        for c in rows
    ]
    if verdict:
        out = [c for c in out if c["verdict"] == verdict.upper()]
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    if not out:
        click.echo(f"no claims in run {run['id']}" + (f" with verdict {verdict.upper()}" if verdict else ""), err=True)
        return
    click.echo("position\tverdict\tconfidence\tlang\tpaper\tpage\tclaim")
    for c in out:
        conf = "" if c["confidence"] is None else f"{c['confidence']:.2f}"
        text = " ".join(c["claim"].split())
        click.echo(f"{c['position']}\t{c['verdict']}\t{conf}\t{c['lang'] or ''}\t{c['paper_id'] or ''}\t{c['page'] or ''}\t{text}")

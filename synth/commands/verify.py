"""`synth verify`: verify the claims of the papers bearing on a question, or given claims, and store the run."""

from __future__ import annotations

import json
from contextlib import contextmanager
from functools import partial
from typing import Any, Iterator

import click

from ..config import Settings
from ..errors import BadInputError


def load_encoder(name: str, settings: Settings) -> Any:
    """The named encoder (`hashing` needs no weights); imported here so `synth --help` stays instant."""
    from ..encoders import load_encoder as _load

    return _load(name, settings)


def load_verifier(settings: Settings, nli: str | None) -> Any:
    """The shipped verifier (or an NLI cross-encoder when `nli` names one); tests replace this seam."""
    from ..verifier import load_verifier as _load

    return _load(settings, nli=nli)


@click.command()
@click.option("--question", "-Q", help="Research question: rank the corpus for it and verify its papers' claims.")
@click.option("--claims", "claims_file", type=click.Path(dir_okay=False), help="Verify the claims in FILE (one per line).")
@click.option(
    "--claims-from-report",
    "report_file",
    type=click.Path(dir_okay=False),
    help="Verify the claims table of a report (tab-separated or Markdown; truncated claims are matched back).",
)
@click.option("--max-papers", default=10, show_default=True, type=click.IntRange(1), help="Relevant papers to extract claims from.")
@click.option("--max-claims", default=20, show_default=True, type=click.IntRange(1), help="Claims to verify.")
@click.option("-k", "--k", "k", default=5, show_default=True, type=click.IntRange(1), help="Evidence sentences per claim.")
@click.option("--min-relevance", type=float, help="Spreads above the probe questions a passage needs to bear on the question (default 3).")
@click.option("--encoder", help="Encoder name (default: the configured one; `hashing` needs no model).")
@click.option("--nli", help="Use this NLI cross-encoder model as the verifier instead of the shipped one.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per claim per line, in order.")
@click.option("--resume", "resume", type=int, metavar="RUN",
              help="Continue interrupted run RUN with its own question or input and settings (claims stored are kept).")
@click.option("--workers", type=click.IntRange(1), metavar="N",
              help="Encode missing passages and judge claims (--claims runs) on N one-thread Ray workers started here.")
@click.option("--ray-address", metavar="ADDR",
              help="Run those workers on the Ray cluster at ADDR instead (the database stays with this process).")
@click.pass_obj
def verify(
    settings: Settings,
    question: str | None,
    claims_file: str | None,
    report_file: str | None,
    max_papers: int,
    max_claims: int,
    k: int,
    min_relevance: float | None,
    encoder: str | None,
    nli: str | None,
    as_json: bool,
    resume: int | None,
    workers: int | None,
    ray_address: str | None,
) -> None:
    """Verify claims against evidence from the whole corpus; prints the run id and verdict counts."""
    from ..store import open_store
    from ..verify import GivenClaim, RunOptions, read_claims_file, verify_claims, verify_question

    given = [x for x in (question, claims_file, report_file) if x is not None]
    if resume is not None:
        if given:
            raise BadInputError("--resume takes the question or claims of the run it continues; give neither")
        with open_store(settings) as store:
            run = store.run(resume)
        stored = json.loads(run.get("settings") or "{}")
        question, claims_file, report_file = _inputs_of(run)
        encoder = encoder or stored.get("encoder_name")
        nli = nli or stored.get("nli")
        max_papers, max_claims, k = stored.get("max_papers", max_papers), stored.get("max_claims", max_claims), stored.get("k", k)
        min_relevance = stored.get("min_relevance", min_relevance)
    elif len(given) != 1:
        raise BadInputError("give exactly one of --question, --claims FILE, --claims-from-report FILE or --resume RUN")
    if question is not None and not question.strip():
        raise BadInputError("the question is empty")
    items: list[GivenClaim] = []
    title = ""
    seed_question = ""
    if claims_file is not None:
        items = read_claims_file(claims_file)
        if not items:
            raise BadInputError(f"no claims in {claims_file}")
    elif report_file is not None:
        from ..seeds import parse_report
        from pathlib import Path

        seed = parse_report(Path(report_file))
        items = [GivenClaim(c.text, c.verified, c.confidence, c.truncated) for c in seed.claims]
        title, seed_question = seed.title, seed.question

    with open_store(settings) as store, _ray(workers, ray_address) as pool:
        if store.passage_count() == 0:
            raise BadInputError("no papers with text in the database: add some first (synth fetch / synth add)")
        enc = load_encoder(encoder or settings.encoder, settings)
        ver = load_verifier(settings, nli)
        enc_name = encoder or settings.encoder
        opts = RunOptions(max_papers=max_papers, max_claims=max_claims, k=k, min_relevance=min_relevance,
                          encoder_name=enc_name, nli=nli)  # fmt: skip
        progress = not settings.quiet
        emit = (lambda r: click.echo(json.dumps(r.as_json(), ensure_ascii=False))) if as_json else None
        judge_many = None
        if pool is not None:
            from ..distributed import embed_on_workers, judge_claims

            embed_on_workers(store, enc, [r["text"] for r in store.all_passages()], "passage", settings, enc_name, pool)
            judge_many = partial(judge_claims, settings=settings, nli=nli, workers=pool)
        if question is not None:
            run_id, results = verify_question(store, question, enc, ver, opts, progress=progress, on_result=emit, resume=resume,
                                              settings=settings)
        else:
            run_id, results = verify_claims(
                store,
                items,
                enc,
                ver,
                opts,
                input_file=claims_file or report_file,
                input_kind="report" if report_file else "claims",
                question=seed_question,
                title=title,
                progress=progress,
                on_result=emit,
                resume=resume,
                judge_many=judge_many,
                settings=settings,
            )
        counts = json.loads(store.run(run_id).get("counts") or "{}")
    summary = (
        f"run {run_id}: {counts.get('claims', 0)} claims: {counts.get('SUPPORTED', 0)} SUPPORTED, "
        f"{counts.get('REFUTED', 0)} REFUTED, {counts.get('NOT_ENOUGH_INFO', 0)} NOT_ENOUGH_INFO"
    )
    if resume is not None:
        summary += f" ({len(results)} judged now, the others before the interruption)"
    # With --json stdout carries only the JSON lines; the summary goes to stderr.
    click.echo(summary, err=as_json)


@contextmanager
def _ray(workers: int | None, address: str | None) -> Iterator[int | None]:
    """Ray for this command when --workers or --ray-address asks for it (yields the pool size), else None."""
    if workers is None and address is None:
        yield None
        return
    from ..distributed import ray_cluster

    with ray_cluster(workers, address) as pool:
        yield pool


def _inputs_of(run: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(question, claims file, report file) that run `run` was started with."""
    if run["kind"] == "question":
        return run["question"], None, None
    path = run.get("input_file")
    if not path:
        raise BadInputError(f"run {run['id']} has no input file to resume from")
    if json.loads(run.get("settings") or "{}").get("input_kind") == "report":
        return None, None, path
    return None, path, None

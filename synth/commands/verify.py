"""`synth verify`: verify the claims of the papers bearing on a question, or given claims, and store the run."""

from __future__ import annotations

import json
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any, Iterator

import click

from ..config import Settings
from ..errors import BadInputError

if TYPE_CHECKING:
    from ..judge.claim import Claim
    from ..judge.run import RunParams


def load_encoder(name: str, settings: Settings) -> Any:
    """The named encoder (`hashing` needs no weights); imported here so `synth --help` stays instant."""
    from ..index.encoders import load_encoder as _load

    return _load(name, settings)


def load_reranker(settings: Settings) -> Any:
    """The shipped question -> sentence reranker, or None when turned off (SYNTH_RERANK=0) or not shipped."""
    from ..judge import rerank

    if not settings.answer.rerank or not rerank.available():
        return None
    return rerank.load(settings)


def load_verifier(settings: Settings, nli: str | None) -> Any:
    """The shipped verifier (or an NLI cross-encoder when `nli` names one); tests replace this seam."""
    from ..judge.verifier import load_verifier as _load

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
    from ..judge.run import RunParams

    given = [x for x in (question, claims_file, report_file) if x is not None]
    params = RunParams(max_papers=max_papers, max_claims=max_claims, k=k, min_relevance=min_relevance,
                       encoder_name=encoder, nli=nli)  # fmt: skip
    if resume is not None:
        if given:
            raise BadInputError("--resume takes the question or claims of the run it continues; give neither")
        question, claims_file, report_file, params = _resumed(settings, resume, params)
    elif len(given) != 1:
        raise BadInputError("give exactly one of --question, --claims FILE, --claims-from-report FILE or --resume RUN")
    if question is not None and not question.strip():
        raise BadInputError("the question is empty")
    params.encoder_name = params.encoder_name or settings.encoder.name
    items, seed_question = _given_claims(claims_file, report_file, params)
    run_id, n_judged = _run(settings, params, question, items, seed_question, claims_file or report_file, as_json,
                            resume, workers, ray_address)  # fmt: skip
    from ..store import open_store

    with open_store(settings) as store:
        counts = json.loads(store.run(run_id).get("counts") or "{}")
    summary = (
        f"run {run_id}: {counts.get('claims', 0)} claims: {counts.get('SUPPORTED', 0)} SUPPORTED, "
        f"{counts.get('REFUTED', 0)} REFUTED, {counts.get('NOT_ENOUGH_INFO', 0)} NOT_ENOUGH_INFO"
    )
    if resume is not None:
        summary += f" ({n_judged} judged now, the others before the interruption)"
    # With --json stdout carries only the JSON lines; the summary goes to stderr.
    click.echo(summary, err=as_json)


def _resumed(settings: Settings, run_id: int, given: RunParams) -> tuple[str | None, str | None, str | None, RunParams]:
    """The inputs and parameters of interrupted run `run_id` (an --encoder or --nli given now still wins)."""
    from ..judge.run import RunParams
    from ..store import open_store

    with open_store(settings) as store:
        run = store.run(run_id)
    stored = json.loads(run.get("settings") or "{}")
    params = RunParams.from_stored(stored, max_papers=given.max_papers, max_claims=given.max_claims, k=given.k,
                                   min_relevance=given.min_relevance)  # fmt: skip
    params.encoder_name = given.encoder_name or params.encoder_name
    params.nli = given.nli or params.nli
    return (*_inputs_of(run), params)


def _given_claims(claims_file: str | None, report_file: str | None, params: RunParams) -> tuple[list[Claim], str]:
    """The claims of a claims file or a report's claims table (and the report's question); sets the input's kind and
    title on `params`."""
    from ..judge.claim import Claim

    if claims_file is not None:
        from ..judge.audit import read_claims_file

        items = read_claims_file(claims_file)
        if not items:
            raise BadInputError(f"no claims in {claims_file}")
        params.input_kind = "claims"
        return items, ""
    if report_file is not None:
        from pathlib import Path

        from ..ingest.seeds import parse_report

        seed = parse_report(Path(report_file))
        params.input_kind, params.input_title = "report", seed.title
        return [Claim(c.text, truncated=c.truncated) for c in seed.claims], seed.question
    return [], ""


def _run(settings: Settings, params: RunParams, question: str | None, items: list[Claim], seed_question: str,
         input_file: str | None, as_json: bool, resume: int | None, workers: int | None,
         ray_address: str | None) -> tuple[int, int]:  # fmt: skip
    """Run the question or the given claims; (run id, claims judged in this call)."""
    from ..judge.audit import verify_claims
    from ..judge.question import verify_question
    from ..store import open_store

    with open_store(settings) as store, _ray(workers, ray_address) as pool:
        if store.passage_count() == 0:
            raise BadInputError("no papers with text in the database: add some first (synth fetch / synth add)")
        enc = load_encoder(params.encoder_name, settings)
        ver = load_verifier(settings, params.nli)
        progress = not settings.quiet
        emit = (lambda r: click.echo(json.dumps(r.as_json(), ensure_ascii=False))) if as_json else None
        judge_many = None
        if pool is not None:
            from ..index.workers import embed_on_workers
            from ..judge.workers import judge_claims

            embed_on_workers(store, enc, [r["text"] for r in store.all_passages()], "passage", settings, params.encoder_name, pool)
            judge_many = partial(judge_claims, settings=settings, nli=params.nli, workers=pool)
        if question is not None:
            run_id, results = verify_question(store, question, enc, ver, params, progress=progress, on_result=emit,
                                              resume=resume, settings=settings, reranker=load_reranker(settings))  # fmt: skip
        else:
            run_id, results = verify_claims(store, items, enc, ver, params, input_file=input_file,
                                            question=seed_question, progress=progress, on_result=emit, resume=resume,
                                            judge_many=judge_many, settings=settings)  # fmt: skip
    return run_id, len(results)


@contextmanager
def _ray(workers: int | None, address: str | None) -> Iterator[int | None]:
    """Ray for this command when --workers or --ray-address asks for it (yields the pool size), else None."""
    if workers is None and address is None:
        yield None
        return
    from ..index.workers import ray_cluster

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

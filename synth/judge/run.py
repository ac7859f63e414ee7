"""What every verification run shares: its parameters (stored with it, read back to resume it), opening and closing
the run, and the judge stage: a claim's evidence retrieved, judged and stored with its verdict."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..config import Settings
from ..errors import BadInputError, ModelError
from ..index.encoders.base import Encoder
from ..index.retrieve import RRF_K, Hit, Retriever
from ..store import Store
from .answering import BLEND, LANG_ALLOWANCE, PAPER_MARGIN
from .claim import Claim, JudgedClaim, evidence_json
from .relevance import RELEVANT_Z
from .verifier.abstain import verdict_reason
from .verifier.base import LABELS, Judgement, Verifier

RELEVANCE_RULE = (
    "robust z of the question-passage cosine against unrelated-field probes; a paper also needs half the best paper's "
    "z and, where the question names what only some papers mention, one of those names"
)

# Judges many (claim, evidence texts, retrieval scores) at once, yielding Judgements in the same order.
JudgeMany = Callable[[Sequence[tuple[str, list[str], list[float]]]], Iterable[Judgement]]


def default_dedup_cosine(encoder_id: str) -> float:
    """Cosine above which two claims count as the same claim (e5 puts distinct claims on one topic at 0.92-0.95)."""
    eid = encoder_id.lower()
    if "e5" in eid and "+" not in eid:
        return 0.97
    return 0.92


@dataclass
class RunParams:
    """The knobs of a run: stored with it (`as_stored`), shown in the report's methodology, and read back by
    `synth verify --resume` (`from_stored`)."""

    max_papers: int = 10
    max_claims: int = 20
    k: int = 5
    min_relevance: float | None = None  # robust z a passage needs to bear on the question (default RELEVANT_Z)
    same_paper_weight: float = 0.5
    ranking_depth: int = 100
    dedup_jaccard: float = 0.7
    dedup_cosine: float | None = None  # default: default_dedup_cosine of the encoder
    evidence_passages: int = 30
    encoder_name: str | None = None  # as given to load_encoder (so `synth verify --resume` loads the same one)
    nli: str | None = None  # the NLI cross-encoder used instead of the shipped verifier, if any
    input_kind: str | None = None  # audit runs: `claims` (one per line) or `report` (its claims table)
    input_title: str | None = None  # audit runs of a report: its title

    @property
    def min_z(self) -> float:
        """The relevance bar in force."""
        return self.min_relevance if self.min_relevance is not None else RELEVANT_Z

    def resolve(self, encoder: Encoder) -> RunParams:
        """Defaults that depend on the encoder filled in (in place; returns self)."""
        if self.dedup_cosine is None:
            self.dedup_cosine = default_dedup_cosine(getattr(encoder, "id", ""))
        return self

    def as_stored(self, encoder: Encoder, verifier: Verifier, reranker: Any = None) -> dict[str, Any]:
        """The run's settings as the store keeps them (and the report's methodology shows them); `reranker` is named
        only when a question run used one."""
        self.resolve(encoder)
        stored = {
            "synth_version": __version__,
            "encoder": getattr(encoder, "id", str(encoder)),
            "verifier": getattr(verifier, "id", str(verifier)),
            "k": self.k,
            "max_papers": self.max_papers,
            "max_claims": self.max_claims,
            "min_relevance": self.min_z,
            "relevance": RELEVANCE_RULE,
            "rrf_k": RRF_K,
            "same_paper_weight": self.same_paper_weight,
            "ranking_depth": self.ranking_depth,
            "dedup_jaccard": self.dedup_jaccard,
            "dedup_cosine": self.dedup_cosine,
            "evidence_passages": self.evidence_passages,
            "encoder_name": self.encoder_name,
            "nli": self.nli,
        }
        if reranker is not None:
            stored["reranker"] = getattr(reranker, "id", str(reranker))
            stored["paper_margin"] = PAPER_MARGIN
            stored["answer_blend"] = BLEND
            stored["language_allowance"] = LANG_ALLOWANCE
        if self.input_kind is not None:
            stored["input_kind"] = self.input_kind
        if self.input_title:
            stored["input_title"] = self.input_title
        return stored

    @classmethod
    def from_stored(cls, stored: dict[str, Any], **defaults: Any) -> RunParams:
        """The parameters a stored run ran with (`defaults` for what it did not store)."""
        known = {"max_papers", "max_claims", "k", "min_relevance", "same_paper_weight", "ranking_depth",
                 "dedup_jaccard", "dedup_cosine", "evidence_passages", "encoder_name", "nli", "input_kind",
                 "input_title"}  # fmt: skip
        values = {**defaults, **{k: v for k, v in stored.items() if k in known}}
        return cls(**values)


def progress_bar(iterable: Iterable, total: int, desc: str, show: bool) -> Iterable:
    """`iterable` with a tqdm bar on stderr when `show`."""
    if not show:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="claim")


def open_run(store: Store, resume: int | None, kind: str, question: str, input_file: str | None,
             stored: dict[str, Any]) -> tuple[int, dict[int, str]]:  # fmt: skip
    """A new run, or the interrupted run `resume` taken over; returns (run id, position -> text of stored claims)."""
    if resume is None:
        return store.start_run(kind, question, input_file, stored), {}
    run = store.resume_run(resume)
    if run["kind"] != kind:
        raise BadInputError(f"run {resume} is a {run['kind']} run, not a {kind} run")
    return resume, store.stored_claims(resume)


def already_stored(done: dict[int, str], run_id: int, position: int, text: str) -> bool:
    """Whether a resumed run stored this claim before it stopped (the same text at the same position)."""
    if position not in done:
        return False
    if done[position] != text:
        raise BadInputError(
            f"run {run_id} cannot be resumed: its claim {position} is no longer the same (the corpus or the input "
            "changed since it ran); start a new run"
        )
    return True


@contextmanager
def closing_run(store: Store, run_id: int) -> Iterator[None]:
    """Close the run as `interrupted` (Ctrl-C, SIGTERM) or `failed` (an error) when its body does not finish.

    A SIGKILL leaves it `running`; the store shows such a run as interrupted once its process is gone."""
    try:
        yield
    except KeyboardInterrupt:
        store.stop_run(run_id, "interrupted", "stopped by Ctrl-C")
        raise
    except SystemExit as exc:
        store.stop_run(run_id, "interrupted", f"stopped by a signal (exit {exc.code})")
        raise
    except BaseException as exc:
        store.stop_run(run_id, "failed", " ".join(f"{type(exc).__name__}: {exc}".split())[:500])
        raise


def corpus_retriever(store: Store, encoder: Encoder, progress: bool, settings: Settings | None) -> Retriever:
    """The retriever over every stored passage (`settings`, default the environment's, give its ANN settings); one
    line and a non-zero exit for an empty corpus."""
    retriever = Retriever(store, encoder, progress=progress, settings=settings)
    if len(retriever) == 0:
        raise BadInputError("no passages in the database: add papers first (synth fetch / synth add)")
    return retriever


def evidence_for(retriever: Retriever, claim: Claim, params: RunParams) -> list[Hit]:
    """The evidence hits for one claim (its own sentence and paper handled as the parameters say)."""
    return retriever.evidence(
        claim.text,
        params.k,
        exclude_passage=claim.passage_id,
        own_paper=claim.paper_id,
        same_paper_weight=params.same_paper_weight,
        passages=params.evidence_passages,
    )


def judge_and_store(store: Store, retriever: Retriever, verifier: Verifier, run_id: int, position: int,
                    claim: Claim, params: RunParams) -> JudgedClaim:  # fmt: skip
    """The judge stage for one claim: retrieve its evidence, judge it, store claim + evidence + verdict."""
    hits = evidence_for(retriever, claim, params)
    judgement = verifier.judge(claim.text, [h.text for h in hits], [h.score for h in hits]) if hits else None
    return store_judgement(store, verifier, run_id, position, claim, hits, judgement)


def store_judgement(store: Store, verifier: Verifier, run_id: int, position: int, claim: Claim, hits: list[Hit],
                    judgement: Judgement | None) -> JudgedClaim:  # fmt: skip
    """Store claim + evidence + verdict (`judgement` is None when there is no evidence) and return the result."""
    if judgement is not None:
        label, confidence, stances = judgement.label, float(judgement.confidence), list(judgement.stances)
    else:
        label, confidence, stances = "NOT_ENOUGH_INFO", 1.0, []
    if label not in LABELS:
        raise ModelError(f"verifier {getattr(verifier, 'id', verifier)} returned unknown label {label!r}")
    if label != "NOT_ENOUGH_INFO" and not hits:
        label = "NOT_ENOUGH_INFO"  # a verdict either way must carry evidence
    rows = [_evidence_row(h, stances[rank] if rank < len(stances) else None) for rank, h in enumerate(hits)]
    reason = verdict_reason(label, judgement if hits else None)
    verdict = {"label": label, "confidence": confidence, "verifier": getattr(verifier, "id", ""), "reason": reason}
    store.save_judged_claim(run_id, position, claim.as_row(), rows, verdict)
    evidence = [evidence_json(h.paper_id, h.page, h.text, h.lang, h.score) for h in hits]
    return JudgedClaim(claim, label, confidence, evidence, reason)


def _evidence_row(hit: Hit, stance: Any) -> dict[str, Any]:
    """One evidence row as stored: the sentence, where it is, its retrieval score and the verifier's stance."""
    return {
        "passage_id": hit.passage_id,
        "paper_id": hit.paper_id,
        "page": hit.page,
        "lang": hit.lang,
        "text": hit.text,
        "retrieval_score": hit.score,
        "align_score": getattr(stance, "align", None),
        "p_support": getattr(stance, "p_support", None),
        "p_refute": getattr(stance, "p_refute", None),
        "p_nei": getattr(stance, "p_nei", None),
        "score": getattr(stance, "score", None),
    }

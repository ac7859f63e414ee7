"""The SQLite schema, built only through these migrations (applied when the store opens)."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("synth")


@migrations()
def m001_papers(db: Database) -> None:
    """Papers, their passages (with an FTS5 index), per-page failures and the fetch log."""
    db["papers"].create(
        {
            "id": str,  # arXiv id without version, or local:<sha256 prefix>
            "version": str,
            "title": str,
            "authors": str,  # JSON list
            "published": str,
            "abstract": str,
            "categories": str,  # JSON list
            "source": str,  # arxiv / mirror / local
            "pdf_url": str,
            "pdf_path": str,
            "pdf_sha256": str,
            "pages": int,
            "status": str,  # pending / ok / no-text / failed
            "error": str,
            "added_at": str,
            "updated_at": str,
        },
        pk="id",
    )
    _create_passages(db)
    db["page_errors"].create(
        {"paper_id": str, "page": int, "error": str},
        pk=("paper_id", "page"),
        foreign_keys=[("paper_id", "papers", "id")],
    )
    _create_fetch_log(db)


def _create_passages(db: Database) -> None:
    """Part of m001: the passages table, unique per (paper, order), with an FTS5 index kept current by triggers."""
    db["passages"].create(
        {
            "id": int,
            "paper_id": str,
            "page": int,  # 1-based
            "ord": int,  # order within the paper
            "section": str,
            "text": str,
            "lang": str,
            "char_start": int,
            "char_end": int,
        },
        pk="id",
        foreign_keys=[("paper_id", "papers", "id")],
    )
    db["passages"].create_index(["paper_id", "ord"], unique=True)
    db["passages"].enable_fts(["text"], fts_version="FTS5", create_triggers=True, tokenize="unicode61 remove_diacritics 2")


def _create_fetch_log(db: Database) -> None:
    """Part of m001: the fetch log, one row per fetch / add call with its counts, failures and network events."""
    db["fetch_log"].create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "kind": str,  # ids / query / report / default / mirror / add
            "request": str,  # JSON: ids, query, max_results, report path, mirror dir, paths
            "hits": int,
            "fetched": int,
            "skipped": int,
            "failed": int,
            "failures": str,  # JSON list of {"id", "reason"}
            "events": str,  # JSON list of retries and other network events
        },
        pk="id",
    )


@migrations()
def m002_embeddings(db: Database) -> None:
    """Embedding cache: float32 blobs keyed by model id and text sha256, shared by every command."""
    db["embeddings"].create(
        {"model": str, "sha256": str, "dim": int, "vector": bytes},
        pk=("model", "sha256"),
    )


@migrations()
def m003_runs(db: Database) -> None:
    """Verification runs: ranking, claims, evidence and verdicts."""
    db["runs"].create(
        {
            "id": int,
            "kind": str,  # question / claims
            "question": str,
            "input_file": str,
            "settings": str,  # JSON
            "started_at": str,
            "finished_at": str,
            "status": str,  # running / done / failed / interrupted
            "counts": str,  # JSON
        },
        pk="id",
    )
    db["run_ranking"].create(
        {"run_id": int, "passage_id": int, "rank": int, "bm25": float, "dense": float, "fused": float},
        pk=("run_id", "passage_id"),
        foreign_keys=[("run_id", "runs", "id"), ("passage_id", "passages", "id")],
    )
    db["run_papers"].create(
        {"run_id": int, "paper_id": str, "rank": int, "score": float, "used": int},
        pk=("run_id", "paper_id"),
        foreign_keys=[("run_id", "runs", "id"), ("paper_id", "papers", "id")],
    )
    _create_claims(db)
    _create_evidence(db)
    db["verdicts"].create(
        {"claim_id": int, "label": str, "confidence": float, "verifier": str},
        pk="claim_id",
        foreign_keys=[("claim_id", "claims", "id")],
    )


def _create_claims(db: Database) -> None:
    """Part of m003: a run's claims, unique per (run, position), so they come back in input order."""
    db["claims"].create(
        {
            "id": int,
            "run_id": int,
            "position": int,  # order in the run (input order for given claims)
            "text": str,  # the whole claim
            "input_text": str,  # as given (may be truncated)
            "truncated": int,
            "paper_id": str,
            "page": int,
            "passage_id": int,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    db["claims"].create_index(["run_id", "position"], unique=True)


def _create_evidence(db: Database) -> None:
    """Part of m003: the evidence rows, each passage retrieved for a claim with its retrieval and NLI scores."""
    db["evidence"].create(
        {
            "id": int,
            "claim_id": int,
            "rank": int,
            "passage_id": int,
            "paper_id": str,
            "page": int,
            "lang": str,
            "text": str,
            "retrieval_score": float,
            "align_score": float,
            "p_support": float,
            "p_refute": float,
            "p_nei": float,
            "score": float,
        },
        pk="id",
        foreign_keys=[("claim_id", "claims", "id")],
    )


@migrations()
def m004_run_process(db: Database) -> None:
    """Who runs a run (pid, host) and why it stopped, so a killed run shows as interrupted; lookup indexes."""
    db["runs"].add_column("pid", int)
    db["runs"].add_column("host", str)
    db["runs"].add_column("error", str)
    db["evidence"].create_index(["claim_id", "rank"], if_not_exists=True)
    db["run_ranking"].create_index(["run_id", "rank"], if_not_exists=True)


@migrations()
def m005_findings(db: Database) -> None:
    """Findings of a question run: claims on one aspect, the papers stating them, and who agrees or conflicts."""
    db["findings"].create(
        {
            "run_id": int,
            "n": int,  # order in the run
            "label": str,
            "claim_ids": str,  # JSON list
            "paper_ids": str,  # JSON list: papers stating the finding's claims
            "agree": str,  # JSON list: other papers whose evidence supports them
            "conflict": str,  # JSON list: papers whose evidence refutes them
        },
        pk=("run_id", "n"),
        foreign_keys=[("run_id", "runs", "id")],
    )


@migrations()
def m006_finding_evidence(db: Database) -> None:
    """The evidence rows a finding's agreement and conflict rest on (on the finding's aspect, judged decisive)."""
    db["findings"].add_column("evidence_ids", str)  # JSON list of evidence.id


@migrations()
def m007_verdict_reason(db: Database) -> None:
    """Why a verdict is NOT_ENOUGH_INFO: `no_evidence` (nothing addresses the claim) or `unsettled` (evidence addresses
    it but does not settle it); NULL for SUPPORTED / REFUTED and for verdicts stored before this migration."""
    db["verdicts"].add_column("reason", str)


@migrations()
def m008_papers_from_the_page(db: Database) -> None:
    """Real papers: each passage's normalised section (synth.ingest.sections; NULL for passages stored before), the
    paper's DOI and language as read from its text, the glyphs its PDF maps to no text, and its reference list as
    entries."""
    db["passages"].add_column("section_kind", str)
    db["papers"].add_column("doi", str)
    db["papers"].add_column("lang", str)
    db["papers"].add_column("dropped_glyphs", int)  # characters the PDF maps to no text (U+FFFD), left out
    db["paper_references"].create(
        {"paper_id": str, "ord": int, "label": int, "raw": str, "doi": str, "arxiv_id": str, "year": int},
        pk=("paper_id", "ord"),
        foreign_keys=[("paper_id", "papers", "id")],
    )
    db["paper_references"].create_index(["arxiv_id"])


@migrations()
def m009_answer_scores(db: Database) -> None:
    """How well each claim of a question run answers the question (the reranker's score, judge.rerank) and each
    ranked paper's best such score; NULL where no reranker read them (given claims, runs stored before)."""
    db["claims"].add_column("answer_score", float)
    db["run_papers"].add_column("answer_score", float)

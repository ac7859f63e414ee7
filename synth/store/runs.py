"""Verification runs: the run row, its ranking and papers, and each claim with its evidence and verdict."""

from __future__ import annotations

import json
import os
import socket
from typing import TYPE_CHECKING, Any, Sequence

from ..errors import RunNotFoundError, StoreError
from .base import now

if TYPE_CHECKING:
    from sqlite_utils import Database

RUN_STATUSES = ("running", "done", "failed", "interrupted")

_FINDING_LISTS = ("claim_ids", "paper_ids", "agree", "conflict", "evidence_ids")  # findings' JSON list columns


def _alive(pid: int | None) -> bool:
    """Whether a process with this pid exists on this host (a zombie or another user's counts as alive)."""
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def effective_status(run: dict[str, Any]) -> str:
    """A run's status as a user should read it: a `running` run whose process on this host is gone was interrupted."""
    status = run.get("status") or "running"
    if status == "running" and run.get("host") == socket.gethostname() and not _alive(run.get("pid")):
        return "interrupted"
    return status


class RunsMixin:
    """Every query on runs, run_ranking, run_papers, claims, evidence and verdicts."""

    db: "Database"

    # -- the run row ----------------------------------------------------------------------------
    def start_run(self, kind: str, question: str, input_file: str | None, settings: dict[str, Any]) -> int:
        """Open a run (status running, with this process's pid and host); marks dead runs interrupted first."""
        self.mark_interrupted_runs()
        with self.transaction():  # type: ignore[attr-defined]
            table = self.db["runs"]
            table.insert(
                {
                    "kind": kind,
                    "question": question,
                    "input_file": input_file,
                    "settings": json.dumps(settings, ensure_ascii=False),
                    "started_at": now(),
                    "status": "running",
                    "counts": "{}",
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                }
            )
            return int(table.last_pk)

    def resume_run(self, run_id: int) -> dict[str, Any]:
        """Take over an interrupted or failed run in this process (status running again); returns its row.
        StoreError if it is done, or still running in a live process."""
        with self.transaction():  # type: ignore[attr-defined]
            run = self.run(run_id)
            if run["status"] not in ("interrupted", "failed"):
                raise StoreError(f"run {run_id} is {run['status']}: only an interrupted or failed run can be resumed")
            self.db["runs"].update(
                run_id, {"status": "running", "finished_at": None, "error": None, "pid": os.getpid(), "host": socket.gethostname()}
            )
        return run

    def finish_run(self, run_id: int, extra: dict[str, Any]) -> dict[str, Any]:
        """Close a run as done; its counts are the stored verdicts (measured, so a resumed run counts every claim)
        plus `extra`. Returns the counts."""
        with self.transaction():  # type: ignore[attr-defined]
            counts: dict[str, Any] = {label: 0 for label in ("SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO")}
            for label, n in self.db.execute(
                "SELECT v.label, COUNT(*) FROM claims c JOIN verdicts v ON v.claim_id = c.id WHERE c.run_id = ? GROUP BY v.label",
                [run_id],
            ):
                counts[label] = n
            counts["claims"] = sum(counts.values())
            counts.update(extra)
            self.db["runs"].update(run_id, {"finished_at": now(), "status": "done", "counts": json.dumps(counts)})
        return counts

    def stop_run(self, run_id: int, status: str, error: str | None = None) -> None:
        """Close a run that did not finish: `failed` (an error) or `interrupted` (Ctrl-C, SIGTERM)."""
        assert status in ("failed", "interrupted")
        with self.transaction():  # type: ignore[attr-defined]
            self.db["runs"].update(run_id, {"finished_at": now(), "status": status, "error": error})

    def mark_interrupted_runs(self) -> int:
        """Mark `running` runs whose process on this host is gone (killed, crashed) as interrupted; returns how many."""
        stale = [r["id"] for r in self.db.query("SELECT * FROM runs WHERE status = 'running'") if effective_status(dict(r)) == "interrupted"]
        if stale:
            with self.transaction():  # type: ignore[attr-defined]
                for rid in stale:
                    self.db["runs"].update(rid, {"status": "interrupted", "error": "the process stopped before the run finished"})
        return len(stale)

    def run(self, run_id: int | None = None) -> dict[str, Any]:
        """The run row (the latest when `run_id` is None) with `status` as a user should read it."""
        if run_id is None:
            rows = list(self.db.query("SELECT * FROM runs ORDER BY id DESC LIMIT 1"))
            if not rows:
                raise RunNotFoundError("no runs in the database: run `synth verify` first")
        else:
            rows = list(self.db.query("SELECT * FROM runs WHERE id = ?", [run_id]))
            if not rows:
                raise RunNotFoundError(f"no run with id {run_id}")
        row = dict(rows[0])
        row["status"] = effective_status(row)
        return row

    def runs(self) -> list[dict[str, Any]]:
        """Every run, oldest first, with the claims stored and verdict counts measured from the rows."""
        sql = """
        SELECT r.*, COUNT(c.id) AS claims_stored,
               SUM(v.label = 'SUPPORTED') AS supported, SUM(v.label = 'REFUTED') AS refuted,
               SUM(v.label = 'NOT_ENOUGH_INFO') AS nei
        FROM runs r LEFT JOIN claims c ON c.run_id = r.id LEFT JOIN verdicts v ON v.claim_id = c.id
        GROUP BY r.id ORDER BY r.id
        """
        out = []
        for r in self.db.query(sql):
            row = dict(r)
            row["status"] = effective_status(row)
            out.append(row)
        return out

    # -- ranking and papers -----------------------------------------------------------------------
    def save_ranking(self, run_id: int, rows: Sequence[dict[str, Any]]) -> None:
        """The passages ranked for a question run (passage_id, rank, bm25, dense, fused)."""
        with self.transaction():  # type: ignore[attr-defined]
            self.db["run_ranking"].insert_all([dict(r, run_id=run_id) for r in rows])

    def save_run_papers(self, run_id: int, rows: Sequence[dict[str, Any]]) -> None:
        """The papers a run ranked or used (paper_id, rank, score, used)."""
        with self.transaction():  # type: ignore[attr-defined]
            self.db["run_papers"].insert_all([dict(r, run_id=run_id) for r in rows], replace=True)

    def ranking_stats(self, run_id: int) -> dict[str, Any]:
        """Passages ranked and the best dense score of a run, and how many papers it ranked and used."""
        q = self.db.execute
        n, best = q("SELECT COUNT(*), MAX(dense) FROM run_ranking WHERE run_id = ?", [run_id]).fetchone()
        ranked, used = q("SELECT COUNT(*), COALESCE(SUM(used = 1), 0) FROM run_papers WHERE run_id = ?", [run_id]).fetchone()
        return {"passages_ranked": n, "max_dense": best, "papers_ranked": ranked, "papers_used": used}

    def run_papers(self, run_id: int) -> list[dict[str, Any]]:
        """The papers a run ranked, in rank order: paper_id, title, rank, score (relevance), used."""
        sql = ("SELECT r.*, p.title FROM run_papers r LEFT JOIN papers p ON p.id = r.paper_id "
               "WHERE r.run_id = ? ORDER BY r.rank")  # fmt: skip
        return [dict(r) for r in self.db.query(sql, [run_id])]

    # -- claims, evidence, verdicts ---------------------------------------------------------------
    def save_judged_claim(
        self,
        run_id: int,
        position: int,
        claim: dict[str, Any],
        evidence: Sequence[dict[str, Any]],
        verdict: dict[str, Any],
    ) -> int:
        """A claim with its evidence and verdict (label, confidence, verifier, reason), as one transaction (never a
        claim without its verdict)."""
        with self.transaction():  # type: ignore[attr-defined]
            claims = self.db["claims"]
            claims.insert(
                {
                    "run_id": run_id,
                    "position": position,
                    "text": claim["text"],
                    "input_text": claim.get("input_text"),
                    "truncated": int(bool(claim.get("truncated"))),
                    "paper_id": claim.get("paper_id"),
                    "page": claim.get("page"),
                    "passage_id": claim.get("passage_id"),
                    **({"answer_score": claim["answer_score"]} if claim.get("answer_score") is not None else {}),
                }
            )
            claim_id = int(claims.last_pk)
            if evidence:
                self.db["evidence"].insert_all([dict(e, claim_id=claim_id, rank=i) for i, e in enumerate(evidence, start=1)])
            self.db["verdicts"].insert(dict(verdict, claim_id=claim_id))
        return claim_id

    def stored_claims(self, run_id: int) -> dict[int, str]:
        """position -> claim text of the claims a run has stored (each with its verdict: they are written together)."""
        return {int(p): t for p, t in self.db.execute("SELECT position, text FROM claims WHERE run_id = ?", [run_id])}

    def evidence_papers(self, run_id: int) -> list[str]:
        """The papers quoted as evidence anywhere in a run, sorted."""
        sql = "SELECT DISTINCT e.paper_id FROM evidence e JOIN claims c ON c.id = e.claim_id WHERE c.run_id = ? ORDER BY e.paper_id"
        return [r[0] for r in self.db.execute(sql, [run_id])]

    def has_ranking(self, run_id: int) -> bool:
        """Whether a question run's passage ranking is stored."""
        return self.db.execute("SELECT 1 FROM run_ranking WHERE run_id = ? LIMIT 1", [run_id]).fetchone() is not None

    def save_findings(self, run_id: int, findings: Sequence[dict[str, Any]]) -> None:
        """Replace a run's findings ({label, claim_ids, paper_ids, agree, conflict, evidence_ids}), in order, in one
        transaction."""
        rows = [
            {"run_id": run_id, "n": n, "label": f["label"],
             **{k: json.dumps(f.get(k) or [], ensure_ascii=False) for k in _FINDING_LISTS}}
            for n, f in enumerate(findings, start=1)
        ]  # fmt: skip
        with self.transaction():  # type: ignore[attr-defined]
            self.db.execute("DELETE FROM findings WHERE run_id = ?", [run_id])
            if rows:
                self.db["findings"].insert_all(rows)

    def findings(self, run_id: int) -> list[dict[str, Any]]:
        """A run's findings in order (JSON lists decoded)."""
        out = []
        for r in self.db.query("SELECT * FROM findings WHERE run_id = ? ORDER BY n", [run_id]):
            row = dict(r)
            for k in _FINDING_LISTS:  # evidence_ids stays None for findings stored before m006
                row[k] = json.loads(row[k]) if row.get(k) is not None else (None if k == "evidence_ids" else [])
            out.append(row)
        return out

    def run_claims(self, run_id: int) -> list[dict[str, Any]]:
        """A run's claims in order, each with its verdict (label, confidence, verifier, reason), the language of its
        source passage (`lang`) and `evidence` rows by rank."""
        claims = [
            dict(r)
            for r in self.db.query(
                "SELECT c.*, v.label, v.confidence, v.verifier, v.reason, s.lang AS lang FROM claims c "
                "LEFT JOIN verdicts v ON v.claim_id = c.id LEFT JOIN passages s ON s.id = c.passage_id "
                "WHERE c.run_id = ? ORDER BY c.position",
                [run_id],
            )
        ]
        evidence: dict[int, list[dict[str, Any]]] = {}
        for e in self.db.query(
            "SELECT e.* FROM evidence e JOIN claims c ON c.id = e.claim_id WHERE c.run_id = ? ORDER BY e.claim_id, e.rank",
            [run_id],
        ):
            evidence.setdefault(e["claim_id"], []).append(dict(e))
        for c in claims:
            c["evidence"] = evidence.get(c["id"], [])
        return claims

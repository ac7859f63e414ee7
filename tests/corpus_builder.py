"""Small generated corpora (en, sw, de, fr) stored straight through the Store, and a test-double verifier."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from synth.ingest.sentences import tokens
from synth.store import Store
from synth.judge.verifier.base import Judgement, Stance


@dataclass
class Paper:
    """A generated paper: id, title, language and its passages as (page, text)."""

    id: str
    title: str
    lang: str
    passages: list[tuple[int, str]]
    source: str = "arxiv"
    authors: list[str] = field(default_factory=lambda: ["A. Author", "B. Author"])
    published: str = "2023-01-29"


OPTICAL = Paper(
    "2301.12566",
    "Improving Cross-lingual Information Retrieval on Low-Resource Languages via Optimal Transport Distillation",
    "en",
    [
        (1, "Optimal transport distillation improves cross-lingual retrieval for low-resource languages. "
            "OPTICAL formulates the cross-lingual token alignment task as an optimal transport problem. "
            "How can we retrieve documents in Swahili with English queries? "
            "Copyright 2023 the authors, licensed under CC-BY 4.0."),
        (2, "The loss is defined as the Frobenius inner product of the transportation plan and the cost matrix. "
            "Sasaki et al. built WikiCLIR from linked Wikipedia articles, e.g. in German. "
            "Figure 2: The transport plan between Swahili and English tokens. "
            "[12]"),
        (3, "OPTICAL outperforms the neural machine translation baseline by 13.7% MAP on Swahili retrieval. "
            "The model reaches 0.75 recall at rank 10 on the Somali test set, compared with 0.61 for mBERT. "
            "Table 3: Mean average precision per language. "
            "Contact: optical@example.org for the code."),
    ],
)
FOLLOWUP = Paper(
    "2405.09820",
    "A follow-up study of distillation for cross-lingual retrieval",
    "en",
    [
        (2, "In our replication, optimal transport distillation improves cross-lingual retrieval for low-resource "
            "languages such as Somali. "
            "Contrary to the original report, the loss is not the Frobenius inner product of the transportation plan "
            "and the cost matrix."),
    ],
    published="2024-05-16",
)
SWAHILI = Paper(
    "local:sw0001",
    "Urejeshaji wa taarifa kwa lugha za rasilimali chache",
    "sw",
    [
        (1, "Usafirishaji bora wa maarifa huboresha urejeshaji wa taarifa kati ya lugha kwa lugha za rasilimali chache. "
            "Mbinu hii ni bora kuliko tafsiri ya mashine kwa asilimia 13.7 kwenye Kiswahili. "
            "Jedwali 1: Matokeo kwa kila lugha."),
    ],
    source="local",
)
GERMAN = Paper(
    "2004.08116",
    "Sprachübergreifendes Retrieval mit optimalem Transport",
    "de",
    [
        (1, "Die Destillation mit optimalem Transport verbessert das sprachübergreifende Retrieval deutlich. "
            "Das Modell übertrifft z.B. mBERT um 5 Punkte bei der mittleren Präzision. "
            "Abbildung 1: Die Architektur des Modells."),
    ],
)
FRENCH = Paper(
    "2106.09063",
    "Recherche d'information multilingue",
    "fr",
    [
        (1, "La distillation par transport optimal améliore la recherche multilingue pour les langues peu dotées. "
            "Le modèle surpasse la traduction automatique de 13.7 points sur le swahili. "
            "Tableau 2 : Résultats par langue."),
    ],
)
GEOLOGY = Paper(
    "2201.00001",
    "Sediment transport in alpine rivers",
    "en",
    [
        (1, "Glacial rivers carry more sediment during the summer melt than in winter. "
            "Basalt boulders are transported by floods over long distances in steep valleys."),
    ],
)
DEFAULT = (OPTICAL, FOLLOWUP, SWAHILI, GERMAN, FRENCH, GEOLOGY)


def build(store: Store, papers: Sequence[Paper] = DEFAULT) -> Store:
    """Store the papers and their passages; returns the store."""
    for p in papers:
        store.upsert_paper(
            {
                "id": p.id,
                "title": p.title,
                "authors": p.authors,
                "published": p.published,
                "source": p.source,
                "pages": max(pg for pg, _ in p.passages),
                "status": "ok",
            }
        )
        store.replace_passages(p.id, [{"page": pg, "text": t, "lang": p.lang} for pg, t in p.passages])
    return store


class OverlapVerifier:
    """Test double for orchestration tests ONLY: SUPPORTED when an evidence text shares most of the claim's words,
    REFUTED when it also contains "not"/"never", else NOT_ENOUGH_INFO. No model, no correctness claims."""

    id = "overlap-test-double"

    def judge(self, claim: str, evidence: Sequence[str], retrieval_scores: Sequence[float] | None = None) -> Judgement:
        ct = tokens(claim)
        stances = []
        for e in evidence:
            et = tokens(e)
            overlap = len(ct & et) / max(1, len(ct))
            negated = bool({"not", "never"} & et) and not {"not", "never"} & ct
            if overlap >= 0.5:
                stances.append(Stance(0.05, 0.9, 0.05) if negated else Stance(0.9, 0.05, 0.05))
            else:
                stances.append(Stance(0.1, 0.1, 0.8))
        if any(s.p_refute > 0.5 for s in stances):
            return Judgement("REFUTED", 0.8, stances)
        if any(s.p_support > 0.5 for s in stances):
            return Judgement("SUPPORTED", 0.7, stances)
        return Judgement("NOT_ENOUGH_INFO", 0.6, stances)


def ingest(store: Store, directory, papers: Sequence[Paper] = DEFAULT) -> Store:
    """Write each paper as a .txt file (one paragraph per passage) and store it through `synth.ingest.files.ingest_file`."""
    from pathlib import Path

    from synth.ingest.files import ingest_file

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for p in papers:
        path = directory / (p.id.replace(":", "_") + ".txt")
        path.write_text("\n\n".join(t for _, t in p.passages) + "\n", encoding="utf-8")
        meta = {"title": p.title, "authors": p.authors, "published": p.published, "source": p.source}
        ingest_file(store, p.id, path, meta)
    return store


def overlap_verifier(settings=None, nli=None) -> OverlapVerifier:
    """The test double by name, for SYNTH_VERIFIER=corpus_builder:overlap_verifier (Ray workers import it)."""
    return OverlapVerifier()


def slow_overlap_verifier(settings=None, nli=None) -> OverlapVerifier:
    """The test double taking 50 ms a claim, so a distributed job is still running when a test kills a worker."""
    import time

    class Slow(OverlapVerifier):
        def judge(self, claim, evidence, retrieval_scores=None):
            time.sleep(0.05)
            return super().judge(claim, evidence, retrieval_scores)

    return Slow()

"""Section headings → kinds: numbering, case, punctuation, languages, journal headings, captions, and carrying a kind
over topical sub-headings."""

from __future__ import annotations

import pytest

from synth.ingest.sections import (
    CLAIM_KINDS,
    SECTION_KINDS,
    carry_kind,
    claim_rank,
    is_back_matter,
    normalise_heading,
    section_kind,
)

CASES = {
    "abstract": [
        "Abstract", "ABSTRACT", "Abstract:", "Abstract.", "Zusammenfassung", "Résumé", "Resumen", "Resumo",
        "Muhtasari", "Significance", "Significance Statement", "Highlights", "In brief", "Graphical abstract",
        "Author summary", "Abstract—We study widgets and find that they work.",
    ],
    "introduction": [
        "Introduction", "1 Introduction", "1. Introduction", "I. INTRODUCTION", "I. I NTRODUCTION", "I NTRODUCTION",
        "Einleitung", "Introducción", "Introdução", "Utangulizi", "Background", "1.2 Background", "Related work",
        "2 Related Work", "Related Works", "Literature review", "Motivation",
    ],
    "methods": [
        "Methods", "METHODS", "Method", "Methodology", "Materials and Methods", "Materials & Methods",
        "2. Materials and methods", "Experimental Procedures", "STAR★Methods", "STAR Methods", "Methods summary",
        "Online Methods", "Method details", "Key resources table", "A. Setup", "Experimental setup", "Methoden",
        "Material und Methoden", "Méthodes", "Matériels et méthodes", "Métodos", "Materiales y métodos",
        "Materiais e métodos", "Mbinu", "Mbinu na vifaa", "Statistical analysis", "Patients and methods",
    ],
    "results": [
        "Results", "RESULTS", "3 Results", "2.3 Results and discussion", "Results and Discussion",
        "Results & Discussion", "R ESULTS AND D ISCUSSION", "IV. EXPERIMENTS", "Experiments", "Evaluation",
        "Experimental results", "Ergebnisse", "Ergebnisse und Diskussion", "Résultats", "Résultats et discussion",
        "Resultados", "Resultados y discusión", "Resultados e discussão", "Matokeo", "Ablation study", "Findings",
    ],
    "discussion": [
        "Discussion", "5. Discussion", "DISCUSSION:", "Discussion and conclusions", "Diskussion", "Discusión",
        "Discussão", "Majadiliano", "Limitations",
    ],
    "conclusion": [
        "Conclusion", "Conclusions", "6 Conclusions", "VI. CONCLUSION", "Concluding remarks", "5 Concluding Remarks",
        "Conclusions and future work", "Conclusion and Outlook", "Fazit", "Schlussfolgerung", "Schlussfolgerungen",
        "Conclusiones", "Conclusões", "Hitimisho", "Future work",
    ],
    "references": [
        "References", "REFERENCES", "References:", "Reference list", "Bibliography", "Literature cited",
        "Literature Cited", "Works cited", "References and Notes", "Literatur", "Literaturverzeichnis",
        "Références", "Bibliographie", "Referencias", "Referências", "Bibliografía", "Marejeo", "Marejeleo",
        "Kazi zilizorejelewa", "7 References",
    ],
    "acknowledgements": [
        "Acknowledgments", "Acknowledgements", "ACKNOWLEDGMENTS.", "Acknowledgement", "Funding", "Funding information",
        "Author contributions", "Author Contributions:", "Authors' contributions", "Competing interests",
        "Conflict of interest", "Conflicts of Interest", "Declaration of interests",
        "Declaration of Competing Interest",
        "Data availability", "Data Availability Statement", "Code availability", "Data and code availability",
        "Ethics statement", "Supplementary material", "Supplementary Materials", "Additional information",
        "Lead contact", "Resource availability", "Materials availability", "Danksagung", "Remerciements",
        "Agradecimientos", "Agradecimentos", "Shukrani", "Conflits d'intérêts",
    ],
    "caption": [
        "Figure 3", "Figure 3:", "Figure 3. Widgets at rest", "Fig. 2", "Fig. 2 | Widgets", "FIG. 2.", "Fig 2",
        "Table 1", "TABLE I", "Table A1", "Tab. 3", "Supplementary Figure S1", "Supplementary Table 2",
        "Extended Data Fig. 3", "Figure S4", "Abbildung 2", "Tabelle 1", "Tableau 2", "Tabla 3", "Figura 1",
        "Kielelezo 1", "Jedwali 2", "S1 Fig. Widget counts", "Figure 1a",
    ],
    "other": [
        "Sinkhorn distillation", "Microcin prevalence by phylogroup", "Appendix", "Appendix A", "Appendix A: Proofs",
        "APPENDIX B", "Appendices", "Supplementary information", "Supplementary Information", "Supplementary",
        "Supplementary Note 3", "Anhang", "Kiambatisho", "Table of contents", "B.1 Proofs", "Civil engineering",
        "", "   ", "3.2 Widget counts across strains", "Results of a survey of widget owners",
    ],
}


@pytest.mark.parametrize("kind, heading", [(k, h) for k, hs in CASES.items() for h in hs])
def test_heading_maps_to_its_kind(kind: str, heading: str) -> None:
    assert section_kind(heading) == kind


def test_summary_is_the_abstract_only_when_it_opens_the_paper() -> None:
    assert section_kind("Summary", first=True) == "abstract"
    assert section_kind("SUMMARY", first=True) == "abstract"
    assert section_kind("Summary") == "conclusion"
    assert section_kind("7. Summary") == "conclusion"
    assert section_kind("Methods summary", first=True) == "methods"


def test_none_and_odd_input_are_other() -> None:
    assert section_kind(None) == "other"
    assert section_kind("x" * 10_000) == "other"
    assert section_kind("\x00\x01 Results \x02") in SECTION_KINDS
    assert section_kind("1.2.3.4.5.6.7") == "other"
    assert section_kind("Results" + " " * 5000 + "and") in SECTION_KINDS


def test_every_kind_returned_is_a_section_kind() -> None:
    for headings in CASES.values():
        for heading in headings:
            assert section_kind(heading) in SECTION_KINDS


def test_normalise_heading_drops_accents_punctuation_and_case() -> None:
    assert normalise_heading("Résultats & Discussion:") == "resultats and discussion"
    assert normalise_heading("STAR★Methods") == "star methods"
    assert normalise_heading("Authors’ contributions") == "authors contributions"


def test_carry_kind_keeps_the_section_over_topical_sub_headings() -> None:
    assert carry_kind("results", "Microcin prevalence by phylogroup") == "results"
    assert carry_kind("methods", "2.1 Sinkhorn distillation") == "methods"
    assert carry_kind("results", "Discussion") == "discussion"
    assert carry_kind("results", None) == "results"
    assert carry_kind("results", "  ") == "results"
    assert carry_kind("other", "Summary", first=True) == "abstract"


def test_carry_kind_after_back_matter_or_a_caption_starts_other() -> None:
    assert carry_kind("references", "Appendix A") == "other"
    assert carry_kind("references", "Supplementary") == "other"
    assert carry_kind("references", "Supplementary information") == "other"
    assert carry_kind("references", "Proof of Lemma 3") == "other"
    assert carry_kind("acknowledgements", "Widget counts") == "other"
    assert carry_kind("caption", "Widget counts") == "other"
    assert carry_kind("references", "Methods") == "methods"  # Nature: Methods after the main references
    assert carry_kind("not-a-kind", "Widget counts") == "other"


def test_back_matter_and_claim_order() -> None:
    assert is_back_matter("references") and is_back_matter("acknowledgements")
    assert not any(is_back_matter(k) for k in ("abstract", "results", "caption", "other", "methods"))
    assert CLAIM_KINDS[:4] == ("abstract", "results", "discussion", "conclusion")
    assert CLAIM_KINDS[-1] == "methods"
    assert CLAIM_KINDS.index("introduction") < CLAIM_KINDS.index("other") < CLAIM_KINDS.index("methods")
    assert set(CLAIM_KINDS) <= set(SECTION_KINDS)
    for never in ("caption", "references", "acknowledgements"):
        assert never not in CLAIM_KINDS and claim_rank(never) is None
    assert claim_rank("abstract") == 0 and claim_rank("methods") == len(CLAIM_KINDS) - 1

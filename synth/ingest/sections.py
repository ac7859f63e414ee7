"""Section headings → section kinds (abstract, methods, results, ...), in the languages synth reads.

Claims are drawn from some kinds of section before others and never from captions or back matter, so a heading as it
comes out of a PDF ("2.3 Results and discussion", "IV. EXPERIMENTS", "STAR★Methods", "Danksagung") is mapped to one
of a few kinds here. Pure functions: no I/O, no state.
"""

from __future__ import annotations

import re
import unicodedata

SECTION_KINDS = (
    "abstract",
    "introduction",
    "methods",
    "results",
    "discussion",
    "conclusion",
    "references",
    "acknowledgements",
    "caption",
    "other",
)
# The order in which claims are drawn from sections: findings first, methods last; captions and back matter never.
CLAIM_KINDS = ("abstract", "results", "discussion", "conclusion", "introduction", "other", "methods")
BACK_MATTER = frozenset({"references", "acknowledgements"})

_MAX_HEADING = 300  # a longer "heading" is read only up to here

# Normalised headings (casefolded, accents and punctuation dropped, apostrophes removed) → kind.
_TERMS: dict[str, tuple[str, ...]] = {
    "abstract": (
        "abstract", "abstracts", "graphical abstract", "structured abstract", "extended abstract", "significance",
        "significance statement", "statement of significance", "highlights", "research highlights", "in brief",
        "key points", "author summary", "lay summary", "plain language summary", "editors summary",
        "one sentence summary", "synopsis", "zusammenfassung", "kurzfassung", "abstrakt", "resume", "resumen",
        "resumo", "sommaire", "muhtasari", "ikhtisari", "dhahania",
    ),
    "introduction": (
        "introduction", "intro", "background", "related work", "related works", "related literature", "prior work",
        "previous work", "literature review", "review of literature", "review of the literature", "state of the art",
        "motivation", "preliminaries", "aims", "objectives", "aim", "objective", "einleitung",
        "einfuhrung", "hintergrund", "verwandte arbeiten", "stand der forschung", "contexte", "travaux connexes",
        "etat de lart", "introduccion", "antecedentes", "trabajos relacionados", "objetivos", "introducao",
        "trabalhos relacionados", "utangulizi", "usuli", "kazi zinazohusiana",
    ),
    "methods": (
        "methods", "method", "methodology", "methodologies", "materials", "material", "experimental procedures",
        "experimental procedure", "experimental section", "experimental", "experimental setup", "experimental setting",
        "experimental settings", "experimental design", "experimental details", "setup", "set up", "settings",
        "star methods", "methods summary", "online methods", "method details", "methods details",
        "key resources table", "experimental model and subject details",
        "experimental model and study participant details", "quantification and statistical analysis",
        "statistical analysis", "statistical analyses", "statistics", "patients", "subjects", "participants",
        "study design", "study population", "data collection", "data", "dataset", "datasets", "data sources",
        "approach", "our approach", "proposed method", "the proposed method", "model", "models", "implementation",
        "implementation details", "training details", "problem formulation", "problem statement", "problem setup",
        "problem setting", "methoden", "methode", "methodik", "material und methoden", "materialien",
        "versuchsaufbau", "methodes", "methodologie", "materiel", "materiels", "dispositif experimental",
        "metodos", "metodo", "metodologia", "materiales", "materiais", "mbinu", "mbinu za utafiti", "methodolojia",
        "vifaa",
    ),
    "results": (
        "results", "result", "experiments", "experiment", "evaluation", "evaluations", "experimental results",
        "empirical results", "empirical evaluation", "experimental evaluation", "findings", "main results",
        "analysis", "ablation", "ablations", "ablation study", "ablation studies", "case study", "case studies",
        "numerical results", "simulation results", "simulations", "observations", "performance evaluation",
        "ergebnisse", "ergebnis", "befunde", "experimente", "auswertung", "resultats", "experiences",
        "evaluation experimentale", "resultados", "experimentos", "evaluacion", "avaliacao", "matokeo",
        "matokeo ya utafiti", "majaribio", "tathmini",
    ),
    "discussion": (
        "discussion", "discussions", "general discussion", "limitations", "limitation", "interpretation",
        "implications", "diskussion", "discussion generale", "discusion", "discussao", "mjadala", "majadiliano",
    ),
    "conclusion": (
        "conclusion", "conclusions", "concluding remarks", "final remarks", "closing remarks", "outlook",
        "future work", "future directions", "future research", "perspectives", "lessons learned", "fazit",
        "schlussfolgerung", "schlussfolgerungen", "schluss", "schlussbemerkungen", "ausblick", "conclusiones",
        "conclusion generale", "conclusao", "conclusoes", "consideracoes finais", "hitimisho",
    ),
    "references": (
        "references", "reference", "reference list", "references cited", "bibliography", "literature cited",
        "cited literature", "works cited", "literature", "citations", "references and notes", "notes and references",
        "literatur", "literaturverzeichnis", "quellen", "quellenverzeichnis", "references bibliographiques",
        "bibliographie", "referencias", "referencias bibliograficas", "bibliografia", "marejeo", "marejeleo",
        "kazi zilizorejelewa", "vyanzo",
    ),
    "acknowledgements": (
        "acknowledgements", "acknowledgments", "acknowledgement", "acknowledgment", "funding", "funding information",
        "funding statement", "financial support", "author contributions", "author contribution",
        "authors contributions", "credit authorship contribution statement", "competing interests",
        "competing interest", "competing financial interests", "conflict of interest", "conflicts of interest",
        "conflict of interests", "declaration of interests", "declaration of interest",
        "declaration of competing interest", "declarations", "disclosure", "disclosures", "data availability",
        "data availability statement", "availability of data and materials", "code availability",
        "data and code availability", "software availability", "materials availability", "resource availability",
        "lead contact", "ethics statement", "ethics", "ethical approval", "ethics approval", "ethics declarations",
        "ethics approval and consent to participate", "consent for publication", "supplementary material",
        "supplementary materials", "supporting information", "additional information", "additional files",
        "author information", "correspondence", "corresponding author", "reporting summary",
        "peer review information", "publishers note", "rights and permissions", "open access", "abbreviations",
        "broader impact", "broader impacts", "impact statement", "danksagung", "danksagungen", "dank",
        "finanzierung", "interessenkonflikt", "interessenkonflikte", "autorenbeitrage", "remerciements",
        "financement", "conflits dinterets", "conflit dinterets", "contributions des auteurs", "agradecimientos",
        "financiacion", "financiamiento", "conflicto de intereses", "conflictos de interes",
        "contribucion de los autores", "agradecimentos", "conflito de interesses", "contribuicoes dos autores",
        "shukrani", "shukurani", "ufadhili", "mgongano wa maslahi", "michango ya waandishi",
    ),
    "other": (
        "appendix", "appendices", "supplementary", "supplementary information", "supplementary notes",
        "supplementary note", "supplementary text", "supplemental information", "supplemental material",
        "extended data", "anhang", "annexe", "annexes", "anexo", "anexos", "apendice", "kiambatisho", "viambatisho",
    ),
}
_KIND_OF: dict[str, str] = {term: kind for kind, terms in _TERMS.items() for term in terms}
_NOSPACE: dict[str, str] = {term.replace(" ", ""): kind for term, kind in _KIND_OF.items()}
# Further parts allowed after "and" in a compound heading ("References and notes", "Conclusions and open problems").
_EXTRA_PARTS = frozenset({"notes", "open problems", "open questions", "future directions", "remarks", "summary"})

_NUMBERING = re.compile(
    r"^(?:#{1,6}\s*)?(?:(?i:section|chapter|part|sec\.?)\s*|§\s*)?"
    r"(?:\d{1,3}(?:\.\d{1,3}){0,4}\.?\)?|[IVXLC]{1,6}(?:\.\d{1,3}){0,3}[.)]?|[A-Z](?:\.\d{1,3}){1,4}\.?|[A-Za-z][.)])"
    r"(?:\s*[:.\-–—]\s*|\s+)"
)
_SMALL_CAPS = re.compile(r"\b([A-Z]) (?=[A-Z]{2,}\b)")  # "I NTRODUCTION" as PDFs give small capitals
_CONJUNCTION = re.compile(r"\s+(?:and|und|et|y|e|na)\s+")
_RUN_IN = re.compile(r"\s*(?:[:—–|]|\.\s|\s-\s)")  # "Abstract—We study ...", "Results. We found ..."
_CAPTION = re.compile(
    r"^(?:(?:supplementary|supplemental|suppl\.?|extended\s+data|supporting(?:\s+information)?)\s+)?"
    r"(?:fig(?:ure)?s?|tab(?:le)?s?|scheme|chart|plate|abb(?:ildung)?|tabelle|tableau|tabla|figura|tabela|"
    r"kielelezo|jedwali|video|movie)\s*\.?\s*(?:no\.?\s*)?(?:[a-z]?\d{1,3}[a-z]?|[ivxl]{1,5})(?![\w-])"
    r"|^s\d{1,3}\s+(?:fig|table|file|text|appendix|data|dataset|video|movie)\b",
    re.IGNORECASE,
)
_APPENDIX = re.compile(r"^(?:appendix|appendices|anhang|annexe|anexo|apendice|kiambatisho|viambatisho)\b")
_SUPPLEMENTARY = re.compile(r"^(?:supplementary|supplemental)\b")


def normalise_heading(heading: str) -> str:
    """Casefolded, accents and apostrophes dropped, every other non-alphanumeric run one space: the lookup key."""
    text = unicodedata.normalize("NFKD", heading[:_MAX_HEADING])
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"['’`´]", "", text).replace("&", " and ").replace("+", " and ")
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def _candidates(heading: str) -> list[str]:
    """The heading without its numbering, then with small capitals repaired, then as it stands."""
    raw = " ".join(heading[:_MAX_HEADING].split())
    stripped = _NUMBERING.sub("", raw, count=1) if _NUMBERING.match(raw) else raw
    out = [stripped, _SMALL_CAPS.sub(r"\1", stripped), _SMALL_CAPS.sub(r"\1", raw), raw]
    return list(dict.fromkeys(c for c in out if c))


def _term_kind(key: str, first: bool) -> str | None:
    """The kind of one normalised term ("summary" depends on whether it opens the paper)."""
    if key == "summary":
        return "abstract" if first else "conclusion"
    return _KIND_OF.get(key) or _NOSPACE.get(key.replace(" ", ""))


def _compound_kind(key: str, first: bool) -> str | None:
    """"results and discussion" → results: every part known, the first one decides."""
    parts = [p for p in _CONJUNCTION.split(key) if p]
    if len(parts) < 2:
        return None
    kinds = [_term_kind(p, first) for p in parts]
    if kinds[0] is None or any(k is None and p not in _EXTRA_PARTS for k, p in zip(kinds, parts)):
        return None
    return kinds[0]


def _pattern_kind(key: str) -> str | None:
    """Headings recognised by how they begin: appendices and supplementary sections."""
    if _APPENDIX.match(key):
        return "other"
    if _SUPPLEMENTARY.match(key):
        rest = key.split(" ", 1)[1] if " " in key else ""
        return "acknowledgements" if rest in ("material", "materials", "data", "files") else "other"
    return None


def _known_kind(heading: str | None, first: bool) -> str | None:
    """The kind of a recognised heading, or None for a topical one."""
    if not isinstance(heading, str) or not heading.strip():
        return None
    for candidate in _candidates(heading):
        if _CAPTION.match(candidate):
            return "caption"
        key = normalise_heading(candidate)
        kind = _term_kind(key, first) or _compound_kind(key, first) or _pattern_kind(key)
        if kind:
            return kind
    for candidate in _candidates(heading):  # a run-in heading: "Abstract—We study ...", "Results: ..."
        m = _RUN_IN.search(candidate)
        if m and m.start() > 0:
            head = normalise_heading(candidate[: m.start()])
            kind = _term_kind(head, first) or _compound_kind(head, first)
            if kind:
                return kind
    return None


def section_kind(heading: str | None, first: bool = False) -> str:
    """The kind (one of SECTION_KINDS) of a heading as found in a paper; "other" for a topical heading.

    `first` says the heading opens the paper: "Summary" there is the abstract, later it is a conclusion."""
    return _known_kind(heading, first) or "other"


def carry_kind(previous: str, heading: str | None, first: bool = False) -> str:
    """The kind of the section a heading opens, given the kind before it: a recognised heading gives its own kind;
    a topical sub-heading keeps `previous` (a sub-heading in Results stays results), except after back matter or a
    caption, where it starts an "other" section (an appendix after the references is not references)."""
    kind = _known_kind(heading, first)
    if kind is not None:
        return kind
    if heading is None or not str(heading).strip():
        return previous
    if previous in BACK_MATTER or previous == "caption" or previous not in SECTION_KINDS:
        return "other"
    return previous


def is_back_matter(kind: str) -> bool:
    """Whether a section of this kind is back matter (references, acknowledgements, declarations, availability)."""
    return kind in BACK_MATTER


def claim_rank(kind: str) -> int | None:
    """Where claims from a section of this kind come in CLAIM_KINDS (0 first); None when never drawn from it."""
    return CLAIM_KINDS.index(kind) if kind in CLAIM_KINDS else None

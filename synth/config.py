"""One Settings object, grouped like the pipeline: paths and output at the top, then arXiv, HTTP, resource limits,
the encoder, the ANN index and the verifier. Every field has a description and may be overridden by its SYNTH_*
environment variable; `Settings.from_env(**overrides)` reads them, overrides named `<group>_<field>`
(`encoder_precision="fp32"`, `verifier_model="features"`) or by a top-level name (`db`, `home`, `quiet`)."""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BASE_ENCODER = "e5-small"  # the student that distilled artefacts and the verifier build on, unless they name another


def _field(default: Any, help: str, env: str | None = None) -> Any:
    return field(default=default, metadata={"help": help, "env": env})


def _group(cls: type, help: str) -> Any:
    return field(default_factory=cls, metadata={"help": help, "group": True})


@dataclass
class ArxivSettings:
    """The arXiv API."""

    api_url: str = _field(
        "https://export.arxiv.org/api/query",
        "Full arXiv API query URL (tests point it at a loopback server).",
        "SYNTH_ARXIV_API_URL",
    )
    delay_seconds: float = _field(3.0, "Seconds between arXiv API requests (arXiv asks for >= 3).", "SYNTH_ARXIV_DELAY")
    page_size: int = _field(
        100, "Results per arXiv API request when `fetch --query` pages through a search (1 to 2000).", "SYNTH_ARXIV_PAGE_SIZE"
    )


@dataclass
class HttpSettings:
    """Downloads (PDFs, API requests)."""

    timeout: float = _field(30.0, "Seconds before an HTTP request times out.", "SYNTH_HTTP_TIMEOUT")
    retries: int = _field(4, "Retries for timeouts, 429 and 5xx.", "SYNTH_HTTP_RETRIES")
    backoff: float = _field(2.0, "Base of the exponential backoff, in seconds.", "SYNTH_HTTP_BACKOFF")


@dataclass
class Limits:
    """Resource limits of ingest: every over-limit input gets a one-line error or a skipped page, never a hang."""

    max_file_bytes: int = _field(
        200_000_000, "Largest PDF / .txt / .md file `synth add` and `fetch` will read, in bytes.", "SYNTH_MAX_FILE_BYTES"
    )
    max_pdf_pages: int = _field(2000, "PDFs with more pages than this are refused.", "SYNTH_MAX_PDF_PAGES")
    max_page_content_bytes: int = _field(
        10_000_000,
        "Decompressed size of one PDF page's content streams above which the page is skipped (defuses zip bombs).",
        "SYNTH_MAX_PAGE_CONTENT_BYTES",
    )
    max_pdf_content_bytes: int = _field(
        200_000_000,
        "Decompressed size of all of a PDF's page content together above which the PDF is refused.",
        "SYNTH_MAX_PDF_CONTENT_BYTES",
    )
    max_page_chars: int = _field(
        100_000, "Characters of text one PDF page may yield; a page with more is skipped.", "SYNTH_MAX_PAGE_CHARS"
    )
    max_passage_chars: int = _field(
        2000,
        "Longest passage: a run of text without sentence ends (tables, lists) is cut at whitespace to this length.",
        "SYNTH_MAX_PASSAGE_CHARS",
    )


@dataclass
class EncoderSettings:
    """The encoder of retrieval (passages, questions, claims)."""

    name: str = _field(
        "optical",
        "Encoder for retrieval (optical, kd, e5-small, minilm, or a HF name).",
        "SYNTH_ENCODER",
    )
    precision: str = _field(
        "auto",
        "Arithmetic of `encode` (passage and query vectors): `fp32`, `bf16` (a bfloat16 copy of the model; cosine to "
        "fp32 >= 0.99, about 3x faster where the CPU multiplies bfloat16 natively), `int8` (a copy with int8 "
        "dynamically quantised Linear layers; opt-in: on an AVX2 CPU without AMX or VNNI it ran at only 1.09x fp32 "
        "and cost optical 5 points of evidence recall@1) or `auto` (bf16 on CPUs with AMX, else fp32). Token states "
        "for the verifier stay fp32.",
        "SYNTH_ENCODER_PRECISION",
    )


@dataclass
class AnnSettings:
    """The ANN index beside the database, for large corpora."""

    min_passages: int = _field(
        20_000,
        "Passages from which retrieval uses the ANN index beside the database (synth index) instead of exact search "
        "over all vectors held in memory; below it results are exact. Needs the [scale] extra.",
        "SYNTH_ANN_MIN_PASSAGES",
    )
    expansion_search: int = _field(
        2048, "HNSW search breadth (ef) of the ANN index: higher is slower and closer to exact.", "SYNTH_ANN_EF"
    )
    expansion_add: int = _field(
        256,
        "HNSW build breadth (efConstruction) of the ANN index: higher builds a denser graph, slower, that finds more "
        "of the exact top 10 at the same ef (README, Scale). An index built with another value is rebuilt.",
        "SYNTH_ANN_EXPANSION_ADD",
    )


@dataclass
class VerifierSettings:
    """The verifier that judges claims."""

    plugin: str = _field(
        "",
        "A verifier to use instead of the shipped one, as `module:function` called with (settings, nli); it is "
        "importable by name, so Ray workers build the same one (plug-ins, and the tests' test double).",
        "SYNTH_VERIFIER",
    )
    model: str = _field(
        "cross",
        "Which shipped verifier judges claims: `cross` (v4: multilingual e5-small read as a cross-encoder with a "
        "fine-tuned LoRA, its stances mixed with v3's, synth/artifacts/verifier/cross/), `cross-v5` (opt-in: v4's "
        "cross-encoder continued on more claim data and swapped comparisons, one model without v3's stances, "
        "synth/artifacts/verifier/cross-v5/) or `features` (v3: frozen-encoder pair features and stance heads, "
        "synth/artifacts/verifier/; kept for comparison).",
        "SYNTH_VERIFIER_MODEL",
    )
    abstain: bool = _field(
        True,
        "Let the shipped verifier abstain: SUPPORTED / REFUTED only when the calibrated confidence reaches the "
        "threshold chosen on its training folds (abstain.json beside its weights), NOT_ENOUGH_INFO otherwise. "
        "0 gives the verdicts of the verifier without abstention, for comparison.",
        "SYNTH_VERIFIER_ABSTAIN",
    )


@dataclass
class AnswerSettings:
    """How a question run decides which papers and sentences answer the question."""

    rerank: bool = _field(
        False,
        "1: read the relevant papers' candidate sentences with the question -> sentence reranker "
        "(synth/artifacts/reranker/) and use only the papers that answer the question (fewer papers, the best answer "
        "first; opt-in: on the synthesis benchmark it lowers paper recall and key facts, README). 0 (default): "
        "relevance alone decides (every paper on the topic is used, claims ranked by cosine).",
        "SYNTH_RERANK",
    )


@dataclass
class Settings:
    """Everything synth can be configured with. `Settings.from_env()` reads SYNTH_<NAME> overrides."""

    db: Path = _field(Path("db/synth.db"), "SQLite database file; the PDF cache lives in pdfs/ beside it.", "SYNTH_DB")
    home: Path = _field(
        Path(os.path.expanduser("~/.cache/synth")),
        "Synth home: converted student model and downloaded models.",
        "SYNTH_HOME",
    )
    quiet: bool = _field(False, "No progress bars.", None)
    verbose: bool = _field(False, "More logging on stderr.", None)
    arxiv: ArxivSettings = _group(ArxivSettings, "The arXiv API.")
    http: HttpSettings = _group(HttpSettings, "Downloads.")
    limits: Limits = _group(Limits, "Resource limits of ingest.")
    encoder: EncoderSettings = _group(EncoderSettings, "The encoder of retrieval.")
    ann: AnnSettings = _group(AnnSettings, "The ANN index of large corpora.")
    verifier: VerifierSettings = _group(VerifierSettings, "The verifier.")
    answer: AnswerSettings = _group(AnswerSettings, "Answers to questions.")

    @property
    def pdf_dir(self) -> Path:
        """PDF cache directory, next to the database."""
        return self.db.parent / "pdfs"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults, then SYNTH_* variables of `env` (default: the process's environment), then explicit non-None
        `overrides` (`db=...`, `arxiv_api_url=...`, `verifier_model=...`)."""
        env = os.environ if env is None else env
        settings = cls()
        for path, f in settings_fields():
            name = f.metadata.get("env")
            if name and name in env:
                settings._set(path, env[name])
        return settings.replace(**overrides)

    def replace(self, **overrides: object) -> Settings:
        """A copy with the non-None `overrides` (named as in `from_env`) applied."""
        new = copy.deepcopy(self)
        paths = {"_".join(p): p for p, _ in settings_fields()}
        for key, value in overrides.items():
            if value is None:
                continue
            if key not in paths:
                raise TypeError(f"unknown setting {key!r}")
            new._set(paths[key], value)
        return new

    def _set(self, path: tuple[str, ...], value: object) -> None:
        """Set the field at `path` (("db",) or ("encoder", "precision")), coerced to the type of its default."""
        owner: Any = self
        for part in path[:-1]:
            owner = getattr(owner, part)
        default = next(f.default for f in dataclasses.fields(owner) if f.name == path[-1])
        setattr(owner, path[-1], _coerce(default, value))


def settings_fields(cls: type = Settings, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], dataclasses.Field]]:
    """Every leaf field of Settings with its path: (("db",), field), (("encoder", "precision"), field), ..."""
    for f in dataclasses.fields(cls):
        if f.metadata.get("group"):
            yield from settings_fields(f.default_factory, (*prefix, f.name))  # type: ignore[arg-type]
        else:
            yield (*prefix, f.name), f


def _coerce(default: object, value: object) -> object:
    """Turn an environment string into the type of the field's default."""
    if isinstance(default, bool):
        return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
    if isinstance(default, Path):
        return Path(value).expanduser()  # type: ignore[arg-type]
    if isinstance(default, (int, float)):
        return type(default)(value)
    return value

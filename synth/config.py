"""One Settings object: paths, model names and knobs, each overridable by a SYNTH_* environment variable."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

BASE_ENCODER = "e5-small"  # the student that distilled artefacts and the verifier build on, unless they name another


def _field(default, help: str, env: str | None = None):
    return field(default=default, metadata={"help": help, "env": env})


@dataclass
class Settings:
    """Everything synth can be configured with. `Settings.from_env()` reads SYNTH_<NAME> overrides."""

    db: Path = _field(Path("db/synth.db"), "SQLite database file; the PDF cache lives in pdfs/ beside it.", "SYNTH_DB")
    home: Path = _field(
        Path(os.path.expanduser("~/.cache/synth")),
        "Synth home: converted student model and downloaded models.",
        "SYNTH_HOME",
    )
    arxiv_api_url: str = _field(
        "https://export.arxiv.org/api/query",
        "Full arXiv API query URL (tests point it at a loopback server).",
        "SYNTH_ARXIV_API_URL",
    )
    arxiv_delay_seconds: float = _field(3.0, "Seconds between arXiv API requests (arXiv asks for >= 3).", "SYNTH_ARXIV_DELAY")
    arxiv_page_size: int = _field(
        100, "Results per arXiv API request when `fetch --query` pages through a search (1 to 2000).", "SYNTH_ARXIV_PAGE_SIZE"
    )
    http_timeout: float = _field(30.0, "Seconds before an HTTP request times out.", "SYNTH_HTTP_TIMEOUT")
    http_retries: int = _field(4, "Retries for timeouts, 429 and 5xx.", "SYNTH_HTTP_RETRIES")
    http_backoff: float = _field(2.0, "Base of the exponential backoff, in seconds.", "SYNTH_HTTP_BACKOFF")
    encoder: str = _field(
        "optical",
        "Encoder for retrieval (optical, kd, e5-small, minilm, or a HF name).",
        "SYNTH_ENCODER",
    )
    encoder_precision: str = _field(
        "auto",
        "Arithmetic of `encode` (passage and query vectors): `fp32`, `bf16` (a bfloat16 copy of the model; cosine to "
        "fp32 >= 0.99, about 3x faster where the CPU multiplies bfloat16 natively) or `auto` (bf16 on CPUs with AMX, "
        "else fp32). Token states for the verifier stay fp32.",
        "SYNTH_ENCODER_PRECISION",
    )
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
    verifier: str = _field(
        "",
        "A verifier to use instead of the shipped one, as `module:function` called with (settings, nli); it is "
        "importable by name, so Ray workers build the same one (plug-ins, and the tests' test double).",
        "SYNTH_VERIFIER",
    )
    verifier_model: str = _field(
        "cross",
        "Which shipped verifier judges claims: `cross` (v4: multilingual e5-small read as a cross-encoder with a "
        "fine-tuned LoRA, its stances mixed with v3's, synth/artifacts/verifier/cross/) or `features` (v3: "
        "frozen-encoder pair features and stance heads, synth/artifacts/verifier/; kept for comparison).",
        "SYNTH_VERIFIER_MODEL",
    )
    verifier_abstain: bool = _field(
        True,
        "Let the shipped verifier abstain: SUPPORTED / REFUTED only when the calibrated confidence reaches the "
        "threshold chosen on its training folds (abstain.json beside its weights), NOT_ENOUGH_INFO otherwise. "
        "0 gives the verdicts of the verifier without abstention, for comparison.",
        "SYNTH_VERIFIER_ABSTAIN",
    )
    ann_min_passages: int = _field(
        20_000,
        "Passages from which retrieval uses the ANN index beside the database (synth index) instead of exact search "
        "over all vectors held in memory; below it results are exact. Needs the [scale] extra.",
        "SYNTH_ANN_MIN_PASSAGES",
    )
    ann_expansion_search: int = _field(
        2048, "HNSW search breadth (ef) of the ANN index: higher is slower and closer to exact.", "SYNTH_ANN_EF"
    )
    ann_expansion_add: int = _field(
        256,
        "HNSW build breadth (efConstruction) of the ANN index: higher builds a denser graph, slower, that finds more "
        "of the exact top 10 at the same ef (README, Scale). An index built with another value is rebuilt.",
        "SYNTH_ANN_EXPANSION_ADD",
    )
    quiet: bool = _field(False, "No progress bars.", None)
    verbose: bool = _field(False, "More logging on stderr.", None)

    @property
    def pdf_dir(self) -> Path:
        """PDF cache directory, next to the database."""
        return self.db.parent / "pdfs"

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """Defaults, then SYNTH_* environment variables, then explicit non-None overrides."""
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            env = f.metadata.get("env")
            if env and env in os.environ:
                values[f.name] = os.environ[env]
        values.update({k: v for k, v in overrides.items() if v is not None})
        defaults = {f.name: f.default for f in dataclasses.fields(cls)}
        return cls(**{k: _coerce(defaults[k], v) for k, v in values.items()})


def _coerce(default: object, value: object) -> object:
    """Turn an environment string into the type of the field's default."""
    if isinstance(default, bool):
        return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
    if isinstance(default, Path):
        return Path(value).expanduser()  # type: ignore[arg-type]
    if isinstance(default, (int, float)):
        return type(default)(value)
    return value

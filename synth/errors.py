"""Errors synth raises; the CLI turns each into a one-line message and a non-zero exit."""

from __future__ import annotations


class SynthError(Exception):
    """Base class for every error synth reports to the user."""


class BadInputError(SynthError):
    """The user gave input synth cannot use (a bad id, a missing file, an unknown option value)."""


class BadArxivIdError(BadInputError):
    """A string that is not an arXiv identifier in any form synth accepts."""


class FetchError(SynthError):
    """A network fetch failed after all retries."""


class ArxivApiError(FetchError):
    """The arXiv API could not answer a request (`status` is the HTTP status when there was one)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PdfError(SynthError):
    """A PDF could not be read (truncated, not a PDF, encrypted)."""


class ParseFailed(SynthError):
    """A file that could not be parsed, its one-line reason already written (it crossed a process boundary)."""


class StoreError(SynthError):
    """The SQLite store could not be opened or is inconsistent."""


class ModelError(SynthError):
    """A model could not be found, converted or loaded."""


class RunNotFoundError(BadInputError):
    """No run with that id (or no run at all) in the store."""


class ResourceLimitError(BadInputError):
    """An input is over one of synth's resource limits (file size, pages, decompressed content, text per page).

    The message names the file, the limit and the setting (and SYNTH_* variable) that raises it."""


class DistributedError(SynthError):
    """Ray is not installed, the cluster cannot be started or reached, or a distributed job failed."""


class MissingExtraError(SynthError):
    """A feature needs an optional dependency group (`pip install "synth[NAME]"`) that is not installed."""

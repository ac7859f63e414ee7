"""Browse a synth database in Datasette with the shipped metadata: descriptions, labels and canned queries.

The metadata lives in `synth/report/datasette/metadata.yaml` (package data); this module names its database block after
the database file, as Datasette does, and adds the stylesheet that keeps long claims and quotes readable.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import urllib.parse
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SynthError

if TYPE_CHECKING:
    from datasette.app import Datasette

HERE = Path(__file__).resolve().parent / "datasette"
TEMPLATE_NAME = "synth"  # the database key in metadata.yaml, replaced by the real database's name
# Datasette settings synth serves with: evidence passages (up to SYNTH_MAX_PASSAGE_CHARS) are never cut short.
SETTINGS: dict[str, Any] = {"truncate_cells_html": 0}
INSTALL_HINT = "pip install 'synth[browse]'"


class DatasetteMissingError(SynthError):
    """`synth browse` needs Datasette, which comes with the `browse` extra."""


def database_name(db_path: Path | str) -> str:
    """The name Datasette gives a database file (its file name without the extension)."""
    return Path(db_path).stem


@lru_cache(maxsize=1)
def _template() -> dict[str, Any]:
    import yaml  # PyYAML comes with Datasette and with pybtex

    return yaml.safe_load((HERE / "metadata.yaml").read_text(encoding="utf-8"))


def stylesheet_url() -> str:
    """The shipped stylesheet as a data: URL, so a plain `datasette -m` call needs no static mount."""
    css = (HERE / "browse.css").read_text(encoding="utf-8")
    return "data:text/css;charset=utf-8," + urllib.parse.quote(css)


def metadata(db_path: Path | str) -> dict[str, Any]:
    """Datasette metadata for the database at `db_path`: its tables described and its canned queries."""
    meta = copy.deepcopy(_template())
    block = meta["databases"].pop(TEMPLATE_NAME)
    meta["databases"][database_name(db_path)] = block
    meta["extra_css_urls"] = [stylesheet_url()]
    return meta


def canned_queries() -> dict[str, dict[str, Any]]:
    """name -> {title, description, sql} of the shipped canned queries."""
    return copy.deepcopy(_template()["databases"][TEMPLATE_NAME]["queries"])


def require_datasette() -> None:
    """DatasetteMissingError (with the install command) unless Datasette can be imported."""
    try:
        import datasette  # noqa: F401
    except ImportError as exc:
        raise DatasetteMissingError(f"synth browse needs Datasette: {INSTALL_HINT}") from exc


def app(db_path: Path | str) -> Datasette:
    """A Datasette instance over the database with synth's metadata and settings (tests use its `.client`)."""
    require_datasette()
    from datasette.app import Datasette

    return Datasette([str(db_path)], metadata=metadata(db_path), settings=dict(SETTINGS))


def serve(db_path: Path | str, host: str = "127.0.0.1", port: int = 8001, open_browser: bool = False) -> None:
    """Serve the database with Datasette's own `serve` command until Ctrl-C."""
    require_datasette()
    from datasette.cli import serve as datasette_serve

    fd, name = tempfile.mkstemp(prefix="synth-datasette-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(metadata(db_path), fh, ensure_ascii=False)
        args = [str(db_path), "--metadata", name, "--host", host, "--port", str(port)]
        for key, value in SETTINGS.items():
            args += ["--setting", key, str(value)]
        if open_browser:
            args.append("--open")
        datasette_serve.main(args=args, prog_name="datasette", standalone_mode=False)
    finally:
        Path(name).unlink(missing_ok=True)

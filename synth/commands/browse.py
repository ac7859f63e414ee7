"""`synth browse`: open the database in Datasette with synth's metadata and canned queries."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..config import Settings
from ..errors import BadInputError


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", "-p", default=8001, show_default=True, type=click.IntRange(0, 65535), help="Port to serve on.")
@click.option("--open", "open_browser", is_flag=True, help="Open the database in a web browser.")
@click.option(
    "--metadata", "print_metadata", is_flag=True, help="Print the Datasette metadata (JSON) for `datasette DB -m FILE`."
)
@click.pass_obj
def browse(settings: Settings, host: str, port: int, open_browser: bool, print_metadata: bool) -> None:
    """Browse the database in Datasette: described tables and canned queries (needs synth[browse])."""
    from ..report.browse import metadata, require_datasette, serve
    from ..store import open_store

    if not Path(settings.db).is_file():
        raise BadInputError(f"no database at {settings.db}: build one with `synth fetch` or `synth add` first")
    with open_store(settings) as store:  # creates or migrates the file, so Datasette sees the current schema
        store.mark_interrupted_runs()
        path = store.path
    if print_metadata:
        click.echo(json.dumps(metadata(path), ensure_ascii=False, indent=2))
        return
    require_datasette()
    click.echo(f"serving {path} at http://{host}:{port}/ (Ctrl-C stops)", err=True)
    serve(path, host=host, port=port, open_browser=open_browser)

"""`synth index`: embed every passage not embedded yet and build or update the ANN index beside the database."""

from __future__ import annotations

import sys
import time

import click

from ..config import Settings
from ..errors import BadInputError, MissingExtraError


def _embed_on_workers():
    """synth.index.workers.embed_on_workers, or a one-line error when Ray (the [distributed] extra) is missing."""
    try:
        from ..index.workers import embed_on_workers
    except ImportError as exc:
        raise MissingExtraError(
            '--workers / --ray-address need Ray: install the [distributed] extra (pip install "synth[distributed]")'
        ) from exc
    return embed_on_workers


@click.command()
@click.option("--encoder", help="Encoder name (default: the configured one; `hashing` needs no model).")
@click.option("--rebuild", is_flag=True, help="Build the ANN index from scratch (vectors come from the cache).")
@click.option("--workers", type=click.IntRange(1), help="Encode on N Ray worker processes (the [distributed] extra).")
@click.option("--ray-address", help="Encode on the Ray cluster at this address (the [distributed] extra).")
@click.pass_obj
def index(settings: Settings, encoder: str | None, rebuild: bool, workers: int | None, ray_address: str | None) -> None:
    """Embed every passage not embedded yet and build or update the ANN index; prints one summary line."""
    from ..index import ann
    from ..store import open_store
    from .verify import load_encoder

    if not ann.available():
        raise MissingExtraError('synth index needs usearch: install the [scale] extra (pip install "synth[scale]")')
    name = encoder or settings.encoder.name
    started = time.perf_counter()
    with open_store(settings) as store:
        if store.passage_count() == 0:
            raise BadInputError("no papers with text in the database: add some first (synth fetch / synth add)")
        enc = load_encoder(name, settings)
        encoded = 0
        if workers is not None or ray_address is not None:
            texts = (text for batch in store.passage_texts() for _, text in batch)
            encoded = _embed_on_workers()(store, enc, texts, "passage", settings, name, workers, ray_address)
        log = (lambda line: click.echo(line, err=True)) if settings.verbose else None
        res = ann.sync(store, enc, rebuild=rebuild, progress=not settings.quiet, log=log,
                       expansion_add=settings.ann.expansion_add)
        res.encoded += encoded
    how = f", rebuilt ({res.rebuilt})" if res.rebuilt and res.rebuilt != "no index yet" else ""
    click.echo(
        f"{res.count} passages, {res.encoded} newly embedded; ANN index {res.count} vectors "
        f"(+{res.added} -{res.removed}{how}), {res.bytes / 2**20:.1f} MB, {time.perf_counter() - started:.1f} s"
    )
    if res.path is not None and settings.verbose:
        click.echo(f"index file: {res.path}", err=True)
    sys.stdout.flush()

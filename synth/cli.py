"""The `synth` command: a thin click layer over the library (data to stdout, progress to stderr)."""

from __future__ import annotations

import sys
from typing import Any

import click

from . import __version__
from .config import Settings
from .errors import SynthError


class SynthGroup(click.Group):
    """A click group that turns SynthError into a one-line message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        _stop_on_sigterm()
        try:
            return super().invoke(ctx)
        except SynthError as exc:
            raise click.ClickException(str(exc)) from exc
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            raise SystemExit(130) from None


def _stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C (exit 143): the open transaction rolls back, the run is closed as interrupted and
    the fetch log entry is finished, instead of the process vanishing mid-write."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


@click.group(cls=SynthGroup)
@click.version_option(__version__, prog_name="synth")
@click.option("--db", "db", type=click.Path(dir_okay=False), envvar="SYNTH_DB", help="SQLite database (default db/synth.db).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@click.option("--verbose", "-v", is_flag=True, help="More detail on stderr.")
@click.pass_context
def cli(ctx: click.Context, db: str | None, quiet: bool, verbose: bool) -> None:
    """Build a literature corpus, verify its claims across languages, write the report."""
    ctx.obj = Settings.from_env(db=db, quiet=quiet, verbose=verbose)



# -- commands that live in synth/commands/ (one module per area; each keeps heavy imports inside its functions)
from .commands.add import add  # noqa: E402
from .commands.browse import browse  # noqa: E402
from .commands.claims import claims  # noqa: E402
from .commands.encoders import distill, eval_group  # noqa: E402
from .commands.fetch import fetch  # noqa: E402
from .commands.index import index  # noqa: E402
from .commands.papers import papers  # noqa: E402
from .commands.report import report  # noqa: E402
from .commands.runs import runs  # noqa: E402
from .commands.verify import verify  # noqa: E402

for _command in (fetch, add, papers, index, verify, runs, claims, report, browse, distill, eval_group):
    cli.add_command(_command)


def main() -> None:  # pragma: no cover - console entry
    cli(prog_name="synth")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""`python tests/synth_proc.py ARGS…`: the real `synth` CLI in a process of its own, for kill and concurrency tests.

The one difference from the installed command: `synth verify` uses the test-double verifier (corpus_builder's
OverlapVerifier) instead of the shipped model, so a process starts in about a second and needs no weights.
"""

from __future__ import annotations

import sys

import corpus_builder

import synth.commands.verify as verify_command
from synth.cli import cli

verify_command.load_verifier = lambda settings, nli: corpus_builder.OverlapVerifier()  # type: ignore[assignment]

if __name__ == "__main__":
    sys.exit(cli(prog_name="synth"))

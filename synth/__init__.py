"""synth: literature synthesis with cross-lingual claim verification."""

__version__ = "0.1.0"

"""Datasette metadata shipped with synth (package data: metadata.yaml, browse.css); used by synth.report.browse."""

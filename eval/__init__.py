"""Evaluation scripts and what they share: `common` (paths, labels, the field set, models, metrics) and `scifact`
(SciFact data and retrieval). Run the scripts from a source checkout: `python eval/eval_verifier.py`."""

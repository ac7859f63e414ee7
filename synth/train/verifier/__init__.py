"""Training the verifier: v3's stance heads and aggregator (fit_features.py), v4's cross-encoder (fit_cross.py),
perturbed claims (perturb.py) and the on-disk cache of encoded texts (cache.py)."""

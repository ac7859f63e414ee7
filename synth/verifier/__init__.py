"""Claim verification models (the Verifier seam lives in base.py)."""

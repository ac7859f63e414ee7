"""Training of the question -> sentence reranker (synth/judge/rerank.py)."""

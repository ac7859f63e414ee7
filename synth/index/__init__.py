"""Index: encoders (the OT-distilled student, KD baseline, base models), the embedding cache, the ANN index, hybrid
retrieval (BM25 + dense) and encoding on Ray workers. Reads passages from the store; writes embeddings."""

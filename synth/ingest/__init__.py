"""Ingest: sources (arXiv API, a mirror folder, local files) → downloaded and cached PDFs → parsed text (PDF, plain
text, Markdown) → passages of whole sentences with page, section and language → the store (papers, passages)."""

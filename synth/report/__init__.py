"""Report: a stored run rendered as Markdown, HTML or JSON (render.py, templates/), its references as BibTeX or
CSL-JSON (bib.py), the corpus listing (papers.py) and the database in Datasette (browse.py)."""

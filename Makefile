# synth: `make demo` builds the bundled multilingual demo end to end; `make test` runs the README's test command;
# `make browse` opens the demo database in Datasette.
# Every step leaves a stamp, so a second `make demo` reuses the venv, the mirror, the stored papers and the run.

PYTHON3   ?= python3
VENV      := .venv
PY        := $(VENV)/bin/python
SYNTH     := $(VENV)/bin/synth
DEMO      := examples/otclir-demo
MIRROR    := $(DEMO)/mirror
DEMO_DB   := db/demo.db
QUESTION  ?= How does the performance of optimal transport distillation compare to knowledge distillation in cross-lingual retrieval on XTREME-R for low-resource languages when using the same student model size?
VERIFY_OPTS ?=
SOURCES   := $(shell find synth templates -type f -not -path '*/__pycache__/*' 2>/dev/null)

# Nothing is downloaded at run time: models come from installed packages.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test mirror browse clean-demo

# The stamps below stand for the demo database's contents: without the database they mean nothing.
ifeq ($(wildcard $(DEMO_DB)),)
$(shell rm -f db/.demo-fetched db/.demo-verified)
endif

demo: report.md report.html report.bib
	@echo "report: report.md and report.html, references: report.bib (database $(DEMO_DB); browse it: make browse)"
	@$(SYNTH) --db $(DEMO_DB) papers --summary
	@$(SYNTH) --db $(DEMO_DB) runs --last

test: $(VENV)/.installed
	$(PY) -m pytest -q

# -- the virtual environment (CPU torch first: plain `torch` would pull GBs of CUDA) ---------------
$(PY):
	$(PYTHON3) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[test]"
	touch $@

# -- the demo mirror: PDFs + metadata generated from the digests (gitignored) -----------------------
mirror: $(MIRROR)/.built

$(MIRROR)/.built: scripts/build_demo.py $(wildcard $(DEMO)/digests/*.md) | $(VENV)/.installed
	$(PY) scripts/build_demo.py --out $(MIRROR)
	touch $@

# -- fetch (idempotent), verify, report ------------------------------------------------------------
# fetch skips papers it already stores, so a rebuilt mirror (an edited digest) starts a fresh demo database.
db/.demo-fetched: $(MIRROR)/.built $(VENV)/.installed
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(SYNTH) --db $(DEMO_DB) fetch --mirror $(MIRROR)
	touch $@

db/.demo-verified: db/.demo-fetched $(SOURCES)
	$(SYNTH) --db $(DEMO_DB) verify --question "$(QUESTION)" $(VERIFY_OPTS)
	touch $@

report.md: db/.demo-verified
	$(SYNTH) --db $(DEMO_DB) report > $@.tmp && mv $@.tmp $@

report.html: db/.demo-verified
	$(SYNTH) --db $(DEMO_DB) report --format html > $@.tmp && mv $@.tmp $@

report.bib: db/.demo-verified
	$(SYNTH) --db $(DEMO_DB) report --format bib > $@.tmp && mv $@.tmp $@

# -- browse the demo database in Datasette (claims by verdict, findings, evidence by language, ...) ---
browse: db/.demo-verified
	$(SYNTH) --db $(DEMO_DB) browse

clean-demo:
	rm -rf $(MIRROR) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm db/.demo-fetched db/.demo-verified report.md report.html report.bib

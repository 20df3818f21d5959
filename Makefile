# make run   set up .venv, build index/ from corpus/ when needed, serve the app on 127.0.0.1:7860
# make test  set up .venv with the test dependencies and run the whole test suite

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INDEX := index
CORPUS_FILES := $(shell find corpus -type f 2>/dev/null)

.PHONY: run test install index clean-index

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch first, from the CPU build pinned in constraints.txt, so nothing pulls the CUDA build
	$(BIN)/python -m pip install --quiet -c constraints.txt torch==2.13.0
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

# Rebuilt when missing or older than any file of the corpus; ingest is incremental.
$(INDEX)/.corpus-ingested: $(STAMP) $(CORPUS_FILES)
	$(BIN)/directive-rag --index $(INDEX) ingest corpus
	touch $@

index: $(INDEX)/.corpus-ingested

run: index
	DIRECTIVE_RAG_INDEX=$(INDEX) $(BIN)/python app.py

test: $(STAMP)
	$(BIN)/python -m pytest

clean-index:
	rm -rf $(INDEX)/* $(INDEX)/.corpus-ingested $(INDEX)/.write.lock

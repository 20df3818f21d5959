# make run   set up .venv, build index/ from corpus/ when needed, serve the app on 127.0.0.1:7860
# make test  set up .venv with the test dependencies and run the whole test suite

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INDEX := index
CORPUS_FILES := $(shell find corpus -type f 2>/dev/null)

.PHONY: run test install index clean-index browser

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

test: $(STAMP) browser
	$(BIN)/python -m pytest

# The browser tests drive Debian's Chromium through Playwright (never `playwright install`).
# Installed with apt when missing (as root, or through password-less sudo); where that is not
# possible the browser tests skip and say why.
CHROMIUM := /usr/bin/chromium
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi; \
	  if [ "$$SUDO" != none ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the browser tests (apt-get install chromium)"; \
	    $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	      || echo "could not install chromium: the browser tests will be skipped"; \
	  else \
	    echo "no $(CHROMIUM) and no way to install it here: the browser tests will be skipped"; \
	  fi; \
	fi

clean-index:
	rm -rf $(INDEX)/* $(INDEX)/.corpus-ingested $(INDEX)/.write.lock

# burdenshare — set-up, tests, benchmarks. Every target installs what it needs itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export BURDENSHARE_SHARED_DATA ?= $(abspath ../shared/data)

.PHONY: run test bench lint install system-deps clean serve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## PostgreSQL server binaries for the store tests, and the reports' libraries, fonts and PDF
## tools (Debian packages; installed when missing).
system-deps:
	@if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && ! command -v pg_ctl >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing PostgreSQL (Debian package postgresql)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else \
	    echo "PostgreSQL server binaries are missing: sudo apt-get install postgresql" >&2; exit 1; \
	  fi; \
	fi
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Chromium (Debian package chromium, for the dashboard's browser tests)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing: sudo apt-get install chromium" >&2; exit 1; \
	  fi; \
	fi
	@# Reports: WeasyPrint's Pango/HarfBuzz, the DejaVu fonts, poppler-utils (pdftotext, pdftoppm)
	@if ! command -v pdftotext >/dev/null || ! ldconfig -p | grep -q libpangoft2-1.0 \
	    || ! ldconfig -p | grep -q libharfbuzz-subset || ! fc-list | grep -q DejaVuSans; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing report dependencies (pango, harfbuzz-subset, fonts-dejavu-core, poppler-utils)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils >/dev/null; \
	  else \
	    echo "report dependencies missing: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils" >&2; exit 1; \
	  fi; \
	fi

## The main job on the embedded SQLite database and the bundled starter snapshot.
run: install
	$(BIN)/burdenshare data starter
	$(BIN)/burdenshare data status
	$(BIN)/burdenshare rank --top 40
	@echo "the shared service: make serve (API and docs at http://127.0.0.1:8000/docs; users: burdenshare users add NAME --role ROLE)"

## The REST API (and the dashboard) on the embedded store at http://127.0.0.1:8000.
serve: install
	$(BIN)/burdenshare serve

test: install system-deps lint
	$(BIN)/pytest -q -p no:cacheprovider

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

bench: install system-deps
	@for f in benchmarks/bench_*.py; do \
	  echo "=== $$f"; $(BIN)/python $$f || exit 1; \
	done

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache

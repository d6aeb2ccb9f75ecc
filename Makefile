# The two commands a new user needs: `make run` and `make test`. Each installs what is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCREENSHOTS_DIR ?= build/screenshots
export SCREENSHOTS_DIR

.PHONY: run test lint bench deps system-deps clean sandbox screenshots

deps: system-deps $(STAMP)

system-deps:
	@bash tools/system-deps.sh

$(STAMP): pyproject.toml
	@[ -x $(BIN)/python ] || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	@touch $(STAMP)

run: deps
	$(BIN)/impilo-desk --demo

# One PNG per tab (<tab>.png, 1280x800) of the real window with live demo data. Offscreen, so it
# needs no display; a throwaway IMPILO_DESK_HOME keeps your own profiles and logs out of it.
screenshots: deps
	@home="$$(mktemp -d)"; trap 'rm -rf "$$home"' EXIT; \
	IMPILO_DESK_HOME="$$home" QT_QPA_PLATFORM=offscreen timeout -k 10 180 \
	  $(BIN)/impilo-desk --demo --screenshots "$(SCREENSHOTS_DIR)"

lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	QT_QPA_PLATFORM=offscreen timeout -k 30 2400 bash tools/with-keyring.sh $(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: deps
	@bash tools/system-deps.sh --bench
	QT_QPA_PLATFORM=offscreen timeout -k 30 3000 $(BIN)/python -m pytest -q -s -o python_files='bench_*.py' -o timeout=1800 tests/benchmarks $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build .mypy_cache .ruff_cache

# --- Installers (issue 9). Slow (PyInstaller, dpkg-deb): not part of `make test`. ---------------
.PHONY: package package-test

package: deps
	$(BIN)/python -m pip install -q -e ".[package]"
	PY=$(BIN)/python bash packaging/linux/build.sh

package-test:
	bash packaging/linux/package-test.sh $(DEB)

# Haven: the two commands are `make run` and `make test`. Both create .venv when it is
# missing and install the project (editable, with its test extras) into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.haven-installed
ARGS ?=

.PHONY: run test lint check screenshots screenshots-all installer smoke bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/haven $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check app ui tests
	$(BIN)/mypy app ui
	$(BIN)/lint-imports

test: $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q $(ARGS)

# The README's images, at 1366x768, into docs/screenshots/ (committed); tests/test_readme.py
# fails when the README shows an image that is not there.
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m ui.screenshots docs/screenshots --readme README.md

# Every page of every form, for review (not committed).
screenshots-all: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m ui.screenshots screenshots

# One-folder bundle (installer/haven.spec), its size against a bare PySide6 bundle built in
# the same run (fails over 1.3x), and this platform's package (Linux: a .tar.gz).
installer: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[installer]'
	$(BIN)/python installer/build.py

# The built bundle in a bare environment: --version, doctor, the window (offscreen), and
# its start-up time against the source install.
smoke: installer
	$(BIN)/python installer/smoke.py

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache

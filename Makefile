# Set-up on a fresh machine:  `make demo` (install, run the demo), `make test` (install, run the tests).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench images notebooks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,notebooks]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/microgradx demo

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest tests
	$(BIN)/python tests/typing/check_types.py
	$(BIN)/python scripts/build_notebooks.py --check
	$(BIN)/python -m pytest --nbmake --nbmake-kernel=python3 notebooks
	$(BIN)/python scripts/pypi_description.py --check
	$(BIN)/python scripts/check_wheel.py

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py

images: install
	$(BIN)/python scripts/make_images.py

notebooks: install
	$(BIN)/python scripts/build_notebooks.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache

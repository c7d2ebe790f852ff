# Set-up on a fresh machine:  `make demo` (install, run the demo), `make test` (install, run the tests).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench images docs clean

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
	$(MAKE) docs
	$(BIN)/python -m pytest tests
	$(BIN)/python tests/typing/check_types.py
	$(BIN)/python -m pytest --nbmake --nbmake-kernel=python3 microgradx/lessons
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

# The course website: the README's guide, the lessons executed, the API reference.
DOCS_STAMP := $(VENV)/.installed-docs
$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	rm -rf docs/_build/html
	$(BIN)/python -m sphinx -E -W --keep-going -q -b html -d docs/_build/doctrees docs docs/_build/html
	@echo "The site: docs/_build/html/index.html"

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache docs/_build docs/jupyter_execute

# Two things a newcomer needs: `make run` and `make test`. Everything else is for us.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: run test lint bench fuzz vectors translations clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# The demo: instance/ with demo keys and accounts (printed), served by gunicorn on 127.0.0.1:5000.
run: $(STAMP)
	$(BIN)/pas-service --instance instance init --demo
	$(BIN)/pas-service --instance instance serve --host 127.0.0.1 --port 5000

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check verifier keys tokenservice tests bench scripts
	$(BIN)/mypy

vectors: $(STAMP)
	$(BIN)/python scripts/make_vectors.py tests/vectors/pas1.json

bench: $(STAMP)
	$(BIN)/python bench/run.py

FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	$(BIN)/python -m pytest -q tests/verifier/test_fuzz.py --hypothesis-profile=long

# Officials' UI strings (Dutch source, English catalog). Worker texts live in tokenservice/texts.py.
translations: $(STAMP)
	$(BIN)/pybabel extract -q -F babel.cfg -k _l -o tokenservice/translations/messages.pot .
	$(BIN)/pybabel update -q -i tokenservice/translations/messages.pot -d tokenservice/translations -l en
	$(BIN)/pybabel compile -q -d tokenservice/translations

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis

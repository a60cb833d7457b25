# Two things a newcomer needs: `make run` and `make test`. Everything else is for us.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: run test rehearsal lint bench fuzz vectors translations screenshots clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# The npm packages at the versions in package-lock.json: eslint and tsc for `make lint`
# (eslint.config.mjs says why), axe-core for the accessibility tests. None runs in the app.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

# The demo: instance/ with demo keys and accounts (printed), served by gunicorn on
# $(HOST):$(PORT) (make run PORT=5201); her receipt prints that address for /mijn-pas.
HOST ?= 127.0.0.1
PORT ?= 5000
run: $(STAMP)
	$(BIN)/pas-service --instance instance init --demo
	$(BIN)/pas-service --instance instance serve --host $(HOST) --port $(PORT)

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -q -n 2 --ignore=tests/rehearsal $(PYTEST_ARGS)

# The production rehearsal (docs/deployment.md, "What the rehearsal proves"): PostgreSQL,
# pas-service init, gunicorn, nginx with TLS from a throwaway CA, every role in Chromium.
# Needs nginx, openssl, certutil (libnss3-tools), chromium, poppler-utils and PostgreSQL.
# Screenshots: REHEARSAL_SHOTS=DIR. Code from a commit instead of the tree: PAS_REHEARSAL_FROM=HEAD.
rehearsal: $(STAMP)
	PAS_REHEARSAL_SHOTS=$(REHEARSAL_SHOTS) $(BIN)/python -m pytest -v -p no:xdist tests/rehearsal $(PYTEST_ARGS)

lint: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check verifier keys tokenservice tests bench scripts fuzz
	$(BIN)/mypy
	node_modules/.bin/eslint verifier/webapp eslint.config.mjs
	node_modules/.bin/tsc --noEmit -p tsconfig.json
	node_modules/.bin/tsc --noEmit -p tsconfig.sw.json

vectors: $(STAMP)
	$(BIN)/python scripts/make_vectors.py tests/vectors/pas1.json

# bench/requirements.txt: the face bench's extras (dlib, MediaPipe, pywebp), pinned with every
# dependency and installed --no-deps so the project's own versions stay as they are.
bench: $(STAMP)
	$(BIN)/pip install -q --no-deps -r bench/requirements.txt
	$(BIN)/python bench/run.py

FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	$(BIN)/python -m pytest -q tests/verifier/test_fuzz.py --hypothesis-profile=long
	$(BIN)/python fuzz/fuzz_decode.py -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048

# Two gettext domains, Dutch the source of both (docs/translations.md):
# - officials' UI (`messages`, English): extract from the code, update (init the first time),
#   compile;
# - worker texts (`worker`, eight languages: card back, receipt, leaflet, /mijn-pas): update
#   every language from the hand-kept template worker.pot (changed texts turn fuzzy, with the
#   previous Dutch), write the Dutch catalogue from the template, compile.
# Untranslated or fuzzy strings fail tests/tokenservice/web/test_translations.py.
I18N := tokenservice/web/translations
WORKER_I18N := tokenservice/texts/locale
translations: $(STAMP)
	mkdir -p $(I18N)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -c TRANSLATORS: \
	    --project=pas -o $(I18N)/messages.pot tokenservice
	if [ -f $(I18N)/en/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel -q update -N -i $(I18N)/messages.pot -d $(I18N) -l en; \
	else \
	    $(BIN)/pybabel -q init -i $(I18N)/messages.pot -d $(I18N) -l en; \
	fi
	$(BIN)/pybabel compile --statistics -d $(I18N)
	$(BIN)/pybabel -q update -D worker --previous -i $(WORKER_I18N)/worker.pot -d $(WORKER_I18N)
	$(BIN)/python -m tokenservice.texts.source
	$(BIN)/pybabel compile -D worker --statistics -d $(WORKER_I18N)

# Screenshots for the docs (docs/img/), taken in Debian's Chromium against a demo instance.
screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py --out docs/img

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis

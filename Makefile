# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# BLAS pools of parallel test workers must not fight over 2 cores
TEST_ENV := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: venv install install-test browser test demo bench docs-screenshot clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

venv: $(BIN)/python

install: venv
	$(BIN)/pip install -q -e '.[all]'

install-test: venv
	$(BIN)/pip install -q -e '.[test]'

# The draw-page test drives Debian's chromium through chromedriver: installed here when we may
# (root with apt-get); elsewhere that one test is skipped with a hint (CI requires it).
browser:
	@if ! command -v chromedriver >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium + chromium-driver for the browser test (about 1 minute)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium chromium-driver >/dev/null; \
	  else echo "note: no chromedriver; the browser test of the draw page will be skipped"; fi; \
	fi

# loadgroup: the browser tests share one worker (one Chromium, one trained model)
test: install-test browser
	$(TEST_ENV) $(BIN)/python -m pytest -n 2 --dist loadgroup tests

demo: install
	bash scripts/demo.sh

bench: install-test
	$(BIN)/python benchmarks/run_all.py

docs-screenshot: install-test browser
	$(TEST_ENV) GALTON_SCREENSHOT=docs/img/serve_page.png $(BIN)/python -m pytest -q \
	  tests/serve/test_page_browser.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

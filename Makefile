# Two commands: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test demo bench docs lock clean browser

run: $(VENV)/.installed
	$(BIN)/monitor db upgrade
	$(BIN)/monitor run

# Lint and types first (seconds), then the suite on every core (pytest-xdist; each test has its own
# servers on free ports and its own files); settings in pyproject.toml ([tool.ruff], [tool.mypy]).
test: $(VENV)/.installed-test browser
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto

demo: $(VENV)/.installed
	$(BIN)/monitor demo

# Speed and scale figures in one run and one table (bench/figures.py), then detection and hardening.
bench: $(VENV)/.installed-test
	$(BIN)/python bench/figures.py
	$(BIN)/python bench/detection_ceiling.py
	$(BIN)/python bench/hostile_inputs.py

# The README's generated parts (cog blocks: the command table, the sample alert, the JSON); `make test` checks them.
docs: $(VENV)/.installed-test
	$(BIN)/cog -r README.md

# Debian's chromium, for the test that opens `monitor report`'s page as a person would and saves a
# screenshot (tests/review/test_report.py). Installed when missing and apt can (as root); where it
# cannot be, that one test is skipped and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || apt-get install -y -q chromium >/dev/null 2>&1 \
		|| (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1) \
		|| echo "chromium could not be installed: the browser test will be skipped"

# The virtual environment is rebuilt when a lock file changes.
$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.lock
	$(BIN)/python -m pip install --quiet -r requirements-test.lock
	touch $@

# Regenerate the lock files after changing dependencies in pyproject.toml.
lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml --python-version 3.11 -o requirements.lock
	$(PYTHON) -m uv pip compile pyproject.toml --extra test --python-version 3.11 -o requirements-test.lock

clean:
	rm -rf $(VENV) .pytest_cache

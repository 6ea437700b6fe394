# Two commands do everything on a fresh machine: `make run` and `make test`.
VENV    := .venv
PY      := $(VENV)/bin/python
COPILOT := $(VENV)/bin/copilot
STAMP   := $(VENV)/.installed
APT_PKGS := chromium chromium-driver fonts-wqy-microhei

.PHONY: install run test bench eval lint browser-deps clean

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@# torch first and pinned: pip takes the CPU build from this machine's disk, never a CUDA one;
	@# constraints.txt pins the whole resolved set (a lock file: installs are fast and repeatable)
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# Browser tests need Debian's chromium; CJK pages and PDFs need a TrueType CJK font.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi wqy; then \
		echo "installing $(APT_PKGS) (Debian)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PKGS)) >/dev/null \
		|| echo "warning: could not install $(APT_PKGS); browser tests will be skipped"; \
	fi

run: install
	$(COPILOT) init
	$(COPILOT) demo load --if-empty
	$(COPILOT) serve --print-demo-key

test: install browser-deps
	$(PY) -m pytest

bench: install
	$(PY) -m bench

eval: install
	$(PY) -m eval all

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) data

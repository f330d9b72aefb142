# tikznn: `make demo` sets everything up and builds the examples; `make test` runs the tests (`make check`: the
# quick ones, without TeX).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian/Ubuntu packages for TeX and Poppler (see README for other systems)
TEX_PACKAGES := texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-pictures lmodern poppler-utils \
                latexmk latex-cjk-common latex-cjk-chinese-arphic-gbsn00lp

EXAMPLES := $(wildcard examples/*.nn)
FIGURES := $(EXAMPLES:.nn=.pdf)

.PHONY: demo test check goldens docs tex venv clean bench

demo: venv tex $(FIGURES)
	@echo "built: $(FIGURES)"

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Install TeX Live and Poppler when pdflatex is missing (Debian/Ubuntu; elsewhere, say what to install).
tex:
	@if ! command -v pdflatex >/dev/null || ! command -v pdftoppm >/dev/null || ! command -v latexmk >/dev/null || \
	    ! kpsewhich lmodern.sty standalone.cls tikz.sty CJKutf8.sty c70gbsn.fd >/dev/null; then \
	  if command -v apt-get >/dev/null; then \
	    echo "installing TeX Live, Poppler and a Chinese font (about 335 MB)"; \
	    $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES) >/dev/null; \
	  else \
	    echo "please install TeX Live (or MacTeX) with TikZ, lmodern and standalone, and Poppler"; exit 1; \
	  fi; \
	fi

SOURCES := $(wildcard tikznn/*.py templates/* grammar/*)

examples/%.pdf: examples/%.nn $(SOURCES) $(VENV)/.installed
	$(BIN)/tikznn build $<

# Both on every core (pytest-xdist; tests sharing a costly fixture on one: tests/conftest.py). check: no TeX, no PyTorch (parse, shapes, layout, TeX text), for the edit-test loop.
# Bytecode is kept even where PYTHONDONTWRITEBYTECODE is set: else each worker compiles every module again each run.
test: venv tex
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -q -n auto --dist loadgroup

check: venv
	PYTHONDONTWRITEBYTECODE= TIKZNN_FUZZ_SECONDS=2 $(BIN)/pytest -q -n auto --dist loadgroup \
	  -m "not latex and not slow and not torch and not processes"

# Regenerate the golden images and TeX after an intended change of the drawing; then look at them.
goldens: venv tex
	TIKZNN_REGENERATE_GOLDENS=1 $(BIN)/pytest -q tests/test_goldens.py tests/test_render.py
	@echo "look at tests/goldens/images/*.png before committing"

# The pictures in the README and docs/gallery/.
docs: venv tex
	mkdir -p docs/gallery/column
	# each example as it prints across a two-column paper's page (7 in), two in one column (3.5 in)
	for f in $(EXAMPLES); do $(BIN)/tikznn build $$f --width 7in -o docs/gallery/ -f png --dpi 110; done
	for n in resnet18 unet; do $(BIN)/tikznn build examples/$$n.nn --width 3.5in -o docs/gallery/column/ -f png --dpi 110; done
	# what LeNet sees: its model run on the digit, each layer's maps (needs torch)
	if $(BIN)/python -c 'import torch' 2>/dev/null; then $(BIN)/tikznn build examples/lenet_maps.nn --style flat --maps examples/models/lenet.py:LeNet --image examples/images/digit.png -o docs/gallery/lenet_maps_seen.png -f png --dpi 110; fi
	# a network written as a test: in a column, each Inception module one box (detail blocks)
	$(BIN)/tikznn build tests/data/zoo/googlenet.nn --width 3.5in -o docs/gallery/column/ -f png --dpi 110
	mkdir -p docs/gallery/styles
	for n in lenet mlp; do for s in blocks flat graph schematic; do \
	  $(BIN)/tikznn build examples/$$n.nn --style $$s -o docs/gallery/styles/$$n-$$s.png -f png --dpi 110; \
	done; done
	for n in resnet18 transformer; do for s in blocks schematic; do \
	  $(BIN)/tikznn build examples/$$n.nn --style $$s -o docs/gallery/styles/$$n-$$s.png -f png --dpi 110; \
	done; done
	mkdir -p docs/gallery/themes
	for t in classic print colorblind; do for n in resnet18 lenet_zh vae_encoder; do \
	  $(BIN)/tikznn build examples/$$n.nn --theme $$t --legend -o docs/gallery/themes/$$n-$$t.png -f png --dpi 110; \
	done; done

clean:
	rm -f examples/*.pdf examples/*.png examples/*.svg
	rm -rf tests/output

# Timings as ratios measured in one run (not part of the tests).
bench: venv tex
	$(BIN)/python bench/examples.py

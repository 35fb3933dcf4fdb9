# mergetool — the two first commands: `make demo` and `make test`.
SWIFT ?= swift
APT_PACKAGES := libopenblas-dev libzstd-dev pkg-config

.PHONY: deps build release test demo bench fuzz lint clean

# Installs the C libraries with apt-get when pkg-config cannot find them (fresh machines, CI).
deps:
	@if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists openblas libzstd; then \
	    echo "installing $(APT_PACKAGES)"; \
	    SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	    $$SUDO apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest

demo: release
	./examples/demo.sh

bench: release
	./Benchmarks/run.sh

clean:
	rm -rf .build demo-out bench-out

# mergetool — the two first commands: `make demo` and `make test`.
SWIFT ?= swift
APT_PACKAGES := libopenblas-dev libzstd-dev pkg-config
# What the tests run: the zstd CLI (round trips), Slurm and munge (a private cluster, see
# scripts/local-slurm.sh), /usr/bin/time (benchmarks' peak RSS).
APT_TEST_PACKAGES := zstd slurm-wlm munge time

.PHONY: deps build release test lint demo studies bench bench-convert bench-merge bench-angles bench-rl bench-kernels fuzz clean

# Installs the C libraries with apt-get when pkg-config cannot find them (fresh machines, CI).
deps:
	@if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists openblas libzstd; then \
	    echo "installing $(APT_PACKAGES)"; \
	    SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	    $$SUDO apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi
	@if ! command -v zstd >/dev/null 2>&1 || [ ! -x /usr/sbin/slurmctld ] || [ ! -x /usr/sbin/munged ] \
	    || [ ! -x /usr/bin/time ]; then \
	    echo "installing $(APT_TEST_PACKAGES)"; \
	    SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	    $$SUDO apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_TEST_PACKAGES) >/dev/null; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# Builds everything (debug), lints, then runs every test (Swift Testing).
test: deps lint
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest

# Style check with the toolchain's swift-format (.swift-format); fails on any finding.
lint:
	$(SWIFT) format lint --strict --recursive Sources Tests

demo: release
	./examples/demo.sh

# Every WARP study the README quotes (8 seeds each; hours on 2 cores), into studies-out/, then
# the README's study blocks compared with them (SEEDS, PARALLEL, ONLY: see the script).
studies: release
	BIN=.build/release/mergetool ./Benchmarks/studies.sh studies-out

# Benchmarks (release builds; they print tables with ratios against a baseline in the same run).
bench: bench-convert bench-merge bench-angles bench-rl bench-kernels
bench-convert: release
	./Benchmarks/convert.sh
bench-merge: release
	./Benchmarks/merge.sh
bench-angles: release
	./Benchmarks/angles.sh
bench-rl: release
	./Benchmarks/rl_step.sh
bench-kernels:
	./Benchmarks/kernels.sh

# libFuzzer over the header parser, reader and zstd decoder (FUZZ_SECONDS, default 600).
fuzz: deps
	FuzzTesting/build.sh
	mkdir -p FuzzTesting/corpus && cp FuzzTesting/seeds/* FuzzTesting/corpus/
	FuzzTesting/.build/fuzz-safetensors -max_total_time=$${FUZZ_SECONDS:-600} -print_final_stats=1 FuzzTesting/corpus

clean:
	rm -rf .build demo-out bench-out

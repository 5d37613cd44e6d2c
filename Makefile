# FusionLab quick start: `make run` (the main job) and `make test` (the test suite).
# Both first install the system libraries when pkg-config cannot find them.
SHELL := /bin/bash
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# pkg-config name:Debian package. libxgboost-dev (1.7.4 on Debian 12) ships xgboost.pc; libopenmpi-dev
# ships ompi.pc and brings mpirun (data-parallel training).
PKGS := openblas:libopenblas-dev libpng16:libpng-dev libjpeg:libjpeg-dev xgboost:libxgboost-dev ompi:libopenmpi-dev

.PHONY: deps run test test-slurm build bench clean

deps:
	@missing=""; for p in $(PKGS); do pc=$${p%%:*}; deb=$${p##*:}; \
	  pkg-config --exists $$pc 2>/dev/null || missing="$$missing $$deb"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system libraries:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq pkg-config $$missing; \
	fi

build: deps
	swift build -c release --product fusionlab

run: build
	.build/release/fusionlab run Experiments/auto.json

# Serial: OpenBLAS's thread count is process-wide, so training tests running side by side would
# change each other's GEMM threading and break the byte-identical checks.
test: deps
	swift test --no-parallel
	swift build -c release --product fusionlab
	Tests/Integration/kill-and-resume.sh
	Tests/Integration/mpi-training.sh
	Tests/Integration/slurm-study.sh
	Tests/Integration/report-in-browser.sh

# A sharded study as Slurm job arrays on a single-node Slurm started on localhost (root; installs
# slurm-wlm and munge when absent); its tables must equal a single-process run's byte for byte.
test-slurm: build
	Tests/Integration/slurm-study.sh

bench: build
	.build/release/fusionlab bench engine

clean:
	swift package clean

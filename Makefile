# Mnemo — build, run, test and benchmark entry points. `make help` lists them.
SHELL := /bin/bash
CONFIG ?= Release
ROUNDS ?= 200
STATE ?= .state/dev
NATIVE_BUILD := build/native-cmake
DOTNET := dotnet
DOTNET_FLAGS := -c $(CONFIG) --nologo -v quiet

.PHONY: help deps native native-asan native-tsan build run test crash-test bench clean

help:
	@echo "make run         build everything and start the local cluster (state in $(STATE))"
	@echo "make test        build and run every test suite (native Release/ASan/TSan + .NET)"
	@echo "make bench       run the benchmarks side by side with their baselines"
	@echo "make crash-test  kill -9 the engine mid-write ROUNDS times (default $(ROUNDS)) and verify"
	@echo "make clean       remove build output and local state (the dev cluster's pools too)"

# The system packages (toolchain, PMDK, memcached and its tools), installed when missing.
deps:
	@scripts/install-deps.sh

native: deps
	@cmake -S NativeEngine -B $(NATIVE_BUILD) -DCMAKE_BUILD_TYPE=Release > /dev/null
	@cmake --build $(NATIVE_BUILD) -j2 > /dev/null

native-asan: deps
	@cmake -S NativeEngine -B build/native-asan -DCMAKE_BUILD_TYPE=Debug -DMNEMO_SANITIZE=address > /dev/null
	@cmake --build build/native-asan -j2 > /dev/null

native-tsan: deps
	@cmake -S NativeEngine -B build/native-tsan -DCMAKE_BUILD_TYPE=Debug -DMNEMO_SANITIZE=thread > /dev/null
	@cmake --build build/native-tsan -j2 > /dev/null

build: native
	$(DOTNET) build Orleans.sln $(DOTNET_FLAGS)

run: build
	@scripts/run-local.sh $(STATE)

test: deps
	@scripts/run-tests.sh

crash-test: native
	@NativeEngine/tests/crash/run.sh $(ROUNDS)

bench: build
	@scripts/run-bench.sh

# The dev cluster's pools live in /dev/shm when it is writable; it lists them in $(STATE)/pool-files.
clean:
	@if [ -f $(STATE)/pool-files ]; then xargs rm -f < $(STATE)/pool-files; fi
	rm -rf build $(STATE)
	find . \( -name bin -o -name obj \) -type d -prune -exec rm -rf {} +

# sceval - plain Makefile. Libraries are found with pkg-config; every variable
# below can be overridden on the command line (make PKG_CONFIG=... CC=clang).

PREFIX      ?= /usr/local
DESTDIR     ?=
CC          ?= cc
PKG_CONFIG  ?= pkg-config
PYTHON      ?= /usr/bin/python3
PKGS        ?= sqlite3 libgit2 libcrypto hdf5 libdeflate openblas lapack igraph yaml-0.1 jansson libarchive
OPT         ?= -O2 -g
CSTD        ?= -std=gnu11
WARN        ?= -Wall -Wextra
CPPFLAGS    += -D_GNU_SOURCE -I. -I$(BUILD)
PKG_CFLAGS  ?= $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    ?= $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CFLAGS      += $(OPT) $(CSTD) $(WARN) -pthread $(PKG_CFLAGS)
LDLIBS      += $(PKG_LIBS) -lm -pthread
BUILD       ?= build
BIN         ?= sceval

LIB_SRC  := $(sort $(wildcard util/*.c io/*.c store/*.c runner/*.c tasks/*.c tasks/*/*.c reports/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Fuzz targets (tests/fuzz/fuzz_NAME.c): replayed by `make check` through a
# plain main() (tests/fuzz/replay.c), fuzzed by `make fuzz` with clang.
FUZZ_TARGETS := spec npy table bundle h5ad h5ad_struct ref
FUZZ_REPLAY  := $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz-replay-%)
LIB      := $(BUILD)/libsceval.a

# Everything the build can record about itself goes into build/buildinfo.h,
# rewritten only when its content changes so that nothing rebuilds needlessly.
VERSION_STR := $(shell cat VERSION)
GIT_DESCRIBE := $(shell git describe --always --dirty 2>/dev/null)

.PHONY: all check check-long test asan install demo deps deps-long fuzz fuzz-deps fuzz-build clean bench docs FORCE
all: $(BIN)

$(BUILD)/buildinfo.h: FORCE
	@mkdir -p $(BUILD)
	@{ echo '#define SC_VERSION "$(VERSION_STR)"'; \
	   echo '#define SC_GIT_DESCRIBE "$(GIT_DESCRIBE)"'; \
	   echo '#define SC_CC "$(shell $(CC) --version 2>/dev/null | head -n 1)"'; \
	   echo '#define SC_CFLAGS "$(strip $(OPT) $(CSTD) $(SAN))"'; } > $@.tmp
	@cmp -s $@.tmp $@ 2>/dev/null && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) -MMD -MP -c $< -o $@

$(BUILD)/runner/env.o: $(BUILD)/buildinfo.h

# leiden.c reproduces leidenalg's floating-point operations one for one: a
# fused multiply-add (GCC contracts by default when the target has FMA)
# would change its partitions
$(BUILD)/tasks/core/leiden.o: CFLAGS += -ffp-contract=off

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(SAN) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/tests/fuzz-replay-%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(wildcard tests/fuzz/*.h) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) -o $@ tests/fuzz/replay.c $< $(LIB) $(LDLIBS)

unit: $(TEST_BIN) $(FUZZ_REPLAY)

deps:
	@sh scripts/deps.sh

deps-long:
	@sh scripts/deps.sh long

# The README's test command. Runs the unit tests and the command-line tests.
check test: deps
	@$(MAKE) --no-print-directory all unit
	@SCEVAL=$(abspath $(BIN)) SCEVAL_UNITDIR=$(abspath $(BUILD)/tests) PYTHON=$(PYTHON) \
		sh tests/run.sh

# The suite with the long tests too (larger oracle comparisons, minutes more).
check-long: deps-long
	@$(MAKE) --no-print-directory all unit
	@SCEVAL_LONG_TESTS=1 SCEVAL=$(abspath $(BIN)) SCEVAL_UNITDIR=$(abspath $(BUILD)/tests) \
		PYTHON=$(PYTHON) sh tests/run.sh

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan BIN=sceval-asan OPT="-O1 -g" \
		SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		sceval-asan unit
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:$(ASAN_OPTIONS) \
	 LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp):print_suppressions=0 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 SCEVAL_ASAN=1 SCEVAL=$(abspath sceval-asan) SCEVAL_UNITDIR=$(abspath build-asan/tests) \
	 PYTHON=$(PYTHON) sh tests/run.sh

# libFuzzer with ASan and UBSan (clang only; not needed by `make check`).
# Each target runs FUZZ_SECONDS, one after the other on one core, growing a
# scratch corpus in build-fuzz/corpus/NAME from the committed seeds; crashes
# land in tests/fuzz/crashes/NAME/ (commit them with the fix: they are
# replayed by `make check` forever). FUZZ=spec limits the run to one target.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ         ?= $(FUZZ_TARGETS)
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_FLAGS   ?=

fuzz-deps:
	@sh scripts/deps.sh fuzz

fuzz-build: fuzz-deps
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=$(FUZZ_CC) OPT="-O1 -g" \
		SAN="-fsanitize=fuzzer-no-link $(FUZZ_SAN)" build-fuzz/libsceval.a
	@mkdir -p build-fuzz/bin
	@set -e; for t in $(FUZZ); do \
	  echo "  FUZZ  build-fuzz/bin/fuzz_$$t"; \
	  $(FUZZ_CC) $(CPPFLAGS) -Ibuild-fuzz -O1 -g $(CSTD) $(WARN) -pthread $(PKG_CFLAGS) \
	    -fsanitize=fuzzer $(FUZZ_SAN) -o build-fuzz/bin/fuzz_$$t tests/fuzz/fuzz_$$t.c \
	    build-fuzz/libsceval.a $(LDLIBS); \
	done

fuzz: fuzz-build
	@set -e; for t in $(FUZZ); do \
	  mkdir -p build-fuzz/corpus/$$t tests/fuzz/crashes/$$t; \
	  d=; [ -f tests/fuzz/dict/$$t.dict ] && d=-dict=tests/fuzz/dict/$$t.dict; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
	  ASAN_OPTIONS=detect_leaks=1:$(ASAN_OPTIONS) \
	  LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp):print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  build-fuzz/bin/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 $$d -artifact_prefix=tests/fuzz/crashes/$$t/ $(FUZZ_FLAGS) \
	    build-fuzz/corpus/$$t tests/fuzz/corpus/$$t || echo "fuzz: $$t stopped on a finding"; \
	done

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh

# The benchmark drivers (bench/*.c), linked against the library like the
# unit tests; the scripts in bench/ run `make bench` and use build/bench/NAME.
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) -o $@ $< $(LIB) $(LDLIBS)

bench: all $(BENCH_BIN)
	@echo "benchmarks: see bench/README.md (each script prints sceval vs its peer)"

install: $(BIN) $(BUILD)/doc/sceval.1
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/sceval
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 $(BUILD)/doc/sceval.1 $(DESTDIR)$(PREFIX)/share/man/man1/sceval.1
	install -m 0644 $(BUILD)/doc/sceval.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/sceval

# The man page and bash completion, generated from the commands' help.
docs: $(BUILD)/doc/sceval.1
$(BUILD)/doc/sceval.1: $(BIN) scripts/gen-docs.sh
	sh scripts/gen-docs.sh $(abspath $(BIN)) $(BUILD)/doc

clean:
	rm -rf build build-asan build-fuzz sceval sceval-asan

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)

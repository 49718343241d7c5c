# Makefile -- builds libreqtag.so and reqtag into build/, runs the tests, installs.
CC       ?= gcc
CXX      ?= g++
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
BINDIR    = $(PREFIX)/bin
LIBDIR    = $(PREFIX)/lib/reqtag
MANDIR    = $(PREFIX)/share/man/man1

WARN      = -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
BASEFLAGS = -std=gnu11 $(WARN) -D_GNU_SOURCE
SHIMFLAGS = $(BASEFLAGS) -fPIC -fvisibility=hidden -ftls-model=initial-exec -fno-strict-aliasing
ASANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SANFLAGS  = -O1 -g $(ASANFLAGS)
# SANITIZE=asan or tsan builds the shim and the injector under that sanitizer (make check-asan,
# check-tsan). Under ASan the fixtures stay plain programs, as the hosts the shim runs in are.
# Sanitizer reports of check-asan and check-tsan go to files in SAN_DIR (tests/run.sh counts them).
SAN_DIR  ?= /tmp/reqtag-sanitizer
ifeq ($(SANITIZE),asan)
SHIMFLAGS += $(ASANFLAGS)
SHIM_EXTRA = tests/sanitize/defaults.c -DREQTAG_SAN_DIR='"$(SAN_DIR)"'
INJFLAGS   = $(ASANFLAGS)
FIXFLAGS   =
else ifeq ($(SANITIZE),tsan)
# TSan sees a thread only if its runtime's pthread_create runs: the fixtures link it, so it comes
# before libc in their search order and the shim's calls to the next pthread_create reach it.
SHIMFLAGS += -fsanitize=thread
INJFLAGS   =
FIXFLAGS   = -fsanitize=thread
else
INJFLAGS   =
FIXFLAGS   =
endif

SHIM_SRC  = $(wildcard shim/*.c) common/settings.c
SHIM_HDR  = $(wildcard shim/*.h) common/settings.h
INJ_SRC   = $(wildcard injector/*.c) common/settings.c
INJ_HDR   = $(wildcard injector/*.h) common/settings.h
UNIT_SRC  = $(wildcard tests/unit/test_*.c)
UNITS     = $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))
FIX_C     = $(wildcard tests/fixtures/*.c)
FIX_CXX   = $(wildcard tests/fixtures/*.cpp)
FIXTURES  = $(patsubst tests/fixtures/%.c,$(BUILD)/fixtures/%,$(FIX_C)) \
            $(patsubst tests/fixtures/%.cpp,$(BUILD)/fixtures/%,$(FIX_CXX)) $(BUILD)/fixtures/rawsys-static \
            $(BUILD)/fixtures/altstack-asan $(BUILD)/fixtures/faults.so
# The pure modules a unit test links against: test_<module>.c tests shim/<module>.c.
PURE      = shim/pool.c shim/rec.c shim/record.c shim/crashfmt.c shim/maps.c shim/body.c shim/resp.c shim/scan.c shim/reqid.c shim/lines.c shim/tag.c common/settings.c

.PHONY: all test unit fixtures deps install uninstall clean check-asan check-tsan stress

all: $(BUILD)/libreqtag.so $(BUILD)/reqtag

$(BUILD)/libreqtag.so: $(SHIM_SRC) $(SHIM_HDR) $(filter %.c,$(SHIM_EXTRA)) | $(BUILD)
	$(CC) $(SHIMFLAGS) $(CFLAGS) -shared -o $@ $(SHIM_SRC) $(SHIM_EXTRA) -ldl -lpthread -Wl,-z,now -Wl,-z,defs

$(BUILD)/reqtag: $(INJ_SRC) $(INJ_HDR) | $(BUILD)
	$(CC) $(BASEFLAGS) $(INJFLAGS) $(CFLAGS) -DREQTAG_LIBDIR='"$(LIBDIR)"' -o $@ $(INJ_SRC)

$(BUILD)/unit/test_%: tests/unit/test_%.c tests/unit/unit.h $(PURE) $(SHIM_HDR) | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(SANFLAGS) -Ishim -Icommon -o $@ $< $(PURE) -lpthread

$(BUILD)/fixtures/%: tests/fixtures/%.c $(wildcard tests/fixtures/*.h) | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(FIXFLAGS) $(FIXEXTRA) -O2 -g -o $@ $< -lpthread

# A host built with ASan (its runtime unmaps a thread's alternate stack when the thread ends).
$(BUILD)/fixtures/altstack-asan: tests/fixtures/altstack.c | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -O1 -g -fsanitize=address -o $@ $< -lpthread

# glibc's own stack check must catch glibcfatal's overflow; rawsys also comes as a static binary.
$(BUILD)/fixtures/glibcfatal: FIXEXTRA = -fstack-protector-all
$(BUILD)/fixtures/rawsys-static: tests/fixtures/rawsys.c tests/fixtures/selfconn.h | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -O2 -g -static -o $@ $<

# Fault injection for the tests (tests/faults.bats): preloaded after the shim, never installed.
$(BUILD)/fixtures/faults.so: tests/faults/faults.c | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -O2 -g -fPIC -shared -o $@ $< -ldl

$(BUILD)/fixtures/%: tests/fixtures/%.cpp | $(BUILD)
	@mkdir -p $(dir $@)
	$(CXX) -std=gnu++17 $(WARN) $(FIXFLAGS) -O2 -g -o $@ $< -lpthread

$(BUILD):
	mkdir -p $(BUILD)

unit: $(UNITS)
fixtures: $(FIXTURES)

deps:
	scripts/deps.sh test

# Runs everything and ends with the line "N passed, N failed".
test: deps
	$(MAKE) all unit fixtures
	tests/run.sh $(BUILD)

# The whole suite again with the shim and the command under ASan+UBSan, each in its own build
# directory; any sanitizer report fails the run (tests/run.sh counts them).
check-asan: deps
	$(MAKE) BUILD=$(BUILD)/asan SANITIZE=asan all unit fixtures
	REQTAG_SANITIZE=asan REQTAG_SAN_DIR=$(SAN_DIR) tests/run.sh $(BUILD)/asan

# The tests whose programs are the fixtures (every threaded one among them), with the shim and the
# fixtures under TSan. A host without the TSan runtime cannot load a TSan shim: tests of nginx,
# python3 and apache skip (plain_host_only), and proctree (shell children), propagate (python3
# services), python_pool and the other real-server files stay out. tests/tsan.supp names the
# races the shim has by design.
TSAN_BATS = tagging.bats threads.bats pool.bats epoll.bats fdreuse.bats downstream.bats hostile.bats \
            corpus.bats debug.bats faults.bats stdio.bats crash.bats partial.bats identical.bats exports.bats \
            settings.bats output.bats fields.bats echo.bats summary.bats
check-tsan: deps
	$(MAKE) BUILD=$(BUILD)/tsan SANITIZE=tsan all fixtures
	REQTAG_SANITIZE=tsan REQTAG_SAN_DIR=$(SAN_DIR) REQTAG_BATS="$(TSAN_BATS)" tests/run.sh $(BUILD)/tsan

# Stress runs (tests/stress/): a million requests, 10,000 connections, 200,000 threads, forks
# under load; each test stops by itself within 5 minutes. REQTAG_STRESS_SCALE=0.01 for a quick look.
STRESS_BATS = $(patsubst tests/%,%,$(wildcard tests/stress/*.bats))
stress: deps
	$(MAKE) all fixtures
	REQTAG_NO_UNITS=1 REQTAG_BATS="$(STRESS_BATS)" tests/run.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(MANDIR)
	install -m 755 $(BUILD)/reqtag $(DESTDIR)$(BINDIR)/reqtag
	install -m 644 $(BUILD)/libreqtag.so $(DESTDIR)$(LIBDIR)/libreqtag.so
	install -m 644 man/reqtag.1 $(DESTDIR)$(MANDIR)/reqtag.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/reqtag $(DESTDIR)$(LIBDIR)/libreqtag.so $(DESTDIR)$(MANDIR)/reqtag.1

clean:
	rm -rf $(BUILD)

# ---- fuzzing (scripts/fuzz.sh; tests/fuzz/). `make fuzz FUZZ_SECONDS=N`: each target N seconds. ----
# libFuzzer needs clang; each target runs on a scratch copy of its seed corpus under $(BUILD)/fuzz
# and any crash, leak or timeout fails.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_FLAGS    = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_PURE     = shim/scan.c shim/body.c shim/reqid.c shim/resp.c shim/lines.c common/settings.c
FUZZ_BINS     = $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: fuzz fuzz-bins
fuzz-bins: $(FUZZ_BINS)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_PURE) $(SHIM_HDR) | $(BUILD)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(BASEFLAGS) $(FUZZ_FLAGS) -Ishim -Icommon -o $@ $< $(FUZZ_PURE)

fuzz:
	scripts/deps.sh fuzz
	$(MAKE) fuzz-bins
	scripts/fuzz.sh $(BUILD) $(FUZZ_SECONDS)

# ---- benchmarks (scripts/bench.sh; docs/benchmarks.md). `make bench QUICK=1`: a short run. ----
BENCH_SCAN = shim/scan.c shim/body.c shim/reqid.c common/settings.c
BENCH_BINS = $(BUILD)/bench/micro $(BUILD)/bench/kaclient $(BUILD)/bench/conns \
             $(BUILD)/bench/scanbench $(BUILD)/bench/mallocount.so

.PHONY: bench bench-bins
bench-bins: $(BENCH_BINS)

$(BUILD)/bench/scanbench: tests/bench/scanbench.c $(BENCH_SCAN) $(SHIM_HDR) | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -O2 -g -fno-strict-aliasing -Ishim -Icommon -o $@ $< $(BENCH_SCAN)

$(BUILD)/bench/mallocount.so: tests/bench/mallocount.c | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -O2 -g -fPIC -shared -o $@ $<

$(BUILD)/bench/%: tests/bench/%.c | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -O2 -g -o $@ $< -lpthread

bench: all fixtures bench-bins
	scripts/deps.sh bench
	scripts/bench.sh $(if $(QUICK),--quick) $(BUILD)

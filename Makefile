# rectd / rectctl — one Makefile.
#   make run     install missing deps, build, start rectd on config/rectd.conf
#   make test    install missing deps, build, run every test (unit, catalogues,
#                end-to-end, and both again under ASan+UBSan, rectd under TSan)
#   make bench   benchmarks (not part of make test)
#   make deps    install the Debian packages this needs (apt-get, as root)

CC      ?= cc
CONFIG  ?= config/rectd.conf
BUILD   ?= build
SAN     ?=
PKGS    := libzmq lmdb libconfig jansson libsodium libutf8proc
CSTD    := -std=c17 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L
WARN    := -Wall -Wextra -Wformat=2 -Wshadow -Wno-unused-parameter
OPT     ?= -O2 -g
LOCALEDIR ?= /usr/local/share/locale

# Debian packages needed to build and test (dpkg names).
DEB_BUILD := pkg-config libzmq3-dev liblmdb-dev libconfig-dev libjansson-dev \
             libsodium-dev libcmocka-dev libcsv-dev libutf8proc-dev tzdata gettext \
             libxlsxwriter-dev zlib1g-dev
DEB_TEST  := python3 python3-zmq lmdb-utils libclang-rt-14-dev \
             chromium poppler-utils python3-openpyxl fonts-noto-cjk python3-cryptography \
             clang-format

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv
# libxlsxwriter (the ledger's Excel workbooks): rectctl only.
XLSX_CFLAGS = $(shell pkg-config --cflags xlsxwriter 2>/dev/null)
XLSX_LIBS   = $(shell pkg-config --libs xlsxwriter 2>/dev/null)
CFLAGS  += $(CSTD) $(WARN) $(OPT) $(SAN) -Iinclude -Icommon -Idaemon -Iclient \
           $(PKG_CFLAGS) -DLOCALEDIR='"$(LOCALEDIR)"'
LDFLAGS += $(SAN)
LDLIBS  += $(PKG_LIBS)

COMMON_SRC := $(wildcard common/*.c)
DAEMON_SRC := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
CLIENT_SRC := $(filter-out client/main.c,$(wildcard client/*.c))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
COMMON_OBJ := $(call obj,$(COMMON_SRC))
DAEMON_OBJ := $(call obj,$(DAEMON_SRC))
CLIENT_OBJ := $(call obj,$(CLIENT_SRC))
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

# The default build puts rectd and rectctl in the repo root, so that
# ./rectctl finds config/rectd.conf beside it; sanitizer builds stay in BUILD.
ifeq ($(BUILD),build)
BINDIR := .
else
BINDIR := $(BUILD)
endif

# rectctl's message catalogues (po/LANG.po), where ./rectctl looks first.
MO := $(patsubst po/%.po,$(BUILD)/locale/%/LC_MESSAGES/rectctl.mo,$(wildcard po/*.po))

.PHONY: all deps run test unit e2e sanitize tsan bench fuzz pot check-po clean format format-files check-format
all: $(BINDIR)/rectd $(BINDIR)/rectctl $(UNIT_BIN) $(MO)

$(BUILD)/locale/%/LC_MESSAGES/rectctl.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

$(BUILD)/%.o: %.c $(wildcard include/*.h common/*.h daemon/*.h client/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BINDIR)/rectd: $(BUILD)/daemon/main.o $(DAEMON_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/client/%.o: CFLAGS += $(XLSX_CFLAGS)
$(BINDIR)/rectctl: $(BUILD)/client/main.o $(CLIENT_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(XLSX_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(DAEMON_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# test_cli walks rectctl's command table: rectctl's objects, not rectd's.
$(BUILD)/tests/test_cli: tests/unit/test_cli.c $(CLIENT_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(XLSX_LIBS) -lcmocka

# Install what is missing. As root: apt-get. Otherwise print the command.
deps:
	@missing=""; for p in $(DEB_BUILD) $(DEB_TEST); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make deps: installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
	      || { echo "make deps: apt-get failed"; exit 1; }; \
	  else \
	    echo "make deps: missing packages. Run:"; \
	    echo "  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p var
	./rectd -c $(CONFIG)

# The last line checks that CLI_ARG / RECT_ARG_OF really fails to compile for
# an argument the command does not take (what keeps rectctl's options and
# rect_verbs.h from drifting apart).
unit: $(UNIT_BIN)
	@./tests/run-unit $(UNIT_BIN)
	@if printf '#include "rect_verbs.h"\nstatic const rect_arg_ref r = RECT_ARG_OF(CLOSE, colour);\n' | \
	    $(CC) $(CFLAGS) -fsyntax-only -x c - 2>/dev/null; then \
	  echo "FAIL RECT_ARG_OF(CLOSE, colour) compiles: the drift check of rect_verbs.h is broken"; exit 1; \
	else echo "ok   RECT_ARG_OF refuses an argument the command does not take"; fi

# tests/e2e.py is the core suite; tests/e2e-*.py are the suites of later features
# (a hyphen: they are scripts, not modules). Each prints "N passed, M failed".
E2E_SUITES := tests/e2e.py $(sort $(wildcard tests/e2e-*.py))
e2e: $(BINDIR)/rectd $(BINDIR)/rectctl $(BUILD)/tools/rect-tamper $(MO)
	@rc=0; for s in $(E2E_SUITES); do \
	  RECTD=$(BINDIR)/rectd RECTCTL=$(BINDIR)/rectctl RECT_TAMPER=$(BUILD)/tools/rect-tamper /usr/bin/python3 $$s || rc=1; \
	done; exit $$rc

# Unit and end-to-end tests again, built with ASan + UBSan; any report fails.
sanitize:
	@$(MAKE) --no-print-directory BUILD=build/asan CC=clang OPT='-O1 -g -fno-omit-frame-pointer' \
	  SAN='-fsanitize=address,undefined -fno-sanitize-recover=all' unit e2e

# rectd built with ThreadSanitizer (its reader threads) under the end-to-end
# suites; rectctl stays a plain build. libzmq is not instrumented: see
# tests/tsan.supp.
tsan: $(BINDIR)/rectctl $(BUILD)/tools/rect-tamper $(MO)
	@$(MAKE) --no-print-directory BUILD=build/tsan CC=clang OPT='-O1 -g' SAN='-fsanitize=thread' build/tsan/rectd
	@rc=0; for s in $(E2E_SUITES); do \
	  TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  RECTD=build/tsan/rectd RECTCTL=$(BINDIR)/rectctl RECT_TAMPER=$(BUILD)/tools/rect-tamper /usr/bin/python3 $$s || rc=1; \
	done; exit $$rc

test: deps
	@$(MAKE) --no-print-directory all
	@./tests/run-all

bench: deps
	@$(MAKE) --no-print-directory all
	@/usr/bin/python3 tests/bench.py

# The message template for translators, merged into each po/LANG.po (new
# messages arrive untranslated: tests/check-po then names them).
XGETTEXT = xgettext -k_ -kN_ -kNC_:1c,2 -kngettext:1,2 --from-code=UTF-8 --add-comments=TRANSLATORS: \
  --package-name=rectctl --package-version=$$(sed -n 's/.*RECT_VERSION "\(.*\)"/\1/p' include/rect_proto.h) \
  include/rect_proto.h $(sort $(wildcard client/*.c client/*.h))
pot:
	$(XGETTEXT) -o po/rectctl.pot
	@for po in $(wildcard po/*.po); do msgmerge --quiet --update --backup=none $$po po/rectctl.pot; done

# The template and every catalogue hold each message the code has (make test).
check-po:
	@tmp=$$(mktemp --suffix=.pot) && $(XGETTEXT) -o $$tmp && tests/check-po $$tmp; \
	  rc=$$?; rm -f $$tmp; exit $$rc

# The C files .clang-format covers; make test checks them (tests/check-format).
FORMAT_FILES = $(sort $(wildcard include/*.h common/*.[ch] daemon/*.[ch] client/*.[ch] tests/unit/*.c \
                 tests/tools/*.c tests/fuzz/*.c))
format:
	clang-format -i $(FORMAT_FILES)
format-files:
	@echo $(FORMAT_FILES)
check-format:
	@tests/check-format

clean:
	rm -rf build rectd rectctl

# Coverage-guided fuzzing (clang libFuzzer + ASan/UBSan); FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60
fuzz: deps
	@mkdir -p build/fuzz
	@for t in request import; do \
	  clang $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Icommon -Idaemon $(PKG_CFLAGS) \
	    -o build/fuzz/fuzz_$$t tests/fuzz/fuzz_$$t.c $(DAEMON_SRC) $(COMMON_SRC) $(PKG_LIBS) || exit 1; \
	  mkdir -p build/fuzz/corpus-$$t; \
	  build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build/fuzz/corpus-$$t tests/fuzz/corpus-$$t || exit 1; \
	done

# A test tool that changes rectd's database behind its back (an event's note,
# an index entry, an inspection record, a re-chained rewrite, a truncation), so
# tests/e2e-ledger-daemon.py and tests/e2e-sign.py can show audit_verify catching it.
$(BUILD)/tools/rect-tamper: tests/tools/rect-tamper.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -llmdb $(shell pkg-config --libs jansson libsodium 2>/dev/null)

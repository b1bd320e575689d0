# rectd / rectctl — one Makefile.
#   make run     install what building and running need (not the test tools),
#                build, start rectd on config/rectd.conf and rectweb on
#                config/rectweb.conf (http://127.0.0.1:8080/)
#   make test    install every missing dep, build, run every test (unit, catalogues,
#                end-to-end, crash proofs, both again under ASan+UBSan, rectd
#                under TSan, fuzzing): each stage "N passed, M failed"
#   make crash   kill -9 rounds under concurrent writers (ROUNDS=20) and the
#                power-loss simulation (part of make test)
#   make fuzz    replay each fuzz corpus, fuzz each harness FUZZ_SECONDS=20
#                (part of make test)
#   make valgrind  the core suite with rectd under valgrind (not in make test)
#   make bench   benchmarks (not part of make test)
#   make deps    install the Debian packages this needs, run, build and test
#                (apt-get, as root), and make the zh_CN.UTF-8 locale
#   make install [PREFIX=/usr/local] [DESTDIR=...]   programs, man pages, the
#                zh_CN catalogue, bash completion, rectd.service, the sample
#                configs under /etc/rectd (never over existing ones)
#   make uninstall   the same files again, except the configs under /etc/rectd

CC      ?= cc
CONFIG  ?= config/rectd.conf
BUILD   ?= build
SAN     ?=
PKGS    := libzmq lmdb libconfig jansson libsodium libutf8proc libzip expat
CSTD    := -std=c17 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L
WARN    := -Wall -Wextra -Wformat=2 -Wshadow -Wno-unused-parameter
OPT     ?= -O2 -g

# Where make install puts things. LOCALEDIR is compiled into rectctl (the
# catalogues it looks for when none is beside it, see client/main.c); the
# others only decide where files go. DESTDIR is prepended to every path
# (a staging root, e.g. for a package or tests/e2e-install.py).
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
LOCALEDIR  ?= $(PREFIX)/share/locale
MANDIR     ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d

# Debian packages (dpkg names). make run installs DEB_BUILD and DEB_RUN,
# make deps and make test all three.
#   DEB_BUILD  compiling rectd and rectctl (their libraries come with the -dev packages)
#   DEB_RUN    running them beyond those libraries: the calendar's time zones, kill
#              for the service's reload (procps),
#              and the locales zh_CN.UTF-8 is made from (make deps makes it)
#   DEB_TEST   the test tools only: Python and its modules, Chromium and poppler
#              for the printed ledger, man and systemd-analyze for the install test
DEB_BUILD := pkg-config libzmq3-dev liblmdb-dev libconfig-dev libjansson-dev \
             libsodium-dev libcmocka-dev libcsv-dev libutf8proc-dev gettext \
             libxlsxwriter-dev zlib1g-dev libzip-dev libexpat1-dev libmicrohttpd-dev xxd
DEB_RUN   := tzdata locales procps
DEB_TEST  := python3 python3-zmq lmdb-utils libclang-rt-14-dev \
             chromium poppler-utils python3-openpyxl fonts-noto-cjk python3-cryptography \
             man-db groff-base systemd valgrind chromium-driver python3-selenium \
             clang-format
# The locale rectctl's Chinese needs (LANG=zh_CN.UTF-8); `locale -a` spells it zh_CN.utf8.
DEB_LOCALE := zh_CN.UTF-8

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv
# libxlsxwriter (the ledger's Excel workbooks): rectctl and rectweb (its ledger download).
XLSX_CFLAGS = $(shell pkg-config --cflags xlsxwriter 2>/dev/null)
XLSX_LIBS   = $(shell pkg-config --libs xlsxwriter 2>/dev/null)
# libzip: the case file's zip (rectctl dossier --format zip); with expat, also
# the plan reader's .xlsx (common/plan.c), so it is in PKGS for both programs.
ZIP_CFLAGS = $(shell pkg-config --cflags libzip 2>/dev/null)
ZIP_LIBS   = $(shell pkg-config --libs libzip 2>/dev/null)
# libmicrohttpd (the officials' web page, rectweb): rectweb only.
MHD_CFLAGS = $(shell pkg-config --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS   = $(shell pkg-config --libs libmicrohttpd 2>/dev/null)
CFLAGS  += $(CSTD) $(WARN) $(OPT) $(SAN) -Iinclude -Icommon -Idaemon -Iclient \
           $(PKG_CFLAGS) -DLOCALEDIR='"$(LOCALEDIR)"'
LDFLAGS += $(SAN)
LDLIBS  += $(PKG_LIBS)

COMMON_SRC := $(wildcard common/*.c)
DAEMON_SRC := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
CLIENT_SRC := $(filter-out client/main.c,$(wildcard client/*.c))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
WEB_SRC    := $(filter-out rectweb/main.c,$(wildcard rectweb/*.c))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
COMMON_OBJ := $(call obj,$(COMMON_SRC))
DAEMON_OBJ := $(call obj,$(DAEMON_SRC))
CLIENT_OBJ := $(call obj,$(CLIENT_SRC))
WEB_OBJ    := $(call obj,$(WEB_SRC))
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

# The default build puts rectd and rectctl in the repo root, so that
# ./rectctl finds config/rectd.conf beside it; sanitizer builds stay in BUILD.
ifeq ($(BUILD),build)
BINDIR := .
else
BINDIR := $(BUILD)
endif

# rectweb cannot sit in the repo root beside rectd and rectctl: rectweb/ is its source folder.
WEB_BIN := $(BUILD)/rectweb/rectweb

# rectctl's message catalogues (po/LANG.po), where ./rectctl looks first.
MO := $(patsubst po/%.po,$(BUILD)/locale/%/LC_MESSAGES/rectctl.mo,$(wildcard po/*.po))

.PHONY: all deps deps-run install uninstall run test unit e2e sanitize tsan bench fuzz fuzz-build fuzz-dict crash valgrind pot check-po clean format format-files check-format
# make bench's programs are built by make all (so they cannot rot), run only by make bench.
BENCH_BIN := $(BUILD)/bench/bench $(BUILD)/bench/one-request
all: $(BINDIR)/rectd $(BINDIR)/rectctl $(WEB_BIN) $(UNIT_BIN) $(MO) $(BENCH_BIN)

$(BUILD)/locale/%/LC_MESSAGES/rectctl.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

$(BUILD)/%.o: %.c $(wildcard include/*.h common/*.h daemon/*.h client/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BINDIR)/rectd: $(BUILD)/daemon/main.o $(DAEMON_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/client/%.o: CFLAGS += $(XLSX_CFLAGS) $(ZIP_CFLAGS)
# LOCALEDIR is compiled into client/main.o: a changed PREFIX or LOCALEDIR
# (make install PREFIX=/usr after a plain make) rebuilds it.
$(BUILD)/client/main.o: $(BUILD)/localedir.stamp
$(BUILD)/localedir.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(LOCALEDIR)' | cmp -s - $@ || echo '$(LOCALEDIR)' > $@
FORCE:
# rectctl starts with only what every command needs: libxlsxwriter, libzip,
# libexpat and libcsv (and with them libcrypto, libbz2, libminizip, libz) are
# not NEEDED; client/lazylib.c loads each by its soname for the commands that
# use it (ledger --format xlsx, dossier --format zip, init --from). The soname
# is the one of the library the linker would link, and the Debian package
# named in the message when it is missing is named after it (Debian Policy
# 8.1: libzip.so.4 is in libzip4). -O1 and --as-needed: a smaller, faster to
# load dynamic section, and no library NEEDED that nothing calls.
LAZY_LIBS := xlsxwriter zip expat csv
lazy_soname = $(shell readelf -d "$$($(CC) -print-file-name=lib$(1).so)" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
lazy_package = $(shell echo '$(1)' | sed -e 's/\([0-9]\)\.so\./\1-/' -e 's/\.so\.//' | tr 'A-Z_' 'a-z-')
LAZY_DEFS = $(foreach l,$(LAZY_LIBS),$(call lazy_def,$(l),$(call lazy_soname,$(l))))
lazy_def = -DLAZY_SONAME_$(call upper,$(1))='"$(2)"' -DLAZY_PACKAGE_$(call upper,$(1))='"$(call lazy_package,$(2))"'
upper = $(shell echo '$(1)' | tr a-z A-Z)
CLIENT_LIBS = $(shell pkg-config --libs libzmq libconfig jansson libsodium libutf8proc 2>/dev/null)
CLIENT_LDFLAGS := -Wl,-O1 -Wl,--as-needed
# A new soname (the library's package upgraded) rebuilds lazylib.o.
$(BUILD)/client/lazylib.o: CFLAGS += $(LAZY_DEFS)
$(BUILD)/client/lazylib.o: $(BUILD)/lazylib.stamp
$(BUILD)/lazylib.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(LAZY_DEFS)' | cmp -s - $@ || echo '$(LAZY_DEFS)' > $@
$(BINDIR)/rectctl: $(BUILD)/client/main.o $(CLIENT_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS) $(CLIENT_LDFLAGS) -o $@ $^ $(CLIENT_LIBS)

# rectweb: its page's CSS and JavaScript become C arrays at build time (xxd -i),
# so the binary serves them and nothing is fetched at run time.
$(BUILD)/rectweb/assets.h: rectweb/assets/app.css rectweb/assets/app.js
	@mkdir -p $(dir $@)
	(cd rectweb/assets && xxd -i app.css && xxd -i app.js) > $@.tmp && mv $@.tmp $@
$(BUILD)/rectweb/%.o: CFLAGS += $(MHD_CFLAGS) -Irectweb -I$(BUILD)/rectweb
$(BUILD)/rectweb/http.o: $(BUILD)/rectweb/assets.h
$(BUILD)/rectweb/%.o: rectweb/%.c rectweb/web.h rectweb/http.h $(wildcard include/*.h common/*.h client/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<
# rectweb offers the ledger in every format and the case file as rectctl writes
# them: it links rectctl's renderers (they talk to no one and know no cli_ctx)
# and the directory reader that gives them display names.
WEB_RENDER_OBJ := $(call obj,client/ledger.c client/ledger_html.c client/ledger_layout.c client/ledger_xlsx.c \
                    client/dossier_html.c client/dossier_zip.c client/render.c client/dir_json.c)
$(WEB_BIN): $(BUILD)/rectweb/main.o $(WEB_OBJ) $(WEB_RENDER_OBJ) $(COMMON_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(MHD_LIBS) $(XLSX_LIBS) $(ZIP_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(DAEMON_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# test_init: rectctl init's config writer (client/init.c) alone.
# (with lazylib.o: init --from loads the plan reader's libraries as rectctl does)
$(BUILD)/tests/test_init: tests/unit/test_init.c $(BUILD)/client/init.o $(BUILD)/client/lazylib.o $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $(CLIENT_LDFLAGS) -o $@ $^ $(CLIENT_LIBS) -lcmocka

# test_web pins rectweb's own parsing and sessions: rectweb's objects (without libmicrohttpd's part).
$(BUILD)/tests/test_web: tests/unit/test_web.c $(BUILD)/rectweb/parse.o $(BUILD)/rectweb/buf.o $(BUILD)/rectweb/session.o $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Irectweb $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# test_cli walks rectctl's command table: rectctl's objects, not rectd's.
# (lazylib.o among them: the libraries only some commands need load as in rectctl)
$(BUILD)/tests/test_cli: tests/unit/test_cli.c $(CLIENT_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $(CLIENT_LDFLAGS) -o $@ $^ $(CLIENT_LIBS) -lcmocka

# test_ledger_layout: the printed ledger's columns and widths, of rectctl's ledger objects.
$(BUILD)/tests/test_ledger_layout: tests/unit/test_ledger_layout.c $(BUILD)/client/ledger.o \
  $(BUILD)/client/ledger_layout.o $(BUILD)/client/ledger_html.o $(BUILD)/client/render.o $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# Install the packages of $(1) that are missing, then make the zh_CN.UTF-8
# locale if it is missing (listed in /etc/locale.gen, so that a later
# locale-gen keeps it). As root: apt-get and locale-gen. Otherwise print the
# commands and fail.
define install_debs
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make: installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
	      || { echo "make: apt-get failed"; exit 1; }; \
	  else \
	    echo "make: missing packages. Run:"; \
	    echo "  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi; \
	if ! locale -a 2>/dev/null | grep -qix 'zh_CN\.utf-\?8'; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make: generating the $(DEB_LOCALE) locale"; \
	    { grep -qx '$(DEB_LOCALE) UTF-8' /etc/locale.gen 2>/dev/null || \
	      sed -i 's/^# *\($(DEB_LOCALE) UTF-8\)$$/\1/' /etc/locale.gen 2>/dev/null; \
	      grep -qx '$(DEB_LOCALE) UTF-8' /etc/locale.gen 2>/dev/null || echo '$(DEB_LOCALE) UTF-8' >> /etc/locale.gen; \
	      locale-gen >/dev/null; } && locale -a | grep -qix 'zh_CN\.utf-\?8' \
	      || { echo "make: could not generate $(DEB_LOCALE) (is the locales package installed?)"; exit 1; }; \
	  else \
	    echo "make: the $(DEB_LOCALE) locale is missing. Run:"; \
	    echo "  sudo sh -c \"echo '$(DEB_LOCALE) UTF-8' >> /etc/locale.gen && locale-gen\""; exit 1; \
	  fi; \
	fi
endef

# Everything: building, running and testing.
deps:
	$(call install_debs,$(DEB_BUILD) $(DEB_RUN) $(DEB_TEST))

# Building and running only (make run): no Chromium, no test tools.
deps-run:
	$(call install_debs,$(DEB_BUILD) $(DEB_RUN))

# rectweb starts beside rectd once rectd has made its socket and the demo keys
# (config/rectweb.conf): open http://127.0.0.1:8080/; it stops with rectd.
run: deps-run
	@$(MAKE) --no-print-directory all
	@mkdir -p var
	@( for i in $$(seq 200); do [ -S var/rectd.sock ] && [ -f var/keys/rectweb.key ] && break; sleep 0.1; done; \
	   exec $(WEB_BIN) -c config/rectweb.conf ) & web=$$!; \
	trap 'kill $$web 2>/dev/null' EXIT INT TERM; \
	./rectd -c $(CONFIG)

# ---- make install / make uninstall ---------------------------------------
# What goes where. One more program adds itself with one line per list it
# belongs to (INSTALL_SBIN += rectweb); a man page is picked up by its file
# name, man/NAME.SECTION (English) and man/zh_CN/NAME.SECTION (Chinese).
INSTALL_SBIN := rectd
INSTALL_BIN  := rectctl
INSTALL_MAN  := $(wildcard man/*.[1-8])
INSTALL_MAN_ZH := $(wildcard man/zh_CN/*.[1-8])
INSTALL_CONF := config/etc/rectd.conf config/etc/rectctl.conf config/etc/rectweb.conf
INSTALL_UNIT := config/systemd/rectd.service config/systemd/rectweb.service
INSTALL_SYSUSERS := config/systemd/rectd.sysusers config/systemd/rectweb.sysusers
INSTALL_BASHCOMP := config/bash-completion/rectctl
INSTALL_MO   := $(MO)
SBINDIR := $(PREFIX)/sbin
BINDIR_INSTALL := $(PREFIX)/bin
# Files that are installed with @PREFIX@-style words replaced (the unit names
# the installed rectd).
SUBST = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR_INSTALL)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'

install: $(addprefix $(BINDIR)/,$(INSTALL_SBIN) $(INSTALL_BIN)) $(WEB_BIN) $(INSTALL_MO)
	install -d '$(DESTDIR)$(SBINDIR)' '$(DESTDIR)$(BINDIR_INSTALL)' '$(DESTDIR)$(UNITDIR)' \
	  '$(DESTDIR)$(SYSUSERSDIR)' '$(DESTDIR)$(BASHCOMPDIR)'
	install -m 0755 $(addprefix $(BINDIR)/,$(INSTALL_SBIN)) '$(DESTDIR)$(SBINDIR)'
	@# rectweb is built in its own folder (rectweb/ is its source beside rectd's)
	install -m 0755 $(WEB_BIN) '$(DESTDIR)$(SBINDIR)/rectweb'
	install -m 0755 $(addprefix $(BINDIR)/,$(INSTALL_BIN)) '$(DESTDIR)$(BINDIR_INSTALL)'
	@set -e; for m in $(INSTALL_MAN); do \
	  s=$${m##*.}; install -d '$(DESTDIR)$(MANDIR)'/man$$s; \
	  echo "install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/"; install -m 0644 $$m '$(DESTDIR)$(MANDIR)'/man$$s/; \
	done; for m in $(INSTALL_MAN_ZH); do \
	  s=$${m##*.}; install -d '$(DESTDIR)$(MANDIR)'/zh_CN/man$$s; \
	  echo "install -m 0644 $$m $(DESTDIR)$(MANDIR)/zh_CN/man$$s/"; install -m 0644 $$m '$(DESTDIR)$(MANDIR)'/zh_CN/man$$s/; \
	done; for mo in $(INSTALL_MO); do \
	  l=$${mo#$(BUILD)/locale/}; install -d '$(DESTDIR)$(LOCALEDIR)'/$$(dirname $$l); \
	  echo "install -m 0644 $$mo $(DESTDIR)$(LOCALEDIR)/$$l"; install -m 0644 $$mo '$(DESTDIR)$(LOCALEDIR)'/$$l; \
	done
	install -m 0644 $(INSTALL_BASHCOMP) '$(DESTDIR)$(BASHCOMPDIR)'
	@set -e; for u in $(INSTALL_UNIT); do \
	  echo "install -m 0644 $$u $(DESTDIR)$(UNITDIR)/"; \
	  $(SUBST) $$u > '$(DESTDIR)$(UNITDIR)'/$$(basename $$u).tmp; \
	  chmod 0644 '$(DESTDIR)$(UNITDIR)'/$$(basename $$u).tmp; \
	  mv '$(DESTDIR)$(UNITDIR)'/$$(basename $$u).tmp '$(DESTDIR)$(UNITDIR)'/$$(basename $$u); \
	done; for u in $(INSTALL_SYSUSERS); do \
	  b=$$(basename $$u .sysusers).conf; echo "install -m 0644 $$u $(DESTDIR)$(SYSUSERSDIR)/$$b"; \
	  install -m 0644 $$u '$(DESTDIR)$(SYSUSERSDIR)'/$$b; \
	done
	@# The configs: a sample where there is none; an existing one is the town's and stays.
	@set -e; install -d -m 0755 '$(DESTDIR)$(SYSCONFDIR)/rectd'; for c in $(INSTALL_CONF); do \
	  t='$(DESTDIR)$(SYSCONFDIR)/rectd'/$$(basename $$c); \
	  if [ -e "$$t" ]; then echo "kept $$t (it exists; the new sample is $$c)"; \
	  else echo "install -m 0644 $$c $$t"; $(SUBST) $$c > "$$t"; chmod 0644 "$$t"; fi; \
	done

# Everything install put there, except the configs under /etc/rectd (and
# what rectd made: /var/lib/rectd, its keys and data).
uninstall:
	rm -f $(addprefix '$(DESTDIR)$(SBINDIR)'/,$(INSTALL_SBIN) rectweb) $(addprefix '$(DESTDIR)$(BINDIR_INSTALL)'/,$(INSTALL_BIN))
	@set -e; for m in $(INSTALL_MAN); do \
	  f='$(DESTDIR)$(MANDIR)'/man$${m##*.}/$$(basename $$m); echo "rm -f $$f"; rm -f "$$f"; \
	done; for m in $(INSTALL_MAN_ZH); do \
	  f='$(DESTDIR)$(MANDIR)'/zh_CN/man$${m##*.}/$$(basename $$m); echo "rm -f $$f"; rm -f "$$f"; \
	done; for mo in $(INSTALL_MO); do \
	  f='$(DESTDIR)$(LOCALEDIR)'/$${mo#$(BUILD)/locale/}; echo "rm -f $$f"; rm -f "$$f"; \
	done; for u in $(INSTALL_UNIT); do \
	  f='$(DESTDIR)$(UNITDIR)'/$$(basename $$u); echo "rm -f $$f"; rm -f "$$f"; \
	done; for u in $(INSTALL_SYSUSERS); do \
	  f='$(DESTDIR)$(SYSUSERSDIR)'/$$(basename $$u .sysusers).conf; echo "rm -f $$f"; rm -f "$$f"; \
	done
	rm -f '$(DESTDIR)$(BASHCOMPDIR)'/$(notdir $(INSTALL_BASHCOMP))
	@echo "kept $(DESTDIR)$(SYSCONFDIR)/rectd (the town's configs); remove it by hand if it should go"

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
e2e: $(BINDIR)/rectd $(BINDIR)/rectctl $(WEB_BIN) $(BUILD)/tools/rect-tamper $(MO)
	@rc=0; for s in $(E2E_SUITES); do \
	  RECTD=$(BINDIR)/rectd RECTCTL=$(BINDIR)/rectctl RECTWEB=$(WEB_BIN) RECT_TAMPER=$(BUILD)/tools/rect-tamper /usr/bin/python3 $$s || rc=1; \
	done; exit $$rc

# Unit and end-to-end tests again, built with ASan + UBSan; any report fails.
sanitize:
	@$(MAKE) --no-print-directory BUILD=build/asan CC=clang OPT='-O1 -g -fno-omit-frame-pointer' \
	  SAN='-fsanitize=address,undefined -fno-sanitize-recover=all' unit e2e

# rectd built with ThreadSanitizer (its reader threads) under the end-to-end
# suites; rectctl stays a plain build. libzmq is not instrumented: see
# tests/tsan.supp.
tsan: $(BINDIR)/rectctl $(WEB_BIN) $(BUILD)/tools/rect-tamper $(MO)
	@$(MAKE) --no-print-directory BUILD=build/tsan CC=clang OPT='-O1 -g' SAN='-fsanitize=thread' build/tsan/rectd
	@rc=0; for s in $(E2E_SUITES); do \
	  TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  RECTD=build/tsan/rectd RECTCTL=$(BINDIR)/rectctl RECTWEB=$(WEB_BIN) RECT_TAMPER=$(BUILD)/tools/rect-tamper /usr/bin/python3 $$s || rc=1; \
	done; exit $$rc

test: deps
	@$(MAKE) --no-print-directory all
	@./tests/run-all

# make bench (tests/bench/, docs/BENCHMARKS.md): each rectd figure next to its limit
# measured in the same run. Sizes and times: BENCH_MAX_ITEMS, BENCH_SECONDS, BENCH_PROCS.
bench: deps
	@$(MAKE) --no-print-directory all
	RECTD=$(BINDIR)/rectd RECTCTL=$(BINDIR)/rectctl BENCH_ONE_REQUEST=$(BUILD)/bench/one-request $(BUILD)/bench/bench

BENCH_SRC := tests/bench/bench.c tests/bench/load.c tests/bench/rectd.c tests/bench/keyfile.c
$(BUILD)/bench/bench: $(BENCH_SRC) tests/bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -D_GNU_SOURCE $(WARN) $(OPT) $(SAN) -pthread $(shell pkg-config --cflags libzmq lmdb jansson libsodium 2>/dev/null) \
	  $(LDFLAGS) -o $@ $(BENCH_SRC) $(shell pkg-config --libs libzmq lmdb jansson libsodium 2>/dev/null)
# The one-request client links libzmq alone: the least a client process loads.
$(BUILD)/bench/one-request: tests/bench/one-request.c tests/bench/keyfile.c tests/bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -D_GNU_SOURCE $(WARN) $(OPT) $(SAN) $(LDFLAGS) -o $@ tests/bench/one-request.c tests/bench/keyfile.c \
	  $(shell pkg-config --libs libzmq 2>/dev/null)

# The message template for translators, merged into each po/LANG.po (new
# messages arrive untranslated: tests/check-po then names them).
XGETTEXT = xgettext -k_ -kN_ -kNC_:1c,2 -kngettext:1,2 --from-code=UTF-8 --add-comments=TRANSLATORS: \
  --package-name=rectctl --package-version=$$(sed -n 's/.*RECT_VERSION "\(.*\)"/\1/p' include/rect_proto.h) \
  include/rect_proto.h common/refusal.c $(sort $(wildcard client/*.c client/*.h))
pot:
	$(XGETTEXT) -o po/rectctl.pot
	@for po in $(wildcard po/*.po); do msgmerge --quiet --update --backup=none $$po po/rectctl.pot; done

# The template and every catalogue hold each message the code has (make test).
check-po:
	@tmp=$$(mktemp --suffix=.pot) && $(XGETTEXT) -o $$tmp && tests/check-po $$tmp; \
	  rc=$$?; rm -f $$tmp; exit $$rc

# The C files .clang-format covers; make test checks them (tests/check-format).
FORMAT_FILES = $(sort $(wildcard include/*.h common/*.[ch] daemon/*.[ch] client/*.[ch] tests/unit/*.c rectweb/*.[ch] \
                 tests/tools/*.c tests/fuzz/*.c tests/crash/*.c tests/bench/*.[ch]))
format:
	clang-format -i $(FORMAT_FILES)
format-files:
	@echo $(FORMAT_FILES)
check-format:
	@tests/check-format

clean:
	rm -rf build rectd rectctl

# Coverage-guided fuzzing (clang libFuzzer + ASan/UBSan). A harness is
# tests/fuzz/fuzz_NAME.c, its seeds tests/fuzz/corpus-NAME/ (every crash
# ever found stays there: tests/fuzz/README), its dictionary
# tests/fuzz/NAME.dict if it has one. Adding a harness is adding NAME to
# FUZZ_HARNESSES; it links with rectd's objects (less main.c), and one that
# needs others says so in one more line, e.g.
#   FUZZ_OBJ_xlsx = $(BUILD)/client/xlsx_read.o $(COMMON_OBJ)   (with =, not :=)
#   FUZZ_LIBS_xlsx = $(ZIP_LIBS)
# `make fuzz` replays each corpus, then fuzzes each harness FUZZ_SECONDS
# (default 20: the fuzz stage of make test stays under 3 minutes on 2 cores
# with five harnesses; the issue's minute is FUZZ_SECONDS=60). New inputs
# and crash files go to build/fuzz, never the tree.
FUZZ_HARNESSES := request import config xlsx web
# rectweb's own request parsing (tests/fuzz/fuzz_web.c): its parse.c and buf.c only.
FUZZ_OBJ_web = $(BUILD)/rectweb/parse.o $(BUILD)/rectweb/buf.o
$(BUILD)/fuzz_web: CFLAGS += -Irectweb
FUZZ_SECONDS ?= 20
FUZZ_BIN := $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_HARNESSES))
fuzz-build:
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang OPT='-O1 -g -fno-omit-frame-pointer' \
	  SAN='-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all' $(FUZZ_BIN) build/fuzz/gen-dict
fuzz: deps fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run build/fuzz $(FUZZ_HARNESSES)

# The request dictionary from the verb table (tests/fuzz/run checks it is current).
fuzz-dict: fuzz-build
	build/fuzz/gen-dict > tests/fuzz/request.dict

.SECONDEXPANSION:
$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $$(or $$(FUZZ_OBJ_$$*),$(DAEMON_OBJ) $(COMMON_OBJ))
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS) $(FUZZ_LIBS_$*)
$(BUILD)/gen-dict: tests/fuzz/gen-dict.c $(wildcard include/*.h)
	$(CC) $(CSTD) $(WARN) -Iinclude -o $@ $<

# Crash proofs (tests/crash/run): ROUNDS kill -9 rounds under concurrent
# writers (20 in make test; `make crash ROUNDS=200` for more), then the
# power-loss simulation and its test of the test. Plain builds: the shim
# is an LD_PRELOAD library.
ROUNDS ?= 20
crash: $(BINDIR)/rectd $(BINDIR)/rectctl $(BUILD)/tools/rect-tamper $(BUILD)/crash/powerloss-shim.so
	@RECTD=$(BINDIR)/rectd RECTCTL=$(BINDIR)/rectctl RECT_TAMPER=$(BUILD)/tools/rect-tamper \
	  POWERLOSS_SHIM=$(BUILD)/crash/powerloss-shim.so tests/crash/run $(ROUNDS)

$(BUILD)/crash/powerloss-shim.so: tests/crash/powerloss-shim.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O2 -g -shared -fPIC -o $@ $< -ldl -lpthread

# The core suite (tests/e2e.py) with rectd under valgrind memcheck: any
# error or definite leak makes rectd exit 99, which fails the suite. Not in
# make test (it takes several minutes). Suppressions: tests/valgrind.supp.
# RECT_VALGRIND=1 skips the tests timed for rectd at full speed.
valgrind: $(BINDIR)/rectd $(BINDIR)/rectctl $(BUILD)/tools/rect-tamper $(MO)
	@RECT_VALGRIND=1 RECTD_REAL=$(CURDIR)/$(BINDIR)/rectd RECTD=tests/valgrind-rectd RECTCTL=$(BINDIR)/rectctl \
	  RECT_TAMPER=$(BUILD)/tools/rect-tamper /usr/bin/python3 tests/e2e.py

# A test tool that changes rectd's database behind its back (an event's note,
# an index entry, an inspection record, a re-chained rewrite, a truncation), so
# tests/e2e-ledger-daemon.py and tests/e2e-sign.py can show audit_verify catching it.
$(BUILD)/tools/rect-tamper: tests/tools/rect-tamper.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -llmdb $(shell pkg-config --libs jansson libsodium 2>/dev/null)

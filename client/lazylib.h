/*
 * lazylib.h - the libraries rectctl loads only for the commands that need
 * them (lazylib.c): libxlsxwriter (ledger --format xlsx), libzip (dossier
 * --format zip; with expat, an .xlsx plan for init --from), libexpat and
 * libcsv (init --from). Every other command starts without them: they are
 * not NEEDED by the rectctl binary, and with them libcrypto, libbz2,
 * libminizip and libz stay unloaded too.
 *
 * The code that calls them (ledger_xlsx.c, dossier_zip.c, common/plan.c) is
 * unchanged: lazylib.c defines each function it calls, with the library
 * header's own prototype, as a stub that calls the library's function once
 * lazy_need has loaded it. rectweb and rectd link the libraries themselves
 * and never link lazylib.c.
 */
#ifndef RECTCTL_LAZYLIB_H
#define RECTCTL_LAZYLIB_H

typedef enum {
    LAZY_XLSXWRITER, /* libxlsxwriter: the ledger's Excel workbook */
    LAZY_ZIP,        /* libzip: the case file's zip, the .xlsx plan's container */
    LAZY_EXPAT,      /* libexpat: the .xlsx plan's XML */
    LAZY_CSV,        /* libcsv: the CSV plan */
    LAZY_N
} lazy_lib;

/*
 * Load lib for the command `what` (e.g. "ledger --format xlsx"): dlopen its
 * soname (found at build time, see the Makefile) and resolve every function
 * rectctl calls in it; nothing when it is loaded already. Returns 0, or
 * RECT_EXIT_USAGE after a message on stderr that names what needs it, the
 * library, why it could not be loaded and the Debian package to install.
 */
int lazy_need(lazy_lib lib, const char *what);

/* 1 if lib is loaded (by lazy_need or a stub's first call), else 0. */
int lazy_loaded(lazy_lib lib);

#endif

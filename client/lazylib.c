/*
 * lazylib.c - libraries loaded only by the commands that need them
 * (lazylib.h).
 *
 * Each library's functions are listed once (S_*_FNS below); that list
 * makes, per function, a pointer, the dlsym that fills it, and a stub of the
 * function's own name and prototype. The prototype is the library header's:
 * the header is included, so a stub whose parameters differ from it does
 * not compile. A stub called before lazy_need (a caller that forgot it)
 * loads the library itself, and exits with the same message when it cannot.
 *
 * The stubs are ordinary definitions in the rectctl executable, which does
 * not export them (no -rdynamic; no library linked at build time uses
 * them): the libraries, once loaded, call their own functions, never these.
 * A new call into one of these libraries fails rectctl's link until its
 * function is listed here.
 */
#include "lazylib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#include <expat.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "cli.h"
#include "i18n.h"
#include "rect_proto.h"

/* The sonames and the Debian packages that hold them, from the Makefile. */
#if !defined(LAZY_SONAME_XLSXWRITER) || !defined(LAZY_SONAME_ZIP) || !defined(LAZY_SONAME_EXPAT) || \
    !defined(LAZY_SONAME_CSV)
#error "build rectctl with make: it puts the libraries' sonames in LAZY_SONAME_* (see the Makefile)"
#endif
_Static_assert(sizeof LAZY_SONAME_XLSXWRITER > 1 && sizeof LAZY_SONAME_ZIP > 1 &&
                   sizeof LAZY_SONAME_EXPAT > 1 && sizeof LAZY_SONAME_CSV > 1,
               "a library's soname is empty: is its -dev package installed (make deps)?");

/*
 * The functions rectctl calls, per library: F(ret, name, params, args) for
 * one that returns a value, V(name, params, args) for a void one.
 */
/* clang-format off */
#define S_XLSXWRITER_FNS(F, V) \
    V(format_set_align, (lxw_format *f, uint8_t v), (f, v)) \
    V(format_set_bg_color, (lxw_format *f, lxw_color_t v), (f, v)) \
    V(format_set_bold, (lxw_format *f), (f)) \
    V(format_set_border, (lxw_format *f, uint8_t v), (f, v)) \
    V(format_set_font_color, (lxw_format *f, lxw_color_t v), (f, v)) \
    V(format_set_font_name, (lxw_format *f, const char *v), (f, v)) \
    V(format_set_font_size, (lxw_format *f, double v), (f, v)) \
    V(format_set_num_format, (lxw_format *f, const char *v), (f, v)) \
    V(format_set_text_wrap, (lxw_format *f), (f)) \
    F(char *, lxw_strerror, (lxw_error e), (e)) \
    F(lxw_format *, workbook_add_format, (lxw_workbook *wb), (wb)) \
    F(lxw_worksheet *, workbook_add_worksheet, (lxw_workbook *wb, const char *name), (wb, name)) \
    F(lxw_error, workbook_close, (lxw_workbook *wb), (wb)) \
    F(lxw_workbook *, workbook_new_opt, (const char *path, lxw_workbook_options *o), (path, o)) \
    F(lxw_error, worksheet_autofilter, (lxw_worksheet *ws, lxw_row_t r1, lxw_col_t c1, lxw_row_t r2, \
                                        lxw_col_t c2), (ws, r1, c1, r2, c2)) \
    V(worksheet_fit_to_pages, (lxw_worksheet *ws, uint16_t w, uint16_t h), (ws, w, h)) \
    V(worksheet_freeze_panes, (lxw_worksheet *ws, lxw_row_t r, lxw_col_t c), (ws, r, c)) \
    F(lxw_error, worksheet_merge_range, (lxw_worksheet *ws, lxw_row_t r1, lxw_col_t c1, lxw_row_t r2, \
                                         lxw_col_t c2, const char *s, lxw_format *f), (ws, r1, c1, r2, c2, s, f)) \
    F(lxw_error, worksheet_print_area, (lxw_worksheet *ws, lxw_row_t r1, lxw_col_t c1, lxw_row_t r2, \
                                        lxw_col_t c2), (ws, r1, c1, r2, c2)) \
    F(lxw_error, worksheet_repeat_rows, (lxw_worksheet *ws, lxw_row_t r1, lxw_row_t r2), (ws, r1, r2)) \
    F(lxw_error, worksheet_set_column, (lxw_worksheet *ws, lxw_col_t c1, lxw_col_t c2, double w, \
                                        lxw_format *f), (ws, c1, c2, w, f)) \
    F(lxw_error, worksheet_set_footer, (lxw_worksheet *ws, const char *s), (ws, s)) \
    F(lxw_error, worksheet_set_header, (lxw_worksheet *ws, const char *s), (ws, s)) \
    V(worksheet_set_landscape, (lxw_worksheet *ws), (ws)) \
    V(worksheet_set_margins, (lxw_worksheet *ws, double l, double r, double t, double b), (ws, l, r, t, b)) \
    V(worksheet_set_paper, (lxw_worksheet *ws, uint8_t p), (ws, p)) \
    F(lxw_error, worksheet_set_row, (lxw_worksheet *ws, lxw_row_t r, double h, lxw_format *f), (ws, r, h, f)) \
    F(lxw_error, worksheet_write_number, (lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double n, \
                                          lxw_format *f), (ws, r, c, n, f)) \
    F(lxw_error, worksheet_write_string, (lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s, \
                                          lxw_format *f), (ws, r, c, s, f))

#define S_ZIP_FNS(F, V) \
    F(int, zip_close, (zip_t *za), (za)) \
    V(zip_discard, (zip_t *za), (za)) \
    V(zip_error_fini, (zip_error_t *ze), (ze)) \
    V(zip_error_init, (zip_error_t *ze), (ze)) \
    V(zip_error_init_with_code, (zip_error_t *ze, int code), (ze, code)) \
    F(const char *, zip_error_strerror, (zip_error_t *ze), (ze)) \
    F(int, zip_fclose, (zip_file_t *zf), (zf)) \
    F(zip_int64_t, zip_file_add, (zip_t *za, const char *name, zip_source_t *src, zip_flags_t fl), \
      (za, name, src, fl)) \
    F(const char *, zip_file_strerror, (zip_file_t *zf), (zf)) \
    F(zip_file_t *, zip_fopen_index, (zip_t *za, zip_uint64_t i, zip_flags_t fl), (za, i, fl)) \
    F(zip_int64_t, zip_fread, (zip_file_t *zf, void *buf, zip_uint64_t n), (zf, buf, n)) \
    F(zip_int64_t, zip_get_num_entries, (zip_t *za, zip_flags_t fl), (za, fl)) \
    F(zip_int64_t, zip_name_locate, (zip_t *za, const char *name, zip_flags_t fl), (za, name, fl)) \
    F(zip_t *, zip_open, (const char *path, int fl, int *err), (path, fl, err)) \
    F(zip_t *, zip_open_from_source, (zip_source_t *src, int fl, zip_error_t *ze), (src, fl, ze)) \
    F(zip_source_t *, zip_source_buffer, (zip_t *za, const void *d, zip_uint64_t n, int fr), (za, d, n, fr)) \
    F(zip_source_t *, zip_source_buffer_create, (const void *d, zip_uint64_t n, int fr, zip_error_t *ze), \
      (d, n, fr, ze)) \
    V(zip_source_free, (zip_source_t *src), (src)) \
    F(int, zip_stat_index, (zip_t *za, zip_uint64_t i, zip_flags_t fl, zip_stat_t *st), (za, i, fl, st)) \
    V(zip_stat_init, (zip_stat_t *st), (st)) \
    F(const char *, zip_strerror, (zip_t *za), (za))

#define S_EXPAT_FNS(F, V) \
    F(const XML_LChar *, XML_ErrorString, (enum XML_Error code), (code)) \
    F(XML_Size, XML_GetCurrentLineNumber, (XML_Parser p), (p)) \
    F(enum XML_Error, XML_GetErrorCode, (XML_Parser p), (p)) \
    F(enum XML_Status, XML_Parse, (XML_Parser p, const char *s, int len, int final), (p, s, len, final)) \
    F(XML_Parser, XML_ParserCreate_MM, (const XML_Char *enc, const XML_Memory_Handling_Suite *mm, \
                                        const XML_Char *sep), (enc, mm, sep)) \
    V(XML_ParserFree, (XML_Parser p), (p)) \
    V(XML_SetCharacterDataHandler, (XML_Parser p, XML_CharacterDataHandler h), (p, h)) \
    V(XML_SetElementHandler, (XML_Parser p, XML_StartElementHandler s, XML_EndElementHandler e), (p, s, e)) \
    V(XML_SetUserData, (XML_Parser p, void *ud), (p, ud)) \
    F(enum XML_Status, XML_StopParser, (XML_Parser p, XML_Bool resumable), (p, resumable))

#define S_CSV_FNS(F, V) \
    F(int, csv_error, (struct csv_parser *p), (p)) \
    F(int, csv_fini, (struct csv_parser *p, void (*cb1)(void *, size_t, void *), void (*cb2)(int, void *), \
                      void *data), (p, cb1, cb2, data)) \
    V(csv_free, (struct csv_parser *p), (p)) \
    F(int, csv_init, (struct csv_parser *p, unsigned char opts), (p, opts)) \
    F(size_t, csv_parse, (struct csv_parser *p, const void *s, size_t len, void (*cb1)(void *, size_t, void *), \
                          void (*cb2)(int, void *), void *data), (p, s, len, cb1, cb2, data)) \
    V(csv_set_blk_size, (struct csv_parser *p, size_t n), (p, n)) \
    V(csv_set_free_func, (struct csv_parser *p, void (*f)(void *)), (p, f)) \
    V(csv_set_realloc_func, (struct csv_parser *p, void *(*f)(void *, size_t)), (p, f)) \
    F(char *, csv_strerror, (int e), (e))

/* Each list once: M(S_XLSXWRITER_FNS) M(S_ZIP_FNS) ... */
#define S_EACH_LIB(M) M(S_XLSXWRITER_FNS) M(S_ZIP_FNS) M(S_EXPAT_FNS) M(S_CSV_FNS)

/* The pointers, filled by dlsym. */
#define S_PTR_F(ret, name, params, args) static ret(*s_p_##name) params;
#define S_PTR_V(name, params, args) static void(*s_p_##name) params;
#define S_PTRS(FNS) FNS(S_PTR_F, S_PTR_V)
S_EACH_LIB(S_PTRS)

/* Which pointer each of a library's symbols fills. */
typedef struct {
    const char *name;
    void **slot;
} s_sym;
#define S_SYM_F(ret, name, params, args) {#name, (void **)&s_p_##name},
#define S_SYM_V(name, params, args) {#name, (void **)&s_p_##name},
static const s_sym s_xlsxwriter_syms[] = {S_XLSXWRITER_FNS(S_SYM_F, S_SYM_V)};
static const s_sym s_zip_syms[] = {S_ZIP_FNS(S_SYM_F, S_SYM_V)};
static const s_sym s_expat_syms[] = {S_EXPAT_FNS(S_SYM_F, S_SYM_V)};
static const s_sym s_csv_syms[] = {S_CSV_FNS(S_SYM_F, S_SYM_V)};
/* clang-format on */

#define S_N(a) (sizeof(a) / sizeof((a)[0]))
static struct {
    const char *soname;
    const char *package;
    const s_sym *syms;
    size_t n_syms;
    void *handle; /* NULL until loaded */
} s_libs[LAZY_N] = {
    [LAZY_XLSXWRITER] = {LAZY_SONAME_XLSXWRITER, LAZY_PACKAGE_XLSXWRITER, s_xlsxwriter_syms,
                         S_N(s_xlsxwriter_syms), NULL},
    [LAZY_ZIP] = {LAZY_SONAME_ZIP, LAZY_PACKAGE_ZIP, s_zip_syms, S_N(s_zip_syms), NULL},
    [LAZY_EXPAT] = {LAZY_SONAME_EXPAT, LAZY_PACKAGE_EXPAT, s_expat_syms, S_N(s_expat_syms), NULL},
    [LAZY_CSV] = {LAZY_SONAME_CSV, LAZY_PACKAGE_CSV, s_csv_syms, S_N(s_csv_syms), NULL},
};

/*
 * dlopen lib and fill its pointers. 0, or -1 with why in msg (a library
 * that lacks one of the functions is not loaded at all).
 */
static int s_load(lazy_lib lib, char *msg, size_t len)
{
    if (s_libs[lib].handle)
        return 0;
    void *h = dlopen(s_libs[lib].soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(msg, len, "%s", e ? e : s_libs[lib].soname);
        return -1;
    }
    for (size_t i = 0; i < s_libs[lib].n_syms; i++) {
        const s_sym *sym = &s_libs[lib].syms[i];
        void *f = dlsym(h, sym->name);
        if (!f) {
            /* TRANSLATORS: a library (libzip.so.4) lacks a function rectctl calls (zip_open). */
            snprintf(msg, len, _("%s has no function %s (an older version?)"), s_libs[lib].soname, sym->name);
            for (size_t k = 0; k < i; k++)
                *s_libs[lib].syms[k].slot = NULL;
            dlclose(h);
            return -1;
        }
        *sym->slot = f;
    }
    s_libs[lib].handle = h;
    return 0;
}

int lazy_need(lazy_lib lib, const char *what)
{
    char why[1024];
    if (s_load(lib, why, sizeof why) == 0)
        return RECT_EXIT_OK;
    /* TRANSLATORS: what needs it (ledger --format xlsx), the library's file name, why it could not be
     * loaded (the system's message), the Debian package that installs it (twice). */
    cli_error(_("%s needs %s, which cannot be loaded (%s): install the Debian package %s "
                "(apt-get install %s)"),
              what, s_libs[lib].soname, why, s_libs[lib].package, s_libs[lib].package);
    return RECT_EXIT_USAGE;
}

int lazy_loaded(lazy_lib lib)
{
    return s_libs[lib].handle != NULL;
}

/*
 * A stub's first call without lazy_need (a caller that forgot it): load the
 * library that lists name, or say why not and exit.
 */
static void s_ready(const char *name)
{
    for (int lib = 0; lib < LAZY_N; lib++)
        for (size_t i = 0; i < s_libs[lib].n_syms; i++) {
            if (strcmp(s_libs[lib].syms[i].name, name) != 0)
                continue;
            if (lazy_need((lazy_lib)lib, "rectctl") != RECT_EXIT_OK)
                exit(RECT_EXIT_USAGE);
            return;
        }
    abort(); /* a stub of a function no list names: not possible, the stubs are made from the lists */
}

/* The stubs: the library's own name and prototype, calling the loaded function. */
/* clang-format off */
#define S_STUB_F(ret, name, params, args) \
    ret name params \
    { \
        if (!s_p_##name) \
            s_ready(#name); \
        return s_p_##name args; \
    }
#define S_STUB_V(name, params, args) \
    void name params \
    { \
        if (!s_p_##name) \
            s_ready(#name); \
        s_p_##name args; \
    }
#define S_STUBS(FNS) FNS(S_STUB_F, S_STUB_V)
S_EACH_LIB(S_STUBS)
/* clang-format on */

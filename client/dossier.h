/*
 * dossier.h - the case file (整改档案) as one self-contained, printable A4
 * HTML page (dossier_html.c): the items of a `dossier` result with their
 * fields, timelines, evidence (JPEG and PNG inline as data: URIs, other files
 * listed with SHA-256 and size), acceptance and 销号, consolidation reviews,
 * and the chain head it was made at. Nothing here talks to rectd: the caller
 * fetched the files (blob_get) into the blob table.
 */
#ifndef RECTCTL_DOSSIER_H
#define RECTCTL_DOSSIER_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#include "rect_cfg.h"

/* Image kinds recognised by their magic bytes. */
typedef enum { DOSSIER_OTHER = 0, DOSSIER_JPEG, DOSSIER_PNG } dossier_kind;

/* The kind of a file from its first n bytes. */
dossier_kind dossier_sniff(const void *data, size_t n);

/* One fetched file: its address, and its bytes when it is an image. */
typedef struct {
    char sha256[65];
    dossier_kind kind;
    char *data; /* owned; the whole file for images, NULL otherwise */
    size_t len;
} dossier_blob;

typedef struct {
    const json_t *result;      /* the `dossier` result (borrowed) */
    const rect_cfg *cfg;       /* unit and source names (borrowed) */
    const dossier_blob *blobs; /* n_blobs of them (borrowed) */
    size_t n_blobs;
} dossier_doc;

/* Write the page. 0, or -1 when writing failed (errno set by stdio). */
int dossier_write_html(FILE *out, const dossier_doc *doc);

/*
 * Write the zip at path (libzip, dossier_zip.c): the page (html, html_len
 * bytes) as html_name at the top, every file of the result at
 * REF/seq-N/NAME (names made safe; a clash numbered, never replaced), the
 * bytes from doc's blobs (which must then be whole, images or not). 0, or
 * -1 with libzip's message in err.
 */
int dossier_write_zip(const char *path, const dossier_doc *doc, const char *html_name, const char *html,
                      size_t html_len, char *err, size_t errlen);

/*
 * name made safe as a file name in the zip and on any disk (control
 * characters, / and \ and a leading dot made '_'; "file" when empty) into
 * out (len bytes). 1 if it changed, else 0.
 */
int dossier_safe_name(const char *name, char *out, size_t len);

/* The blob of sha256 in doc, or NULL. */
const dossier_blob *dossier_blob_of(const dossier_doc *doc, const char *sha256);

#endif

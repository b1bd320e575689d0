/*
 * ledger_verify.h - offline checks of what rectd signed (client/ledger_verify.c):
 * a saved ledger against rectd's public key, without config or rectd.
 */
#ifndef RECTCTL_LEDGER_VERIFY_H
#define RECTCTL_LEDGER_VERIFY_H

#include "cli.h"

/*
 * Read rectd's public key from a key file (a line "ed25519-public: HEX":
 * the .pub rectd writes, or its secret file) into pub. Returns
 * RECT_EXIT_OK, or RECT_EXIT_USAGE after printing why.
 */
int cli_read_public_key(const char *path, unsigned char pub[32]);

/*
 * ledger check FILE --key KEY: verify the signature of the saved ledger at
 * path with the key in key_path and recompute every digest it signs,
 * printing each field and row that does not match. Returns RECT_EXIT_OK
 * when all match, RECT_EXIT_REFUSED when something does not (or the file
 * is not signed, or by another key), RECT_EXIT_USAGE when a file cannot be
 * read.
 */
int cli_ledger_verify_offline(const char *path, const char *key_path);

#endif

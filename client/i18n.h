/*
 * i18n.h - gettext for rectctl. Every user-facing string goes through _();
 * strings in static tables are marked with N_() and translated where they
 * are printed. msgids are English; protocol identifiers (state names, error
 * codes, JSON keys) are never translated on the wire.
 *
 * `make pot` extracts every client .c and .h file into po/rectctl.pot.
 */
#ifndef RECTCTL_I18N_H
#define RECTCTL_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#ifndef N_
#define N_(s) (s)
#endif

/* The text domain of rectctl's message catalogue. */
#define CLI_TEXTDOMAIN "rectctl"

#endif

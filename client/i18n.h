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
#include <string.h>

#define _(s) gettext(s)
#ifndef N_
#define N_(s) (s)
#endif

/*
 * A message with a context, for static tables (gettext's msgctxt: the
 * context, "\004", the message; xgettext -kNC_:1c,2). Option placeholders
 * use the context "placeholder", so that TEXT or SOURCE there can be
 * translated apart from the same words as table headers. Look such a
 * message up with C_gettext.
 */
#define NC_(ctx, s) ctx "\004" s
static inline const char *C_gettext(const char *msg)
{
    const char *t = gettext(msg);
    if (t != msg)
        return t;
    const char *eot = strchr(msg, '\004');
    return eot ? eot + 1 : msg;
}

/* The text domain of rectctl's message catalogue. */
#define CLI_TEXTDOMAIN "rectctl"

#endif

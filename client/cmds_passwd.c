/*
 * cmds_passwd.c - rectctl passwd (see cmds_passwd.h). The password is read
 * without echo from the terminal, or as one line from a pipe; rectd checks
 * and stores it.
 */
#include "cmds_passwd.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

/* clang-format off */
const cli_opt cli_passwd_opts[] = {
    {.name = "name", .arg = CLI_ARG(PASSWD, name), .metavar = NC_("placeholder", "USER"),
     .help = N_("whose password to clear (an admin's reset; they set a new one themselves)")},
    {.name = NULL},
};
/* clang-format on */

/* One line from stdin into buf without its newline; echo off on a terminal. 0 or -1. */
static int s_read_line(const char *prompt, char *buf, size_t len)
{
    int tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fputs(prompt, stderr);
        fflush(stderr);
        if (tcgetattr(STDIN_FILENO, &old) != 0)
            return -1;
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *got = fgets(buf, (int)len, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (!got)
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

int cli_passwd_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req)
{
    (void)ctx;
    (void)cmd;
    (void)a;
    char pw[1024] = "", again[1024] = "";
    int rc = RECT_EXIT_USAGE;
    /* An admin's reset (--name) clears the password: there is none to type. */
    if (json_object_get(req->args, "name"))
        return RECT_EXIT_OK;
    if (s_read_line(_("New password: "), pw, sizeof pw) != 0) {
        cli_error(_("passwd: no password given (type it at the prompt, or pipe one line)"));
        goto done;
    }
    if (isatty(STDIN_FILENO)) {
        if (s_read_line(_("The same again: "), again, sizeof again) != 0 || strcmp(pw, again) != 0) {
            cli_error(_("passwd: the two passwords differ; nothing was changed"));
            goto done;
        }
    }
    if (json_object_set_new(req->args, "password", json_string(pw)) == 0)
        rc = RECT_EXIT_OK;
done:
    sodium_memzero(pw, sizeof pw);
    sodium_memzero(again, sizeof again);
    return rc;
}

void cli_passwd_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    (void)ctx;
    (void)a;
    const char *user = json_string_value(json_object_get(result, "user"));
    if (json_is_true(json_object_get(result, "reset")))
        printf(
            _("the password of %s is cleared (history seq %lld): they set a new one with rectctl passwd\n"),
            user ? user : "-", (long long)json_integer_value(json_object_get(result, "seq")));
    else
        printf(_("your password is set: log in to the web page with it\n"));
}

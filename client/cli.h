/*
 * cli.h - rectctl's command table and what its entries share: parsed
 * options, the invocation context and the request a command builds.
 *
 * main.c parses the command line, checks it against the table and the
 * wire command's entry in include/rect_verbs.h, loads the config, sends the
 * request and prints the reply; cmds.c holds the table and the per-command
 * hooks (extra checks, files, human output).
 */
#ifndef RECTCTL_CLI_H
#define RECTCTL_CLI_H

#include <stddef.h>
#include <jansson.h>

#include "rect_cfg.h"
#include "rect_keys.h"
#include "rect_proto.h"
#include "rect_verbs.h"
#include "render.h"

#define CLI_MAX_OPTS 16              /* options of one command */
#define CLI_MAX_POS 2                /* positional arguments of one command (the second only with .pos2) */
#define CLI_MAX_MULTI RECT_MAX_FILES /* values of a repeatable option */

/* cli_opt.flags */
enum {
    CLI_MULTI = 1 << 0, /* may repeat (values kept in order); at most one per command */
    CLI_SHORT = 1 << 1, /* also spelled -X, X being the name's first letter (-o FILE) */
};

/*
 * The wire argument an option or a positional argument fills, checked at
 * compile time against include/rect_verbs.h: CLI_ARG(ASSIGN, owner).
 */
#define CLI_ARG(ID, name) RECT_ARG_OF(ID, name)

/*
 * One command option: presentation only. Whether it is required and what
 * its value is on the wire come from the argument it names (.arg): the
 * argument of that name of the command the command line sends. Strings
 * (NAME, LINE, TEXT, ITEM) go as given, BOOL as true for a flag; INT,
 * OBJECT and FILES arguments are filled by the command's build hook. An
 * option without .arg is the command's own (its hooks read it).
 * Strings marked N_() are translated when printed.
 */
typedef struct {
    const char *name;    /* long name without "--" */
    rect_arg_ref arg;    /* the wire argument it fills, CLI_ARG(...); {0}: none */
    unsigned flags;      /* CLI_* */
    const char *metavar; /* NC_("placeholder", "USER"): it takes a value; NULL: a flag */
    const char *help;    /* N_() one line */
} cli_opt;

/* A command line after parsing: borrowed pointers into argv. */
typedef struct {
    rect_verb_id verb;                /* the wire command it sends: the cli_cmd's, or its pick hook's
                          choice (set by the check after parsing) */
    const char *val[CLI_MAX_OPTS];    /* per option: its value, "" for a flag given, or NULL */
    const char *multi[CLI_MAX_MULTI]; /* values of the CLI_MULTI option, in order */
    size_t n_multi;
    const char *pos[CLI_MAX_POS];
    int n_pos;
} cli_args;

/* Global options: they may stand before or after the command name. */
typedef struct {
    const char *config; /* -c / --config, or NULL */
    const char *as;     /* --as, or NULL */
    const char *key;    /* --key: the user's own secret key file, or NULL */
    int json;           /* --json */
    int help;           /* -h / --help */
    int version;        /* -V / --version */
} cli_globals;

/* What a command runs with. Everything is owned by main(). */
typedef struct {
    cli_globals g;
    const char *cfg_path;  /* rectctl's config (from -c or the lookup); NULL when none was found */
    rect_client_cfg *conf; /* loaded config; NULL for local commands */
    const char *user_name; /* acting user's name (or as given when rectd's directory does
                              not know it); lives as long as conf, argv and the directory */
    rect_key key;          /* the user's CURVE key pair (from --key, $RECTCTL_KEY or keys_dir) */
    char key_path[4096];   /* where it was read */
    char server_key[RECT_Z85_LEN + 1]; /* rectd's public key (client.server_key) */
} cli_ctx;

/* One attached file, read fully. */
typedef struct {
    char *data; /* owned (NULL for an empty file) */
    size_t size;
    const char *path; /* borrowed from argv */
} cli_file;

/* The request a command builds: args and the frames that follow it. */
typedef struct {
    json_t *args;                  /* owned */
    cli_file files[CLI_MAX_MULTI]; /* frames 2.., in order */
    size_t n_files;
} cli_request;

typedef struct cli_cmd cli_cmd;

/* A listing printed page by page (cli_cmd.page): what the printer of one page knows. */
typedef struct {
    int first;               /* 1 on the first page */
    int last;                /* 1 when no page follows */
    size_t before;           /* items printed on the pages before */
    render_list_layout cols; /* the table's columns, chosen on the first page */
} cli_page;

/* cli_cmd.flags */
enum {
    CLI_SESSION = 1 << 0,     /* `local` runs after the config and user are loaded and makes
                             its own requests (several); it returns the exit code */
    CLI_OFFLINE_KEY = 1 << 1, /* with CLI_SESSION: when its option --key is given, `local`
                                 runs without config or rectd (an offline check) */
};

/*
 * One rectctl command. Entries use designated initializers; a command that
 * sends one request names its wire command (.verb), whose table entry in
 * rect_verbs.h decides whether it is a write, which arguments are required
 * and their types. Session and local commands have no .verb.
 */
struct cli_cmd {
    const char *name;
    rect_verb_id verb; /* the wire command it sends; RECT_VERB_NONE for session and local ones */
    /*
     * For a command that sends one of several wire commands depending on its
     * options (extend: extend or decide_extension): the one this command line
     * sends, from the command line alone; RECT_VERB_NONE after a message. NULL:
     * always .verb.
     */
    rect_verb_id (*pick)(const cli_cmd *cmd, const cli_args *a);
    unsigned flags;       /* CLI_SESSION, CLI_OFFLINE_KEY */
    const char *pos;      /* metavar of the positional argument ("ID", "FILE") or NULL */
    rect_arg_ref pos_arg; /* the wire argument the positional fills (required or not as the
                             schema says); {0} when it fills none */
    int pos_min;          /* 1: a positional that fills no wire argument is required */
    const char *pos2;     /* metavar of an optional second positional that fills no wire
                            argument (evidence get ID [SEQ]), or NULL: at most one */
    const cli_opt *opts;  /* terminated by an entry with name NULL */
    /*
     * Extra checks and arguments after the generic ones (the positional and
     * the options with a string or BOOL .arg are already in req->args). Prints its own message and returns an
     * exit code (0 to go on). NULL if none.
     */
    int (*build)(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req);
    /* Human output of a successful result (not used with --json). */
    void (*print)(const cli_ctx *ctx, const cli_args *a, const json_t *result);
    /*
     * A listing rectd answers in pages (list, overdue, inbox: args limit and after,
     * the reply's next): without --limit and --after rectctl asks for page
     * after page and prints each as it comes, so it holds one page at a
     * time; this prints one page's table (--json streams one array). With
     * --limit or --after it prints the one page, and the next cursor on
     * stderr. Used instead of .print; NULL for other commands.
     */
    void (*page)(const cli_ctx *ctx, const cli_args *a, const json_t *result, cli_page *pg);
    const char *page_items; /* with .page: the result's array a page holds; NULL: "items" */
    /* A command that runs without config or rectd (help), or with CLI_SESSION
     * one that talks to rectd itself (ledger); NULL otherwise. */
    int (*local)(const cli_ctx *ctx, const cli_args *a);
    const char *usage;   /* N_(): what follows "rectctl NAME" */
    const char *summary; /* N_(): one line for `rectctl --help` */
    const char *help;    /* N_(): a paragraph and an example for `rectctl NAME --help` */
};

/* The command table, in the order `rectctl --help` lists it. */
extern const cli_cmd cli_commands[];
extern const size_t cli_n_commands;

/* The command called name, or NULL. */
const cli_cmd *cli_command_find(const char *name);

/* Index of the option called name in cmd->opts, or -1. */
int cli_opt_index(const cli_cmd *cmd, const char *name);

/*
 * The help of the `help` command: rectctl's overview, or with a
 * positional argument that command's help, on stdout. Returns an exit code.
 * Defined in main.c.
 */
int cli_help(const cli_ctx *ctx, const cli_args *a);

/*
 * Print "rectctl: " and a formatted message on stderr, with a newline.
 * fmt is normally a translated string.
 */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * For session commands: send a read request cmd with args (stolen; NULL for
 * {}) as the acting user over conn and wait for the reply. On success
 * returns RECT_EXIT_OK and a new reference to the result in *result (caller
 * decrefs); otherwise prints why and returns the exit code (unreachable 2,
 * refused 3, out of memory 1) with *result NULL. Defined in main.c.
 */
/* The folder of the user's keys into buf: client.keys_dir, else ~/.config/rectd. conf may be NULL. */
void cli_keys_dir(const rect_client_cfg *conf, char *buf, size_t len);

struct conn;
/*
 * A connection to rectd for ctx's user, with the user's key; each try
 * waits timeout_ms (0: client.timeout_ms). NULL after a message when out
 * of memory. Caller frees with conn_destroy. Defined in main.c.
 */
struct conn *cli_connect(const cli_ctx *ctx, unsigned timeout_ms);
/*
 * The invocation's connection for ctx's user (its key), made on the first
 * call and reused by every later one, each try waiting client.timeout_ms:
 * a command and the directory its printer asks for share one connection
 * (one CURVE handshake). NULL after a message when out of memory. Owned by
 * main.c, closed at exit: never conn_destroy it. Defined in main.c.
 */
struct conn *cli_conn(const cli_ctx *ctx);
int cli_call(const cli_ctx *ctx, struct conn *conn, const char *cmd, json_t *args, json_t **result);
/*
 * For a command with .page whose first page (result, borrowed) has a next:
 * print it and every page after it, asking rectd for each with args.after
 * (args: the request's, changed). Returns the exit code. Defined in pages.c.
 */
int cli_pages(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, struct conn *conn, json_t *args,
              const json_t *result);
/* The build hook of a paged listing: --limit N as args.limit. Defined in pages.c. */
int cli_page_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req);
/* 1 if the command line asks for one page (--limit or --after). Defined in pages.c. */
int cli_one_page(const cli_cmd *cmd, const cli_args *a);
/* Print one page, the whole answer (--json: as it is), and its next on stderr. Defined in pages.c. */
void cli_page_output(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, const json_t *result);
/* cli_call with one attached frame, file (borrowed; NULL: none), after the request. */
int cli_call_file(const cli_ctx *ctx, struct conn *conn, const char *cmd, json_t *args, const cli_file *file,
                  json_t **result);
/*
 * cli_call for a read whose reply carries one binary frame (blob_get): on
 * success also *data (malloc'd, NULL when empty; caller frees) and *len.
 * A successful reply without the frame is malformed (exit 3 after a message).
 */
int cli_call_data(const cli_ctx *ctx, struct conn *conn, const char *cmd, json_t *args, json_t **result,
                  char **data, size_t *len);

/*
 * A new, empty temporary file beside path for writing it whole and renaming
 * it over path (PATH.tmpXXXXXX): made with mkstemp (O_EXCL), so never a link
 * or file someone planted under a name they guessed, then given the mode a
 * new file gets (0666 less the umask). Returns its fd and *tmp (malloc'd;
 * caller frees), or -1 with errno set and *tmp NULL.
 */
int cli_tmp_beside(const char *path, char **tmp);
/* gettext as common/refusal.c's rect_tr_fn (arg unused): the labels and sentences rectctl shows. */
const char *cli_tr(const char *msgid, void *arg);

#endif

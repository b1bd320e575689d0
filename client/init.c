/*
 * init.c - rectctl init --from PLAN: a starter rectd.conf from a town's plan.
 *
 * What the plan tells: the distinct values of 问题来源 (sources), 责任单位
 * (units), 责任领导 and 责任人 (people: leader and owner roles). What it
 * does not tell: ids. A value that is already an id (ASCII: li, tuotuo) is
 * kept as one; a name (李镇长, 托托村) gets a made-up id (leader1, cun1;
 * sources by their level: national, region, county, self), since no C
 * pinyin library is in Debian's set and ids are the town's to choose.
 *
 * Pairing: a plan that writes one person both as "li" and "李镇长" gives
 * no proof that they are one. The evidence used is the rows: what else each
 * value stands beside (a person's units and co-workers, a unit's people, a
 * source's ref prefixes: GJ-, ZZQ-). An id and a name of the same column
 * that are each other's best match, never in the same row, each in two
 * rows or more, with at least half their companions shared, are paired (one entry, the id with the
 * name as display name) and the comment says why; weaker matches are left
 * as two entries and listed under "待确认 / to confirm" for the person
 * (down to a quarter shared: less is no evidence).
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lazylib.h"
#include "rect_cfg.h"
#include "rect_proto.h"
#include "rect_text.h"

enum { T_SOURCE, T_UNIT, T_USER, T_N };
enum { R_LEADER = 1, R_OWNER = 2 };

#define S_MAX_COMP 256  /* companions kept per value */
#define S_MAX_ENTS 4096 /* distinct values: a town has dozens */
#define S_MAX_FILE (64u * 1024 * 1024)

typedef struct {
    char *value; /* as the plan writes it, trimmed */
    int table;
    unsigned roles;
    long first; /* the first row's position */
    size_t count;
    char **comp;
    size_t ncomp;
    int is_id;
    int pair; /* the entry merged into this one, or -1 */
    int drop; /* merged into another entry */
    char id[RECT_MAX_NAME + 1];
    char display[RECT_MAX_NAME + 48];
} s_ent;

typedef struct {
    s_ent *v;
    size_t n, cap;
    int oom;
    /* unsure pairings, as comment lines */
    char **notes;
    size_t nnotes;
    char **skipped; /* values that cannot be names, as comment lines */
    size_t nskipped;
} s_set;

/* ---- small helpers ---------------------------------------------------- */

static int s_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A trimmed copy of s; NULL on no memory. */
static char *s_trim_dup(const char *s)
{
    while (s_blank(*s))
        s++;
    size_t n = strlen(s);
    while (n && s_blank(s[n - 1]))
        n--;
    /* the ideographic space too */
    while (n >= 3 && memcmp(s + n - 3, "\xe3\x80\x80", 3) == 0)
        n -= 3;
    while (n >= 3 && memcmp(s, "\xe3\x80\x80", 3) == 0)
        s += 3, n -= 3;
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

__attribute__((format(printf, 4, 5))) static int s_push_line(s_set *set, char ***v, size_t *n,
                                                             const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    char *s = strdup(line);
    if (!nv || !s) {
        if (nv)
            *v = nv;
        free(s);
        set->oom = 1;
        return -1;
    }
    *v = nv;
    nv[(*n)++] = s;
    return 0;
}

static int s_comp_has(const s_ent *e, const char *c)
{
    for (size_t i = 0; i < e->ncomp; i++)
        if (strcmp(e->comp[i], c) == 0)
            return 1;
    return 0;
}

/* Add companion "K:value" to e (once). */
static void s_comp_add(s_set *set, s_ent *e, char kind, const char *value)
{
    if (!value || !*value || e->ncomp >= S_MAX_COMP)
        return;
    size_t n = strlen(value);
    char *c = malloc(n + 3);
    if (!c) {
        set->oom = 1;
        return;
    }
    c[0] = kind;
    c[1] = ':';
    memcpy(c + 2, value, n + 1);
    if (s_comp_has(e, c)) {
        free(c);
        return;
    }
    char **v = realloc(e->comp, (e->ncomp + 1) * sizeof *v);
    if (!v) {
        free(c);
        set->oom = 1;
        return;
    }
    e->comp = v;
    v[e->ncomp++] = c;
}

/* The entry of value in table, added if new; NULL on no memory or too many. */
static s_ent *s_ent_get(s_set *set, int table, const char *value, long pos)
{
    for (size_t i = 0; i < set->n; i++)
        if (set->v[i].table == table && strcmp(set->v[i].value, value) == 0) {
            set->v[i].count++;
            return &set->v[i];
        }
    if (set->n >= S_MAX_ENTS)
        return NULL;
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 32;
        s_ent *v = realloc(set->v, cap * sizeof *v);
        if (!v) {
            set->oom = 1;
            return NULL;
        }
        set->v = v;
        set->cap = cap;
    }
    char *dup = strdup(value);
    if (!dup) {
        set->oom = 1;
        return NULL;
    }
    s_ent *e = &set->v[set->n++];
    *e = (s_ent){
        .value = dup, .table = table, .first = pos, .count = 1, .pair = -1, .is_id = cfg_valid_id(value)};
    return e;
}

static void s_set_free(s_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        for (size_t k = 0; k < set->v[i].ncomp; k++)
            free(set->v[i].comp[k]);
        free(set->v[i].comp);
        free(set->v[i].value);
    }
    free(set->v);
    for (size_t i = 0; i < set->nnotes; i++)
        free(set->notes[i]);
    free(set->notes);
    for (size_t i = 0; i < set->nskipped; i++)
        free(set->skipped[i]);
    free(set->skipped);
}

/* The letters a ref starts with (GJ of GJ-01), into out. */
static void s_ref_prefix(const char *ref, char *out, size_t outlen)
{
    size_t n = 0;
    while (ref[n] && ref[n] != '-' && ref[n] != '_' && !(ref[n] >= '0' && ref[n] <= '9') && n + 1 < outlen)
        n++;
    memcpy(out, ref, n);
    out[n] = '\0';
}

/* 1 if s can be a display name in rectd.conf (what cfg.c accepts). */
static int s_name_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= RECT_MAX_NAME && text_valid_utf8(s, n) && text_clean(s, 0) && !strchr(s, '"') &&
           !strchr(s, '\\');
}

/* ---- reading the rows ---------------------------------------------------- */

/* The header's row index, and col_of[] for every field; -1 if none. */
static long s_find_header(const plan_sheet *sh, int col_of[IMP_NFIELDS])
{
    for (size_t i = 0; i < sh->n; i++) {
        const plan_row *r = &sh->rows[i];
        size_t filled = 0;
        int known = 0;
        for (size_t c = 0; c < r->n; c++) {
            char *t = s_trim_dup(r->cell[c]);
            if (!t)
                return -1;
            if (*t) {
                filled++;
                known |= plan_column(t) >= 0;
            }
            free(t);
        }
        if (!filled || (filled == 1 && !known))
            continue; /* blank, or a title above the header */
        for (int f = 0; f < IMP_NFIELDS; f++)
            col_of[f] = -1;
        for (size_t c = 0; c < r->n; c++) {
            char *t = s_trim_dup(r->cell[c]);
            if (!t)
                return -1;
            int f = plan_column(t);
            if (f >= 0 && col_of[f] < 0)
                col_of[f] = (int)c;
            free(t);
        }
        return (long)i;
    }
    return -1;
}

/* The trimmed value of field f in row r (a new string, "" when absent); NULL on no memory. */
static char *s_value(const plan_row *r, const int col_of[IMP_NFIELDS], int f)
{
    int c = col_of[f];
    return s_trim_dup(c >= 0 && (size_t)c < r->n ? r->cell[c] : "");
}

static void s_skip(s_set *set, const char *what, const char *value, long pos)
{
    char where[32];
    snprintf(where, sizeof where, "%ld", pos);
    char ex[200];
    text_fit(value, 40, ex, sizeof ex);
    s_push_line(
        set, &set->skipped, &set->nskipped,
        "#   第%s行 %s \"%s\": 不能作名称（太长或含控制字符），请在方案中改正 / cannot be a name: fix it "
        "in the plan",
        where, what, ex);
}

static void s_collect(s_set *set, const plan_sheet *sh, long head, const int col_of[IMP_NFIELDS])
{
    for (size_t i = (size_t)head + 1; i < sh->n && !set->oom; i++) {
        const plan_row *r = &sh->rows[i];
        char *ref = s_value(r, col_of, IMP_REF), *src = s_value(r, col_of, IMP_SOURCE);
        char *unit = s_value(r, col_of, IMP_UNIT), *lead = s_value(r, col_of, IMP_LEADER);
        char *own = s_value(r, col_of, IMP_OWNER);
        if (!ref || !src || !unit || !lead || !own) {
            set->oom = 1;
        } else {
            char prefix[64];
            s_ref_prefix(ref, prefix, sizeof prefix);
            const char *vals[] = {src, unit, lead, own};
            const char *what[] = {"问题来源", "责任单位", "责任领导", "责任人"};
            for (int k = 0; k < 4; k++)
                if (*vals[k] && !s_name_ok(vals[k])) {
                    s_skip(set, what[k], vals[k], r->pos);
                    *(char *)vals[k] = '\0';
                }
            s_ent *e;
            if (*src && (e = s_ent_get(set, T_SOURCE, src, r->pos)))
                s_comp_add(set, e, 'R', prefix);
            if (*unit && (e = s_ent_get(set, T_UNIT, unit, r->pos))) {
                s_comp_add(set, e, 'P', lead);
                s_comp_add(set, e, 'P', own);
            }
            if (*lead && (e = s_ent_get(set, T_USER, lead, r->pos))) {
                e->roles |= R_LEADER;
                s_comp_add(set, e, 'U', unit);
                s_comp_add(set, e, 'Q', own);
            }
            if (*own && (e = s_ent_get(set, T_USER, own, r->pos))) {
                e->roles |= R_OWNER;
                s_comp_add(set, e, 'U', unit);
                s_comp_add(set, e, 'Q', lead);
            }
        }
        free(ref);
        free(src);
        free(unit);
        free(lead);
        free(own);
    }
}

/* ---- pairing ---------------------------------------------------------------- */

/* Shared companions over all companions (Jaccard), ignoring the two themselves. */
static double s_overlap(const s_ent *a, const s_ent *b)
{
    size_t both = 0;
    for (size_t i = 0; i < a->ncomp; i++)
        both += s_comp_has(b, a->comp[i]);
    size_t all = a->ncomp + b->ncomp - both;
    return all ? (double)both / (double)all : 0.0;
}

/* 1 if a and b stand in one row (a person beside the other): not one. */
static int s_together(const s_ent *a, const s_ent *b)
{
    if (a->table != T_USER)
        return 0;
    char key[RECT_MAX_NAME * 4 + 4];
    snprintf(key, sizeof key, "Q:%s", b->value);
    return s_comp_has(a, key);
}

/* The best name for id entry i in its table (-1 if none), its score, and whether it is unique. */
static int s_best(const s_set *set, size_t i, int want_id, double *score, int *tie)
{
    int best = -1;
    double top = 0;
    *tie = 0;
    for (size_t j = 0; j < set->n; j++) {
        const s_ent *b = &set->v[j];
        if (j == i || b->table != set->v[i].table || b->is_id != want_id || s_together(&set->v[i], b))
            continue;
        double o = s_overlap(&set->v[i], b);
        if (o > top) {
            top = o;
            best = (int)j;
            *tie = 0;
        } else if (o == top && o > 0) {
            *tie = 1;
        }
    }
    *score = top;
    return best;
}

static const char *s_table_zh(int t)
{
    return t == T_SOURCE ? "问题来源" : t == T_UNIT ? "责任单位" : "人员";
}

static void s_pair(s_set *set)
{
    for (size_t i = 0; i < set->n && !set->oom; i++) {
        s_ent *x = &set->v[i];
        if (!x->is_id)
            continue;
        double score, back;
        int tie, tie2;
        int y = s_best(set, i, 0, &score, &tie);
        if (y < 0 || score < 0.25) /* less in common is no evidence worth a note */
            continue;
        int x2 = s_best(set, (size_t)y, 1, &back, &tie2);
        s_ent *n = &set->v[y];
        int mutual = x2 == (int)i && !tie && !tie2;
        char pct[16];
        snprintf(pct, sizeof pct, "%d%%", (int)(score * 100 + 0.5));
        /* One row each is too little to be sure of, however well it agrees. */
        if (mutual && score >= 0.5 && x->count >= 2 && n->count >= 2 && !n->drop && x->pair < 0 &&
            (x->table != T_USER || x->roles == n->roles)) {
            x->pair = y;
            n->drop = 1;
            x->roles |= n->roles;
            continue;
        }
        s_push_line(
            set, &set->notes, &set->nnotes,
            "#   \"%s\" 与 \"%s\" 可能是同一个（同一列，同行的内容有 %s 相同）：如果是，删去后者的条目，"
            "把前者的显示名改成它。",
            x->value, n->value, pct);
        s_push_line(
            set, &set->notes, &set->nnotes,
            "#     \"%s\" and \"%s\" may be one (same column, %s of what stands beside them in their rows "
            "agrees): if so, delete the latter's entry and give the former its name as display name.",
            x->value, n->value, pct);
        (void)s_table_zh;
    }
}

/* ---- ids ---------------------------------------------------------------------- */

static int s_id_taken(const s_set *set, int table, const char *id)
{
    for (size_t i = 0; i < set->n; i++)
        if (set->v[i].table == table && !set->v[i].drop &&
            (strcmp(set->v[i].id, id) == 0 || strcmp(set->v[i].value, id) == 0))
            return 1;
    return 0;
}

/* base, or base2, base3...: one the table does not have. numbered: base1 first. */
static void s_new_id(const s_set *set, int table, const char *base, int numbered, char *out, size_t outlen)
{
    char id[RECT_MAX_NAME + 1];
    if (!numbered && !s_id_taken(set, table, base)) {
        snprintf(out, outlen, "%s", base);
        return;
    }
    for (int k = numbered ? 1 : 2;; k++) { /* ends: at most S_MAX_ENTS ids are taken */
        snprintf(id, sizeof id, "%s%d", base, k);
        if (!s_id_taken(set, table, id))
            break;
    }
    snprintf(out, outlen, "%s", id);
}

static const char *s_level(const char *name)
{
    if (strstr(name, "国家") || strstr(name, "中央"))
        return "national";
    if (strstr(name, "自治区") || strstr(name, "省"))
        return "regional";
    if (strstr(name, "县") || strstr(name, "州") || strstr(name, "市"))
        return "county";
    if (strstr(name, "自查") || strstr(name, "镇") || strstr(name, "乡"))
        return "town";
    return "other";
}

static const char *s_level_id(const char *level)
{
    return strcmp(level, "national") == 0   ? "national"
           : strcmp(level, "regional") == 0 ? "region"
           : strcmp(level, "county") == 0   ? "county"
           : strcmp(level, "town") == 0     ? "self"
                                            : "source";
}

static int s_ends_with(const char *s, const char *end)
{
    size_t n = strlen(s), k = strlen(end);
    return n >= k && strcmp(s + n - k, end) == 0;
}

static void s_ids(s_set *set)
{
    /* Ids from the plan first, so that made-up ones avoid them. */
    for (size_t i = 0; i < set->n; i++)
        if (set->v[i].is_id && !set->v[i].drop)
            snprintf(set->v[i].id, sizeof set->v[i].id, "%s", set->v[i].value);
    for (size_t i = 0; i < set->n; i++) {
        s_ent *e = &set->v[i];
        if (e->drop || e->is_id)
            continue;
        if (e->table == T_SOURCE)
            s_new_id(set, T_SOURCE, s_level_id(s_level(e->value)), strcmp(s_level(e->value), "other") == 0,
                     e->id, sizeof e->id);
        else if (e->table == T_UNIT)
            s_new_id(set, T_UNIT,
                     s_ends_with(e->value, "社区") ? "shequ"
                     : s_ends_with(e->value, "村") ? "cun"
                                                   : "unit",
                     1, e->id, sizeof e->id);
        else
            s_new_id(set, T_USER, e->roles & R_LEADER ? "leader" : "owner", 1, e->id, sizeof e->id);
    }
    for (size_t i = 0; i < set->n; i++) {
        s_ent *e = &set->v[i];
        if (e->drop)
            continue;
        if (e->pair >= 0)
            snprintf(e->display, sizeof e->display, "%s", set->v[e->pair].value);
        else if (e->is_id)
            snprintf(e->display, sizeof e->display, "%s（待填）", e->value); /* differs from every id */
        else
            snprintf(e->display, sizeof e->display, "%s", e->value);
    }
}

/* ---- writing ---------------------------------------------------------------- */

typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} s_out;

__attribute__((format(printf, 2, 3))) static void s_put(s_out *o, const char *fmt, ...)
{
    if (o->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(o->s ? o->s + o->len : NULL, o->s ? o->cap - o->len : 0, fmt, ap);
        va_end(ap);
        if (w < 0) {
            o->oom = 1;
            return;
        }
        if (o->s && (size_t)w < o->cap - o->len) {
            o->len += (size_t)w;
            return;
        }
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + (size_t)w + 1)
            cap *= 2;
        char *p = realloc(o->s, cap);
        if (!p) {
            o->oom = 1;
            return;
        }
        o->s = p;
        o->cap = cap;
    }
}

static void s_where(const s_ent *e, const plan_sheet *sh, char *out, size_t outlen)
{
    (void)sh;
    snprintf(out, outlen, "第%ld行起，%zu行 / from %s %ld, %zu row%s", e->first, e->count,
             sh->format == PLAN_XLSX ? "row" : "line", e->first, e->count, e->count == 1 ? "" : "s");
}

static void s_write(s_out *o, const s_set *set, const plan_sheet *sh, const char *from)
{
    s_put(o,
          "# rectd.conf：由 rectctl init 根据 %s 生成的起步配置。\n"
          "# A starter rectd.conf written by rectctl init from %s.\n"
          "#\n"
          "# 请先逐项核对：名称、编号（id）和角色，以及文末“待确认”的配对。编号只能用\n"
          "# 字母、数字、_ . -，可改成拼音（如 zhanghua）：改在生成密钥之前。\n"
          "# Check every entry first: names, ids and roles, and the pairings \"to confirm\"\n"
          "# at the end. Ids are A-Z a-z 0-9 _ . - only; rename them (e.g. to pinyin) before\n"
          "# making the keys.\n"
          "#\n"
          "# 然后生成每个用户的密钥和 rectd 的密钥，再检查配置（在本文件所在的文件夹里）：\n"
          "# Then make each user's key and rectd's key, and check the config (in this file's folder):\n"
          "#     rectctl keygen NAME -o keys        # 每个用户一次 / once per user below\n"
          "#     rectd keygen -o keys/rectd\n"
          "#     rectd --check -c rectd.conf\n"
          "# 每人的 .key 由本人保管，这里只留 .pub。\n"
          "# Each user keeps their own .key; only the .pub files stay here.\n"
          "#\n"
          "# 相对路径相对于本文件所在的文件夹。 Relative paths are relative to this file's folder.\n\n",
          from, from);
    s_put(o,
          "daemon = {\n"
          "    # rectd 监听的地址 / where rectd listens (tcp://0.0.0.0:5555 for other machines)\n"
          "    endpoint = \"ipc://rectd.sock\";\n"
          "    # rectd 自己的密钥（rectd keygen 生成）/ rectd's own key (made by rectd keygen)\n"
          "    key_file = \"keys/rectd.key\";\n"
          "    # 签名密钥，首次启动时生成，勿放进数据备份 / signing key, made at first start; keep it out of "
          "backups\n"
          "    signing_key = \"keys/rectd-sign.key\";\n"
          "    # 数据库所在文件夹：请备份 / the database folder: back it up\n"
          "    data_dir = \"data\";\n"
          "    # 每个用户用自己的密钥 / every user has a key of their own\n"
          "    demo_keys = false;\n"
          "};\n\n"
          "calendar = {\n"
          "    # 期限按北京时间计算 / deadlines are reckoned in Beijing time\n"
          "    timezone = \"Asia/Shanghai\";\n"
          "};\n\n");

    static const char *const heads[T_N] = {
        "# 问题来源 / sources (问题来源). level: national 国家, regional 自治区, county 县, town 本镇, other\n",
        "# 责任单位 / units (责任单位)\n",
        "# 人员 / users: 责任领导 -> leader, 责任人 -> owner; admin 管理员 and verifier 验收人 to fill in\n"};
    static const char *const lists[T_N] = {"sources", "units", "users"};
    for (int t = 0; t < T_N; t++) {
        /* Each entry as {text, comment}, so the comma goes before the comment. */
        size_t cap = set->n + 3, k = 0;
        char(*ent)[1024] = calloc(cap, sizeof *ent);
        char(*com)[1024] = calloc(cap, sizeof *com);
        if (!ent || !com) {
            free(ent);
            free(com);
            o->oom = 1;
            return;
        }
        if (t == T_USER) {
            snprintf(ent[k], sizeof ent[k],
                     "{ name = \"admin\"; display = \"管理员（待填）\"; roles = [\"admin\"]; "
                     "public_key = \"keys/admin.pub\"; }");
            snprintf(com[k++], sizeof com[0], "请填写真实姓名 / put the admin's real name");
            snprintf(ent[k], sizeof ent[k],
                     "{ name = \"verifier\"; display = \"验收人（待填）\"; roles = "
                     "[\"verifier\"]; public_key = \"keys/verifier.pub\"; }");
            snprintf(com[k++], sizeof com[0], "验收人，请填写 / who verifies (验收): fill in");
        }
        int has_town = 0;
        for (size_t i = 0; i < set->n; i++) {
            const s_ent *e = &set->v[i];
            if (e->table != t || e->drop)
                continue;
            char where[160], why[600] = "";
            s_where(e, sh, where, sizeof where);
            if (e->pair >= 0)
                snprintf(why, sizeof why,
                         "; 方案中写作 \"%s\" 和 \"%s\"，同行内容一致，已合并 / the plan writes both "
                         "\"%s\" and \"%s\", their rows agree: paired",
                         e->value, set->v[e->pair].value, e->value, set->v[e->pair].value);
            else if (e->is_id)
                snprintf(why, sizeof why, "; 请填写显示名 / give its display name");
            snprintf(com[k], sizeof com[k], "%s%s", where, why);
            if (t == T_SOURCE) {
                has_town |= strcmp(s_level(e->display), "town") == 0;
                snprintf(ent[k++], sizeof ent[0], "{ id = \"%s\"; name = \"%s\"; level = \"%s\"; }", e->id,
                         e->display, s_level(e->display));
            } else if (t == T_UNIT) {
                snprintf(ent[k++], sizeof ent[0], "{ id = \"%s\"; name = \"%s\"; }", e->id, e->display);
            } else {
                snprintf(
                    ent[k++], sizeof ent[0],
                    "{ name = \"%s\"; display = \"%s\"; roles = [%s%s%s]; public_key = \"keys/%s.pub\"; }",
                    e->id, e->display, e->roles & R_LEADER ? "\"leader\"" : "",
                    (e->roles & R_LEADER) && (e->roles & R_OWNER) ? ", " : "",
                    e->roles & R_OWNER ? "\"owner\"" : "", e->id);
            }
        }
        if (t == T_SOURCE && !has_town) {
            /* 举一反三: what the town finds itself, if the plan has no such source. */
            char id[RECT_MAX_NAME + 1];
            s_new_id(set, T_SOURCE, "self", 0, id, sizeof id);
            snprintf(ent[k], sizeof ent[0], "{ id = \"%s\"; name = \"自查自纠\"; level = \"town\"; }", id);
            snprintf(com[k++], sizeof com[0], "本镇自查（举一反三）/ found by the town itself");
        }
        s_put(o, "%s%s = (\n", heads[t], lists[t]);
        for (size_t i = 0; i < k; i++)
            s_put(o, "    %s%s  # %s\n", ent[i], i + 1 < k ? "," : "", com[i]);
        s_put(o, ");\n\n");
        free(ent);
        free(com);
    }
    if (set->nnotes) {
        s_put(o, "# 待确认 / to confirm:\n");
        for (size_t i = 0; i < set->nnotes; i++)
            s_put(o, "%s\n", set->notes[i]);
        s_put(o, "\n");
    }
    if (set->nskipped) {
        s_put(o, "# 未收入 / left out:\n");
        for (size_t i = 0; i < set->nskipped; i++)
            s_put(o, "%s\n", set->skipped[i]);
    }
}

char *init_config_text(const plan_sheet *sheet, const char *from, char *err, size_t errlen)
{
    int col_of[IMP_NFIELDS];
    long head = s_find_header(sheet, col_of);
    if (head < 0) {
        snprintf(err, errlen, "%s",
                 _("the plan has no header row naming its columns (编号, 问题来源, 责任单位, ...)"));
        return NULL;
    }
    if (col_of[IMP_SOURCE] < 0 && col_of[IMP_UNIT] < 0 && col_of[IMP_LEADER] < 0 && col_of[IMP_OWNER] < 0) {
        snprintf(
            err, errlen, "%s",
            _("the plan's header names none of 问题来源 (source), 责任单位 (unit), 责任领导 (leader), 责任人 "
              "(owner): nothing to write a config from"));
        return NULL;
    }
    s_set set = {0};
    s_collect(&set, sheet, head, col_of);
    if (!set.oom) {
        s_pair(&set);
        s_ids(&set);
    }
    s_out o = {0};
    if (!set.oom)
        s_write(&o, &set, sheet, from);
    s_set_free(&set);
    if (set.oom || o.oom) {
        free(o.s);
        snprintf(err, errlen, "%s", _("out of memory"));
        return NULL;
    }
    return o.s;
}

/* ---- the command ------------------------------------------------------------- */

/* clang-format off */
const cli_opt cli_init_opts[] = {
    {.name = "from", .metavar = NC_("placeholder", "PLAN"),
     .help = N_("the plan to read: CSV (UTF-8 or GB18030) or .xlsx")},
    {.name = "out", .flags = CLI_SHORT, .metavar = NC_("placeholder", "FILE"),
     .help = N_("write the config to FILE (default: rectd.conf)")},
    {.name = "force", .help = N_("replace FILE if it exists")},
    {.name = "encoding", .metavar = NC_("placeholder", "ENC"),
     .help = N_("a CSV's encoding, utf-8 or gb18030 (GBK); default: told from the bytes")},
    {.name = NULL},
};
/* clang-format on */

/* The whole of path (at most S_MAX_FILE bytes) in *data; 0, or prints why and returns an exit code. */
static int s_slurp(const char *path, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error(_("cannot read %s: %s"), path, strerror(errno));
        return RECT_EXIT_USAGE;
    }
    size_t cap = 0;
    for (;;) {
        if (*len == cap) {
            if (cap >= S_MAX_FILE) {
                cli_error(_("init: %s is larger than %u MiB: that is no plan"), path,
                          S_MAX_FILE / (1024 * 1024));
                break;
            }
            cap = cap ? cap * 2 : 65536;
            char *p = realloc(*data, cap);
            if (!p) {
                cli_error(_("cannot read %s: %s"), path, strerror(ENOMEM));
                break;
            }
            *data = p;
        }
        size_t n = fread(*data + *len, 1, cap - *len, f);
        *len += n;
        if (n == 0) {
            if (ferror(f)) {
                cli_error(_("cannot read %s: %s"), path, strerror(errno));
                break;
            }
            fclose(f);
            return RECT_EXIT_OK;
        }
    }
    fclose(f);
    free(*data);
    *data = NULL;
    return RECT_EXIT_USAGE;
}

int cli_init_local(const cli_ctx *ctx, const cli_args *a)
{
    (void)ctx;
    const char *from = a->val[0], *out = a->val[1] ? a->val[1] : "rectd.conf";
    int force = a->val[2] != NULL;
    if (!from || !*from) {
        cli_error(_("init: --from PLAN is required (the town's plan, CSV or .xlsx)"));
        return RECT_EXIT_USAGE;
    }
    int enc = plan_encoding_parse(a->val[3]);
    if (enc < 0) {
        cli_error(_("init: --encoding %s: give utf-8 or gb18030"), a->val[3]);
        return RECT_EXIT_USAGE;
    }
    struct stat st;
    if (!force && stat(out, &st) == 0) {
        cli_error(_("init: %s exists; give --force to replace it, or -o another file"), out);
        return RECT_EXIT_USAGE;
    }
    /* The plan reader's libraries: libcsv for a CSV, libzip and libexpat for an .xlsx. */
    if (lazy_need(LAZY_CSV, "init --from") || lazy_need(LAZY_ZIP, "init --from") ||
        lazy_need(LAZY_EXPAT, "init --from"))
        return RECT_EXIT_USAGE;
    char *data;
    size_t len;
    int rc = s_slurp(from, &data, &len);
    if (rc)
        return rc;
    plan_sheet *sh = NULL;
    char err[PLAN_ERRLEN + 64];
    if (plan_read(data, len, enc, &sh, err, sizeof err) != 0) {
        free(data);
        cli_error("init: %s: %s", from, err);
        return RECT_EXIT_USAGE;
    }
    free(data);
    const char *base = strrchr(from, '/');
    char *text = init_config_text(sh, base ? base + 1 : from, err, sizeof err);
    plan_sheet_destroy(&sh);
    if (!text) {
        cli_error("init: %s: %s", from, err);
        return RECT_EXIT_USAGE;
    }
    /* Written beside the target and renamed: never half a config. */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", out, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    size_t n = strlen(text), done = 0;
    while (fd >= 0 && done < n) {
        ssize_t w = write(fd, text + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    int ok = fd >= 0 && done == n && fsync(fd) == 0;
    if (fd >= 0 && close(fd) != 0)
        ok = 0;
    if (ok && !force && link(tmp, out) != 0) /* refuses an existing file, even one made meanwhile */
        ok = 0;
    else if (ok && force && rename(tmp, out) != 0)
        ok = 0;
    int e = errno;
    if (fd >= 0)
        unlink(tmp); /* after link: the temporary name; after rename: gone already */
    free(text);
    if (!ok) {
        cli_error(_("init: cannot write %s: %s"), out, strerror(e ? e : EIO));
        return RECT_EXIT_USAGE;
    }
    printf(_("wrote %s from %s: check it, make the keys, then run rectd --check -c %s\n"), out, from, out);
    return RECT_EXIT_OK;
}

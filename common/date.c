/*
 * date.c - calendar dates, UTC instants, local wall time in an IANA zone.
 * See include/rect_date.h.
 *
 * Dates are proleptic Gregorian; day numbers use Howard Hinnant's
 * days_from_civil, so no libc time zone state is involved. Only local time
 * (instant_format_local, date_today) asks libc: in the zone pinned with
 * date_pin_zone directly, in any other zone by switching TZ for the
 * duration of one conversion (see s_localtime).
 */
#include "rect_date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_ZONEINFO "/usr/share/zoneinfo"
#define S_MIN_YEAR 1900
#define S_MAX_YEAR 9999

/* "年", "月", "日" in UTF-8. */
#define S_NIAN "\xe5\xb9\xb4"
#define S_YUE "\xe6\x9c\x88"
#define S_RI "\xe6\x97\xa5"

static int s_leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int s_month_days(long y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && s_leap(y) ? 29 : days[m - 1];
}

static int s_valid_ymd(long y, int m, int d)
{
    return y >= S_MIN_YEAR && y <= S_MAX_YEAR && m >= 1 && m <= 12 && d >= 1 && d <= s_month_days(y, m);
}

/* Days since 1970-01-01 of a valid proleptic Gregorian date. */
static long s_days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Read exactly `min`..`max` ASCII digits at *p; advance *p. -1 if not. */
static long s_digits(const char **p, int min, int max)
{
    long v = 0;
    int n = 0;
    while (n < max && **p >= '0' && **p <= '9') {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return n >= min ? v : -1;
}

/* Consume the literal lit at *p; 1 if it was there. */
static int s_literal(const char **p, const char *lit)
{
    size_t n = strlen(lit);
    if (strncmp(*p, lit, n) != 0)
        return 0;
    *p += n;
    return 1;
}

static void s_skip_blanks(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

/*
 * Parse 2026-12-31, 2026/12/31 or 2026年12月31日: a four-digit year, then a
 * one- or two-digit month and day, the same separator style throughout,
 * optional ASCII blanks (space, tab) around it and nothing else. The date
 * must exist and lie in 1900..9999. Returns 0 and writes "YYYY-MM-DD" into
 * out, or -1 (out unspecified). text may be NULL (gives -1).
 */
int date_parse(const char *text, char out[RECT_DATE_LEN])
{
    if (!text)
        return -1;
    const char *p = text;
    s_skip_blanks(&p);
    long y = s_digits(&p, 4, 4);
    if (y < 0)
        return -1;
    const char *sep2, *end;
    if (*p == '-' || *p == '/') {
        sep2 = *p == '-' ? "-" : "/";
        end = "";
        p++;
    } else if (s_literal(&p, S_NIAN)) {
        sep2 = S_YUE;
        end = S_RI;
    } else {
        return -1;
    }
    long m = s_digits(&p, 1, 2);
    if (m < 0 || !s_literal(&p, sep2))
        return -1;
    long d = s_digits(&p, 1, 2);
    if (d < 0 || !s_literal(&p, end))
        return -1;
    s_skip_blanks(&p);
    if (*p != '\0' || !s_valid_ymd(y, (int)m, (int)d))
        return -1;
    snprintf(out, RECT_DATE_LEN, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
    return 0;
}

/* Split a canonical "YYYY-MM-DD" (exactly that, nothing around it). */
static int s_split_canonical(const char *ymd, long *y, int *m, int *d)
{
    if (!ymd || strlen(ymd) != 10 || ymd[4] != '-' || ymd[7] != '-')
        return -1;
    const char *p = ymd;
    *y = s_digits(&p, 4, 4);
    p++;
    long mm = s_digits(&p, 2, 2);
    p++;
    long dd = s_digits(&p, 2, 2);
    if (*y < 0 || mm < 0 || dd < 0 || !s_valid_ymd(*y, (int)mm, (int)dd))
        return -1;
    *m = (int)mm;
    *d = (int)dd;
    return 0;
}

/*
 * Days from 1970-01-01 to ymd, which must be a canonical, existing
 * "YYYY-MM-DD" (1900..9999); -1 otherwise. Dates before 1970 give negative
 * numbers, so 1969-12-31 is indistinguishable from an error: validate with
 * date_parse first if such dates matter (deadlines never do).
 */
long date_days(const char *ymd)
{
    long y;
    int m, d;
    if (s_split_canonical(ymd, &y, &m, &d) < 0)
        return -1;
    return s_days_from_civil(y, m, d);
}

/*
 * The date `days` days after 1970-01-01, as "YYYY-MM-DD" (Howard Hinnant's
 * civil_from_days). Years outside 1900..9999 give -1.
 */
int date_from_days(long days, char out[RECT_DATE_LEN])
{
    long z = days + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2)
        y++;
    if (y < 1900 || y > 9999)
        return -1;
    snprintf(out, RECT_DATE_LEN, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
    return 0;
}

/*
 * The current instant. Every "now" in the program comes from here, so that a
 * test clock can later be put in one place.
 */
static int s_localtime(time_t t, const char *zone, struct tm *tm);

static char *s_clock_path; /* set by rect_clock_file: tests move time through a file */

int rect_clock_file(const char *path)
{
    free(s_clock_path);
    s_clock_path = NULL;
    if (!path)
        return 0;
    if (!(s_clock_path = strdup(path)))
        return -1;
    time_t t;
    return rect_clock_read(&t);
}

int rect_clock_read(time_t *t)
{
    char buf[64];
    FILE *f = fopen(s_clock_path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    return instant_parse_iso(buf, t);
}

time_t rect_now(void)
{
    time_t t;
    if (s_clock_path && rect_clock_read(&t) == 0)
        return t;
    return time(NULL);
}

int instant_parse_iso(const char *text, time_t *t)
{
    char base[RECT_INSTANT_LEN];
    size_t n = text ? strlen(text) : 0;
    if (n < 20)
        return -1;
    /* "YYYY-MM-DDTHH:MM:SS" then Z or ±HH:MM / ±HHMM */
    memcpy(base, text, 19);
    base[19] = 'Z';
    base[20] = '\0';
    if (instant_parse(base, t) != 0)
        return -1;
    const char *z = text + 19;
    if (strcmp(z, "Z") == 0)
        return 0;
    if ((z[0] != '+' && z[0] != '-') || !(strlen(z) == 6 || strlen(z) == 5))
        return -1;
    const char *p = z + 1;
    long hh = s_digits(&p, 2, 2);
    if (*p == ':')
        p++;
    long mm = s_digits(&p, 2, 2);
    if (hh < 0 || hh > 14 || mm < 0 || mm > 59 || *p)
        return -1;
    long off = hh * 3600 + mm * 60;
    *t -= z[0] == '+' ? off : -off; /* 09:00+08:00 is 01:00Z */
    return 0;
}

int instant_local_tm(time_t t, const char *zone, struct tm *tm)
{
    return s_localtime(t, zone, tm);
}

/*
 * Format t as "YYYY-MM-DDTHH:MM:SSZ" (UTC). Instants whose year has more
 * than four digits cannot be written and come out as "0000-00-00T00:00:00Z".
 */
void instant_format(time_t t, char out[RECT_INSTANT_LEN])
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, RECT_INSTANT_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 ||
        strlen(out) != RECT_INSTANT_LEN - 1)
        memcpy(out, "0000-00-00T00:00:00Z", RECT_INSTANT_LEN);
}

/*
 * Parse exactly "YYYY-MM-DDTHH:MM:SSZ" (UTC, year 1900..9999, no leap
 * second). Returns 0 and stores *t, or -1 and leaves *t alone.
 */
int instant_parse(const char *text, time_t *t)
{
    if (!text || strlen(text) != RECT_INSTANT_LEN - 1 || text[10] != 'T' || text[13] != ':' ||
        text[16] != ':' || text[19] != 'Z')
        return -1;
    char ymd[RECT_DATE_LEN];
    memcpy(ymd, text, 10);
    ymd[10] = '\0';
    long y;
    int m, d;
    if (s_split_canonical(ymd, &y, &m, &d) < 0)
        return -1;
    const char *p = text + 11;
    long hh = s_digits(&p, 2, 2);
    p++;
    long mi = s_digits(&p, 2, 2);
    p++;
    long ss = s_digits(&p, 2, 2);
    if (hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 59)
        return -1;
    *t = (time_t)s_days_from_civil(y, m, d) * 86400 + hh * 3600 + mi * 60 + ss;
    return 0;
}

/* The zone TZ was set to for good by date_pin_zone, or NULL. */
static char *s_pinned;

int date_pin_zone(const char *zone)
{
    if (!zone || !zone_exists(zone))
        return -1;
    size_t n = strlen(zone) + 2;
    char *spec = malloc(n), *copy = strdup(zone);
    if (!spec || !copy) {
        free(spec);
        free(copy);
        return -1;
    }
    snprintf(spec, n, ":%s", zone);
    int rc = setenv("TZ", spec, 1);
    free(spec);
    if (rc != 0) {
        free(copy);
        return -1;
    }
    tzset();
    free(s_pinned);
    s_pinned = copy;
    return 0;
}

/*
 * Broken-down local time of t in zone (UTC when zone is NULL or not an
 * installed zone). glibc only converts to local time through the process's
 * TZ: in the pinned zone that is localtime_r alone, which threads may call
 * together; any other zone sets TZ, converts, and puts TZ back as it was,
 * which is not thread-safe (rectctl, single-threaded, does that).
 */
static int s_localtime(time_t t, const char *zone, struct tm *tm)
{
    if (zone && s_pinned && strcmp(zone, s_pinned) == 0)
        return localtime_r(&t, tm) ? 0 : -1;
    if (!zone || !zone_exists(zone))
        return gmtime_r(&t, tm) ? 0 : -1;

    const char *old = getenv("TZ");
    char *saved = NULL;
    if (old && !(saved = strdup(old)))
        return gmtime_r(&t, tm) ? 0 : -1;
    size_t n = strlen(zone) + 2;
    char *spec = malloc(n);
    if (!spec) {
        free(saved);
        return gmtime_r(&t, tm) ? 0 : -1;
    }
    snprintf(spec, n, ":%s", zone);

    int rc = -1;
    if (setenv("TZ", spec, 1) == 0) {
        tzset();
        rc = localtime_r(&t, tm) ? 0 : -1;
        if (saved)
            setenv("TZ", saved, 1);
        else
            unsetenv("TZ");
        tzset();
    } else {
        rc = gmtime_r(&t, tm) ? 0 : -1;
    }
    free(spec);
    free(saved);
    return rc;
}

/*
 * Format t as local wall time "YYYY-MM-DD HH:MM" in zone (NULL or an
 * unknown zone: UTC). out needs outlen >= 17; if it is shorter, or the year
 * has more than four digits, out gets "" (when outlen > 0).
 */
void instant_format_local(time_t t, const char *zone, char *out, size_t outlen)
{
    struct tm tm;
    if (outlen == 0)
        return;
    if (s_localtime(t, zone, &tm) < 0 || strftime(out, outlen, "%Y-%m-%d %H:%M", &tm) != 16)
        out[0] = '\0';
}

/*
 * Today's date at instant now in zone (NULL or unknown: UTC), as
 * "YYYY-MM-DD". Pass rect_now() for the real today.
 */
void date_today(time_t now, const char *zone, char out[RECT_DATE_LEN])
{
    struct tm tm;
    if (s_localtime(now, zone, &tm) < 0 || strftime(out, RECT_DATE_LEN, "%Y-%m-%d", &tm) != 10)
        memcpy(out, "0000-00-00", RECT_DATE_LEN);
}

/*
 * 1 if zone names an installed IANA zone: a TZif file under
 * /usr/share/zoneinfo (so "zone.tab" and directories such as "Asia" do not
 * count). Absolute names and names containing ".." are refused. NULL gives 0.
 */
int zone_exists(const char *zone)
{
    if (!zone || !*zone || zone[0] == '/' || strstr(zone, "..") || strlen(zone) > 255)
        return 0;
    char path[sizeof S_ZONEINFO + 1 + 256];
    snprintf(path, sizeof path, "%s/%s", S_ZONEINFO, zone);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char magic[4];
    size_t n = fread(magic, 1, sizeof magic, f);
    fclose(f);
    return n == sizeof magic && memcmp(magic, "TZif", 4) == 0;
}

/*
 * test_lease.c — the meta protocol's lease state (memcached 1.6.18 ITEM_STALE /
 * ITEM_TOKEN_SENT: mg N / R / T, ms I, md I, ma C) and caller-chosen CAS values, including
 * that both survive a SIGKILL and a reopen.
 */
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>

#include "testutil.h"

static mnemo_pool *pool;
static uint32_t region;

#define K(s) (const uint8_t *)(s), (uint32_t)strlen(s)

typedef struct read_result {
    mnemo_status status;
    mnemo_item_info info;
    char value[64];
} read_result;

static read_result read_with(const char *k, const mnemo_read_args *args)
{
    read_result r;
    memset(&r, 0, sizeof r);
    uint32_t len = 0;
    r.status = mnemo_get(pool, region, K(k), (uint8_t *)r.value, sizeof r.value - 1, &len,
                         &r.info, args);
    if (r.status == MNEMO_OK)
        r.value[len] = '\0';
    return r;
}

static read_result plain(const char *k) { return read_with(k, NULL); }

/* Every mg reads with LEASE: only such a read wins (memcached hands out W in mg alone). */
static const mnemo_read_args lease_read = {.opts = MNEMO_READ_LEASE};
static read_result lease(const char *k) { return read_with(k, &lease_read); }

static mnemo_status put(mnemo_store_mode mode, const char *k, const char *v, int64_t exptime,
                        mnemo_write_args a, uint64_t *cas_out)
{
    return mnemo_store(pool, region, mode, K(k), (const uint8_t *)v, (uint32_t)strlen(v), 3,
                       exptime, &a, cas_out);
}

static uint64_t set(const char *k, const char *v, int64_t exptime)
{
    uint64_t cas = 0;
    CHECK_ST(put(MNEMO_SET, k, v, exptime, (mnemo_write_args){0}, &cas), MNEMO_OK);
    return cas;
}

static mnemo_status invalidate(const char *k, uint64_t cas_in)
{
    mnemo_write_args a = {.cas_in = cas_in, .opts = MNEMO_WRITE_INVALIDATE};
    return mnemo_delete(pool, region, K(k), &a);
}

static const uint32_t both = MNEMO_ITEM_STALE | MNEMO_ITEM_TOKEN_SENT;

static void vivify_on_miss_wins_once(void)
{
    mnemo_read_args n = {.opts = MNEMO_READ_VIVIFY, .vivify_exptime = 30};
    read_result r = read_with("viv", &n);
    CHECK_ST(r.status, MNEMO_OK);
    CHECK(r.info.state == (MNEMO_ITEM_VIVIFIED | MNEMO_ITEM_WON));
    CHECK(r.value[0] == '\0' && r.info.value_len == 0 && r.info.flags == 0);
    CHECK(r.info.exptime > 0 && r.info.cas > 0 && r.info.fetched == 0);
    /* memcached: a second mg N reports Z (a token was sent), no W, and the same empty item */
    read_result again = read_with("viv", &n);
    CHECK(again.info.state == MNEMO_ITEM_TOKEN_SENT && again.info.cas == r.info.cas);
    CHECK(plain("viv").info.state == MNEMO_ITEM_TOKEN_SENT);
    /* R does not win once a token was sent */
    mnemo_read_args rr = {.opts = MNEMO_READ_RECACHE | MNEMO_READ_LEASE, .recache_below = 1000};
    CHECK(read_with("viv", &rr).info.state == MNEMO_ITEM_TOKEN_SENT);
    /* the winner fills it: a normal store clears the token */
    set("viv", "filled", 0);
    CHECK(plain("viv").info.state == 0);
    /* without N a miss stays a miss */
    CHECK_ST(plain("nothing").status, MNEMO_NOT_FOUND);
}

static void vivify_uses_explicit_cas_and_touch(void)
{
    mnemo_read_args a = {.opts = MNEMO_READ_VIVIFY | MNEMO_READ_TOUCH, .vivify_exptime = 30,
                         .touch_exptime = 500, .cas_new = 777000};
    read_result r = read_with("viv2", &a);
    CHECK(r.info.cas == 777000 && (r.info.state & MNEMO_ITEM_WON));
    /* touch decides the exptime, as memcached's T after N */
    CHECK(r.info.exptime >= r.info.last_access + 499 && r.info.exptime <= r.info.last_access + 501);
    CHECK(set("after-viv", "x", 0) > 777000); /* the engine never hands the CAS out again */
    /* N on a hit does nothing */
    mnemo_read_args n = {.opts = MNEMO_READ_VIVIFY, .vivify_exptime = 30};
    set("hit", "v", 0);
    read_result hit = read_with("hit", &n);
    CHECK(hit.info.state == 0 && strcmp(hit.value, "v") == 0 && hit.info.exptime == 0);
}

static void recache_wins_below_the_remaining_ttl(void)
{
    set("rc", "v", 100);
    mnemo_read_args above = {.opts = MNEMO_READ_RECACHE | MNEMO_READ_LEASE, .recache_below = 50};
    CHECK(read_with("rc", &above).info.state == 0);
    mnemo_read_args below = {.opts = MNEMO_READ_RECACHE | MNEMO_READ_LEASE,
                             .recache_below = 200};
    CHECK(read_with("rc", &below).info.state == MNEMO_ITEM_WON);
    CHECK(read_with("rc", &below).info.state == MNEMO_ITEM_TOKEN_SENT);
    /* no TTL, no win */
    set("rc-forever", "v", 0);
    CHECK(read_with("rc-forever", &below).info.state == 0);
    /* touch composes: R sees the exptime T just set (memcached's "T10 R30") */
    set("rc-touch", "v", 100);
    mnemo_read_args touch_then = {.opts = MNEMO_READ_RECACHE | MNEMO_READ_TOUCH | MNEMO_READ_LEASE,
                                  .recache_below = 30, .touch_exptime = 10};
    read_result r = read_with("rc-touch", &touch_then);
    CHECK(r.info.state == MNEMO_ITEM_WON && r.info.exptime <= r.info.last_access + 10);
}

static void delete_invalidate_marks_stale(void)
{
    uint64_t cas = set("md", "old", 0);
    CHECK_ST(invalidate("md", cas + 1), MNEMO_EXISTS); /* md I C: the CAS must match */
    CHECK(plain("md").info.state == 0);
    CHECK_ST(invalidate("md", cas), MNEMO_OK);
    read_result first = lease("md");
    CHECK(first.info.state == (MNEMO_ITEM_STALE | MNEMO_ITEM_WON));
    CHECK(strcmp(first.value, "old") == 0 && first.info.cas > cas && first.info.flags == 3);
    CHECK(plain("md").info.state == both); /* X and Z, no second W */
    /* md I again clears the token: the next reader wins again, under a new CAS */
    uint64_t stale_cas = plain("md").info.cas;
    mnemo_write_args t = {.cas_new = 990000, .exptime = 10,
                          .opts = MNEMO_WRITE_INVALIDATE | MNEMO_WRITE_SET_EXPTIME};
    CHECK_ST(mnemo_delete(pool, region, K("md"), &t), MNEMO_OK);
    read_result r = lease("md");
    CHECK(r.info.state == (MNEMO_ITEM_STALE | MNEMO_ITEM_WON) && r.info.cas == 990000);
    CHECK(r.info.cas != stale_cas && r.info.exptime > 0);
    CHECK_ST(invalidate("md-missing", 0), MNEMO_NOT_FOUND);
    /* touch keeps the state (mg T on a stale item) */
    mnemo_read_args touch = {.opts = MNEMO_READ_TOUCH, .touch_exptime = 300};
    CHECK(read_with("md", &touch).info.state == both);
    /* a plain delete still deletes */
    CHECK_ST(mnemo_delete(pool, region, K("md"), NULL), MNEMO_OK);
    CHECK_ST(plain("md").status, MNEMO_NOT_FOUND);
}

static void store_invalidate_with_an_older_cas_lands_stale(void)
{
    uint64_t cas1 = set("ms", "v1", 0);
    uint64_t cas2 = set("ms", "v2", 500);
    uint32_t exptime = (uint32_t)plain("ms").info.exptime;
    /* an older CAS without I: EXISTS */
    CHECK_ST(put(MNEMO_SET, "ms", "late", 0, (mnemo_write_args){.cas_in = cas1}, NULL),
             MNEMO_EXISTS);
    /* a newer CAS with I: still EXISTS (only older ones land) */
    mnemo_write_args newer = {.cas_in = cas2 + 5, .opts = MNEMO_WRITE_INVALIDATE};
    CHECK_ST(put(MNEMO_SET, "ms", "late", 0, newer, NULL), MNEMO_EXISTS);
    /* a reader wins first, then the late write lands: stale, old TTL, token kept */
    mnemo_read_args rr = {.opts = MNEMO_READ_RECACHE | MNEMO_READ_LEASE,
                          .recache_below = 100000};
    CHECK(read_with("ms", &rr).info.state == MNEMO_ITEM_WON);
    uint64_t cas3 = 0;
    mnemo_write_args older = {.cas_in = cas1, .cas_new = 880000, .opts = MNEMO_WRITE_INVALIDATE};
    CHECK_ST(put(MNEMO_CAS, "ms", "late", 20, older, &cas3), MNEMO_OK);
    CHECK(cas3 == 880000);
    read_result r = plain("ms");
    CHECK(strcmp(r.value, "late") == 0 && r.info.state == both && r.info.exptime == exptime);
    /* without a token sent the stale value is won by its first reader */
    uint64_t cas4 = set("ms2", "v", 0);
    set("ms2", "v2", 0);
    mnemo_write_args older2 = {.cas_in = cas4, .opts = MNEMO_WRITE_INVALIDATE};
    CHECK_ST(put(MNEMO_SET, "ms2", "late", 0, older2, NULL), MNEMO_OK);
    CHECK(lease("ms2").info.state == (MNEMO_ITEM_STALE | MNEMO_ITEM_WON));
    /* the matching CAS with I is a normal store: the state is cleared */
    uint64_t now_cas = plain("ms2").info.cas;
    CHECK_ST(put(MNEMO_SET, "ms2", "fresh", 0, (mnemo_write_args){.cas_in = now_cas,
             .opts = MNEMO_WRITE_INVALIDATE}, NULL), MNEMO_OK);
    CHECK(plain("ms2").info.state == 0);
    /* append compares plainly, as in memcached (ms MA C I with an older CAS: EX) */
    CHECK_ST(put(MNEMO_APPEND, "ms2", "x", 0, older2, NULL), MNEMO_EXISTS);
    /* add ignores the compare; replace + compare on a missing key is NOT_FOUND (cas mode) */
    CHECK_ST(put(MNEMO_ADD, "ms3", "a", 0, (mnemo_write_args){.cas_in = 5}, NULL), MNEMO_OK);
    CHECK_ST(put(MNEMO_REPLACE, "ms4", "a", 0, (mnemo_write_args){.cas_in = 5}, NULL),
             MNEMO_NOT_FOUND);
    CHECK_ST(put(MNEMO_APPEND, "ms4", "a", 0, (mnemo_write_args){.cas_in = 5}, NULL),
             MNEMO_NOT_STORED);
}

static void stale_option_and_explicit_cas_on_store(void)
{
    uint64_t cas = 0;
    mnemo_write_args copy = {.cas_new = 870000, .opts = MNEMO_WRITE_STALE};
    CHECK_ST(put(MNEMO_SET, "copy", "v", 0, copy, &cas), MNEMO_OK);
    CHECK(cas == 870000);
    read_result r = lease("copy");
    CHECK(r.info.cas == 870000 && r.info.state == (MNEMO_ITEM_STALE | MNEMO_ITEM_WON));
    /* a normal store clears both bits */
    set("copy", "v2", 0);
    CHECK(plain("copy").info.state == 0);
    /* unknown option bits are refused and change nothing */
    mnemo_write_args bad = {.opts = 64};
    CHECK_ST(put(MNEMO_SET, "copy", "v3", 0, bad, NULL), MNEMO_INVALID);
    mnemo_read_args bad_read = {.opts = 256};
    CHECK_ST(read_with("copy", &bad_read).status, MNEMO_INVALID);
    CHECK(strcmp(plain("copy").value, "v2") == 0);
}

static void arith_compares_and_takes_a_cas(void)
{
    uint64_t cas = set("n", "5", 0);
    uint64_t v = 0, out = 0;
    mnemo_write_args wrong = {.cas_in = cas + 1};
    CHECK_ST(mnemo_arith(pool, region, K("n"), 0, 1, &wrong, &v, &out), MNEMO_EXISTS);
    CHECK(strcmp(plain("n").value, "5") == 0);
    mnemo_write_args right = {.cas_in = cas, .cas_new = 860000};
    CHECK_ST(mnemo_arith(pool, region, K("n"), 0, 1, &right, &v, &out), MNEMO_OK);
    CHECK(v == 6 && out == 860000 && plain("n").info.cas == 860000);
    CHECK_ST(mnemo_arith(pool, region, K("missing-n"), 0, 1, &right, &v, &out), MNEMO_NOT_FOUND);
    /* memcached changes a result that fits in place, so a stale item stays stale ... */
    set("n", "56", 0);
    CHECK_ST(invalidate("n", 0), MNEMO_OK);
    CHECK_ST(mnemo_arith(pool, region, K("n"), 0, 1, NULL, &v, NULL), MNEMO_OK);
    read_result r = plain("n");
    CHECK(strcmp(r.value, "57") == 0 && (r.info.state & MNEMO_ITEM_STALE));
    /* ... and a longer one is a new item without the bits */
    set("n", "9", 0);
    CHECK_ST(invalidate("n", 0), MNEMO_OK);
    CHECK_ST(mnemo_arith(pool, region, K("n"), 0, 1, NULL, &v, NULL), MNEMO_OK);
    CHECK(strcmp(plain("n").value, "10") == 0 && plain("n").info.state == 0);
}

static void only_lease_reads_win(void)
{
    set("pl", "old", 100);
    CHECK_ST(invalidate("pl", 0), MNEMO_OK);
    /* get, gat and the copies replication makes see the state but take no token (memcached:
     * "get k" then "mg k" answers X W) */
    CHECK(plain("pl").info.state == MNEMO_ITEM_STALE);
    mnemo_read_args touch = {.opts = MNEMO_READ_TOUCH, .touch_exptime = 50};
    CHECK(read_with("pl", &touch).info.state == MNEMO_ITEM_STALE);
    mnemo_read_args recache_alone = {.opts = MNEMO_READ_RECACHE, .recache_below = 100000};
    CHECK(read_with("pl", &recache_alone).info.state == MNEMO_ITEM_STALE);
    CHECK(lease("pl").info.state == (MNEMO_ITEM_STALE | MNEMO_ITEM_WON));
    CHECK(plain("pl").info.state == both);
    CHECK(lease("pl").info.state == both);
    /* the recache win needs LEASE too */
    set("pl-ttl", "v", 100);
    CHECK(read_with("pl-ttl", &recache_alone).info.state == 0);
    mnemo_read_args recache = {.opts = MNEMO_READ_RECACHE | MNEMO_READ_LEASE,
                               .recache_below = 100000};
    CHECK(read_with("pl-ttl", &recache).info.state == MNEMO_ITEM_WON);
    /* a lease read of a fresh item without R wins nothing */
    set("pl-fresh", "v", 0);
    CHECK(lease("pl-fresh").info.state == 0 && plain("pl-fresh").info.state == 0);
}

/* memcached's mg applies flags in order: "t T30" prints the TTL the item had before the touch. */
static void exptime_before_touch_reports_the_old_exptime(void)
{
    set("ebt", "v", 1000);
    int64_t before = plain("ebt").info.exptime;
    mnemo_read_args touch = {.opts = MNEMO_READ_TOUCH | MNEMO_READ_EXPTIME_BEFORE_TOUCH,
                             .touch_exptime = 30};
    read_result r = read_with("ebt", &touch);
    CHECK_ST(r.status, MNEMO_OK);
    CHECK(r.info.exptime == before);
    int64_t touched = plain("ebt").info.exptime; /* the touch happened all the same */
    CHECK(touched > 0 && touched < before && touched <= r.info.last_access + 30);
    /* without the bit the read reports the new exptime */
    mnemo_read_args forever = {.opts = MNEMO_READ_TOUCH, .touch_exptime = 0};
    CHECK(read_with("ebt", &forever).info.exptime == 0);
    /* with it, from no TTL to one and back */
    touch.touch_exptime = 40;
    CHECK(read_with("ebt", &touch).info.exptime == 0);
    int64_t forty = plain("ebt").info.exptime;
    CHECK(forty > 0);
    forever.opts |= MNEMO_READ_EXPTIME_BEFORE_TOUCH;
    CHECK(read_with("ebt", &forever).info.exptime == forty);
    CHECK(plain("ebt").info.exptime == 0);
    /* a vivified item has no exptime before this read: it reports its own */
    mnemo_read_args viv = {.opts = MNEMO_READ_VIVIFY | MNEMO_READ_TOUCH |
                                   MNEMO_READ_EXPTIME_BEFORE_TOUCH,
                           .vivify_exptime = 30, .touch_exptime = 60};
    read_result v = read_with("ebt-viv", &viv);
    CHECK(v.info.exptime > 0 && v.info.exptime == plain("ebt-viv").info.exptime);
}

/* memcached applies mg's flags in the order written; the engine is told where T stood. */
static void flag_order_of_touch_vivify_and_recache(void)
{
    /* "T60 N30": the later N decides a vivified item's exptime ("N30 T60": T decides, above) */
    mnemo_read_args tn = {.opts = MNEMO_READ_VIVIFY | MNEMO_READ_TOUCH |
                                  MNEMO_READ_TOUCH_BEFORE_VIVIFY,
                          .vivify_exptime = 30, .touch_exptime = 60};
    read_result v = read_with("order-viv", &tn);
    CHECK(v.info.state == (MNEMO_ITEM_VIVIFIED | MNEMO_ITEM_WON));
    CHECK(v.info.exptime >= v.info.last_access + 29 && v.info.exptime <= v.info.last_access + 31);
    /* on a hit N does nothing: T still touches */
    read_result hit = read_with("order-viv", &tn);
    CHECK(hit.info.exptime >= hit.info.last_access + 59 && hit.info.exptime <= hit.info.last_access + 61);

    /* "R30 T10" on a 100 s item: R saw 100 s left, no win; the touch happens all the same */
    mnemo_read_args r_then_t = {.opts = MNEMO_READ_RECACHE | MNEMO_READ_TOUCH | MNEMO_READ_LEASE |
                                        MNEMO_READ_RECACHE_BEFORE_TOUCH,
                                .recache_below = 30, .touch_exptime = 10};
    set("order-rt", "v", 100);
    read_result r = read_with("order-rt", &r_then_t);
    CHECK(r.info.state == 0 && r.info.exptime <= r.info.last_access + 10);
    /* "R30 T100" on a 10 s item: R saw 10 s left and wins, though the touch gives 100 s */
    set("order-rt", "v", 10);
    r_then_t.touch_exptime = 100;
    r = read_with("order-rt", &r_then_t);
    CHECK(r.info.state == MNEMO_ITEM_WON && r.info.exptime >= r.info.last_access + 99);
    /* the same flags with T first judge the touched exptime: no win */
    set("order-rt", "v", 10);
    r_then_t.opts &= ~(uint32_t)MNEMO_READ_RECACHE_BEFORE_TOUCH;
    CHECK(read_with("order-rt", &r_then_t).info.state == 0);
}

static int count_stale(void *ctx, const uint8_t *key, uint32_t key_len, const uint8_t *value,
                       uint32_t value_len, const mnemo_item_info *info)
{
    (void)key, (void)key_len, (void)value, (void)value_len;
    if (info->state & MNEMO_ITEM_STALE)
        ++*(int *)ctx;
    return 0;
}

static void scan_and_restore_keep_stale(void)
{
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    set("s1", "a", 0);
    set("s2", "b", 0);
    CHECK_ST(invalidate("s1", 0), MNEMO_OK);
    int stale = 0;
    CHECK_ST(mnemo_region_scan(pool, region, 0, count_stale, &stale), MNEMO_OK);
    CHECK(stale == 1);
    uint64_t snap = 0;
    CHECK_ST(mnemo_snapshot_create(pool, region, &snap), MNEMO_OK);
    set("s1", "fresh", 0);
    CHECK(plain("s1").info.state == 0);
    CHECK_ST(mnemo_snapshot_restore(pool, region, snap), MNEMO_OK);
    CHECK(lease("s1").info.state == (MNEMO_ITEM_STALE | MNEMO_ITEM_WON));
    CHECK_ST(mnemo_snapshot_delete(pool, region, snap), MNEMO_OK);
}

/* Writes an export file of the given version holding one record, "old" = "v1" (flags 7). Version
 * 1 records have no state word; later ones get `state` (version 4 does not exist: its record is
 * written as a version 2 one). */
static void write_export(const char *file, uint32_t version, uint32_t state)
{
    uint8_t payload[64];
    uint32_t fixed[5] = {3, 2, 7, 0, state};
    size_t fixed_len = version == 1 ? 16 : 20;
    memcpy(payload, fixed, fixed_len);
    memcpy(payload + fixed_len, "oldv1", 5);
    size_t payload_len = fixed_len + 5;
    test_export_header h = {.version = version, .header_size = sizeof h, .count = 1,
                     .payload_bytes = payload_len, .snapshot = 1};
    memcpy(h.magic, "MNEMOEXP", 8);
    h.payload_crc = test_crc32c(payload, payload_len);
    h.header_crc = test_crc32c(&h, offsetof(test_export_header, header_crc));
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, &h, sizeof h) == (ssize_t)sizeof h);
    CHECK(write(fd, payload, payload_len) == (ssize_t)payload_len);
    close(fd);
}

/* The export file carries STALE (not TOKEN_SENT, which belonged to the exporting pool's readers). */
static void export_and_import_keep_stale(void)
{
    char file[600];
    snprintf(file, sizeof file, "%s", test_pool_path("lease-export"));
    CHECK_ST(mnemo_flush(pool, region, 0), MNEMO_OK);
    set("ex-stale", "a", 0);
    set("ex-fresh", "b", 0);
    CHECK_ST(invalidate("ex-stale", 0), MNEMO_OK);
    CHECK(lease("ex-stale").info.state == (MNEMO_ITEM_STALE | MNEMO_ITEM_WON));
    uint64_t snap = 0;
    CHECK_ST(mnemo_snapshot_create(pool, region, &snap), MNEMO_OK);
    CHECK_ST(mnemo_snapshot_export(pool, region, snap, file), MNEMO_OK);
    uint32_t copy;
    CHECK_ST(mnemo_region_create(pool, "lease-import", &copy), MNEMO_OK);
    uint64_t id = 0;
    CHECK_ST(mnemo_snapshot_import(pool, copy, file, &id), MNEMO_OK);
    uint32_t saved = region;
    region = copy;
    read_result stale = lease("ex-stale");
    CHECK(stale.info.state == (MNEMO_ITEM_STALE | MNEMO_ITEM_WON) && strcmp(stale.value, "a") == 0);
    CHECK(lease("ex-fresh").info.state == 0);

    /* a version 1 file (no state) still imports, its items fresh */
    write_export(file, 1, 0);
    CHECK_ST(mnemo_snapshot_import(pool, copy, file, &id), MNEMO_OK);
    read_result old = plain("old");
    CHECK(old.status == MNEMO_OK && strcmp(old.value, "v1") == 0 && old.info.flags == 7);
    CHECK(old.info.state == 0);
    CHECK_ST(plain("ex-stale").status, MNEMO_NOT_FOUND); /* the import replaced the view */
    /* version 2 by hand: the state word arrives */
    write_export(file, 2, MNEMO_ITEM_STALE);
    CHECK_ST(mnemo_snapshot_import(pool, copy, file, &id), MNEMO_OK);
    CHECK(plain("old").info.state == MNEMO_ITEM_STALE);
    /* unknown state bits and unknown versions are refused, and change nothing */
    write_export(file, 2, MNEMO_ITEM_TOKEN_SENT);
    CHECK_ST(mnemo_snapshot_import(pool, copy, file, &id), MNEMO_CORRUPT);
    CHECK(strstr(mnemo_last_error(), "state") != NULL);
    write_export(file, 4, 0);
    CHECK_ST(mnemo_snapshot_import(pool, copy, file, &id), MNEMO_CORRUPT);
    CHECK(strstr(mnemo_last_error(), "version 4 is not supported") != NULL);
    CHECK(plain("old").info.state == MNEMO_ITEM_STALE);
    region = saved;
    CHECK_ST(mnemo_snapshot_delete(pool, region, snap), MNEMO_OK);
    unlink(file);
}

/* A child writes stale items and explicit CAS values, reports, and is killed without closing
 * the pool; the reopened pool must show the state and keep its counter above the CAS. */
static void stale_and_explicit_cas_survive_kill_and_reopen(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s", test_pool_path("lease-crash"));
    mnemo_pool *p = test_open(path, 32 * MiB, 0);
    uint32_t r;
    CHECK_ST(mnemo_region_create(p, "lease", &r), MNEMO_OK);
    mnemo_pool_close(p);
    const uint64_t big_cas = 1ull << 40;
    int ready[2];
    CHECK(pipe(ready) == 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        mnemo_pool *c = test_reopen(path, 0);
        mnemo_write_args explicit_cas = {.cas_new = big_cas};
        CHECK_ST(mnemo_store(c, r, MNEMO_SET, K("cas"), (const uint8_t *)"v", 1, 0, 0,
                             &explicit_cas, NULL), MNEMO_OK);
        mnemo_write_args gone = {.cas_new = big_cas + 10};
        CHECK_ST(mnemo_store(c, r, MNEMO_SET, K("gone"), (const uint8_t *)"v", 1, 0, 0, &gone,
                             NULL), MNEMO_OK);
        CHECK_ST(mnemo_delete(c, r, K("gone"), NULL), MNEMO_OK);
        CHECK_ST(test_set(c, r, "stale", "old"), MNEMO_OK);
        mnemo_write_args inv = {.opts = MNEMO_WRITE_INVALIDATE};
        CHECK_ST(mnemo_delete(c, r, K("stale"), &inv), MNEMO_OK);
        CHECK_ST(test_set(c, r, "won", "v"), MNEMO_OK);
        CHECK_ST(mnemo_delete(c, r, K("won"), &inv), MNEMO_OK);
        uint8_t buf[8];
        uint32_t len;
        CHECK_ST(mnemo_get(c, r, K("won"), buf, sizeof buf, &len, NULL, &lease_read), MNEMO_OK);
        CHECK(write(ready[1], "x", 1) == 1);
        for (;;)
            pause(); /* killed here, the pool still open */
    }
    char x;
    CHECK(read(ready[0], &x, 1) == 1);
    kill(child, SIGKILL);
    int status;
    CHECK(waitpid(child, &status, 0) == child && WIFSIGNALED(status));
    close(ready[0]);
    close(ready[1]);

    p = test_reopen(path, 0);
    mnemo_item_info info;
    uint8_t buf[8];
    uint32_t len;
    CHECK_ST(mnemo_get(p, r, K("cas"), buf, sizeof buf, &len, &info, NULL), MNEMO_OK);
    CHECK(info.cas == big_cas && info.state == 0);
    CHECK_ST(mnemo_get(p, r, K("stale"), buf, sizeof buf, &len, &info, &lease_read), MNEMO_OK);
    CHECK(info.state == (MNEMO_ITEM_STALE | MNEMO_ITEM_WON) && len == 3);
    CHECK_ST(mnemo_get(p, r, K("won"), buf, sizeof buf, &len, &info, NULL), MNEMO_OK);
    CHECK(info.state == (MNEMO_ITEM_STALE | MNEMO_ITEM_TOKEN_SENT)); /* the win was kept */
    uint64_t next = 0;
    CHECK_ST(mnemo_store(p, r, MNEMO_SET, K("next"), (const uint8_t *)"v", 1, 0, 0, NULL, &next),
             MNEMO_OK);
    CHECK(next > big_cas + 10); /* above the deleted item's CAS too */
    mnemo_pool_close(p);
    unlink(path);
}

int main(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s", test_pool_path("lease"));
    pool = test_open(path, 64 * MiB, 0);
    CHECK_ST(mnemo_region_create(pool, "lease", &region), MNEMO_OK);
    RUN(vivify_on_miss_wins_once);
    RUN(vivify_uses_explicit_cas_and_touch);
    RUN(recache_wins_below_the_remaining_ttl);
    RUN(delete_invalidate_marks_stale);
    RUN(store_invalidate_with_an_older_cas_lands_stale);
    RUN(stale_option_and_explicit_cas_on_store);
    RUN(arith_compares_and_takes_a_cas);
    RUN(only_lease_reads_win);
    RUN(exptime_before_touch_reports_the_old_exptime);
    RUN(flag_order_of_touch_vivify_and_recache);
    RUN(scan_and_restore_keep_stale);
    RUN(export_and_import_keep_stale);
    mnemo_pool_close(pool);
    unlink(path);
    RUN(stale_and_explicit_cas_survive_kill_and_reopen);
    return 0;
}

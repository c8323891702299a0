/*
 * test_switch_crash.c — restore and import are crash-atomic. A child process alternates
 * "restore S1" and "import the export of S2" on a region of 20k items and is killed with
 * SIGKILL at random moments (a restore takes milliseconds, so most kills land inside one). After
 * each kill the reopened region must show exactly S1's or exactly S2's items, and S1 and S2 must
 * be intact.
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "testutil.h"

#define ITEMS 20000
#define ROUNDS 25

static const char *pool_path;
static char export_path[600];

typedef struct digest { uint64_t items; uint64_t sum; } digest;

/* An order-independent digest of a view: item count and a sum of per-item hashes. */
static int add_item(void *ctx, const uint8_t *key, uint32_t key_len, const uint8_t *value,
                    uint32_t value_len, const mnemo_item_info *info)
{
    digest *d = ctx;
    uint64_t h = 1469598103934665603ull ^ info->flags;
    for (uint32_t i = 0; i < key_len; i++)
        h = (h ^ key[i]) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (uint32_t i = 0; i < value_len; i++)
        h = (h ^ value[i]) * 1099511628211ull;
    d->items++;
    d->sum += h;
    return 0;
}

static digest view_of(mnemo_pool *p, uint32_t r, uint64_t snap)
{
    digest d = {0, 0};
    CHECK_ST(mnemo_region_scan(p, r, snap, add_item, &d), MNEMO_OK);
    return d;
}

static void fill(mnemo_pool *p, uint32_t r, int from, int to, const char *tag)
{
    char k[32], v[64];
    for (int i = from; i < to; i++) {
        snprintf(k, sizeof k, "key-%d", i);
        snprintf(v, sizeof v, "%s-value-%d-%0*d", tag, i, i % 40, 0);
        CHECK_ST(mnemo_store(p, r, MNEMO_SET, (const uint8_t *)k, (uint32_t)strlen(k),
                             (const uint8_t *)v, (uint32_t)strlen(v), (uint32_t)i, 0, NULL, NULL),
                 MNEMO_OK);
    }
}

static void child_loop(uint64_t s1)
{
    mnemo_pool *p = test_reopen(pool_path, 0);
    uint32_t r;
    CHECK_ST(mnemo_region_find(p, "switch", &r), MNEMO_OK);
    for (;;) {
        CHECK_ST(mnemo_snapshot_restore(p, r, s1), MNEMO_OK);
        uint64_t id;
        CHECK_ST(mnemo_snapshot_import(p, r, export_path, &id), MNEMO_OK);
        CHECK_ST(mnemo_snapshot_delete(p, r, id), MNEMO_OK);
    }
}

static void restore_and_import_survive_kill(void)
{
    pool_path = strdup(test_pool_path("switch"));
    snprintf(export_path, sizeof export_path, "%s.s2", pool_path);
    mnemo_pool *p = test_open(pool_path, 256 * MiB, MNEMO_OPEN_NO_EVICT);
    uint32_t r;
    uint64_t s1, s2;
    CHECK_ST(mnemo_region_create(p, "switch", &r), MNEMO_OK);
    fill(p, r, 0, ITEMS, "one");
    CHECK_ST(mnemo_snapshot_create(p, r, &s1), MNEMO_OK);
    fill(p, r, ITEMS / 2, ITEMS + ITEMS / 4, "two");
    CHECK_ST(mnemo_snapshot_create(p, r, &s2), MNEMO_OK);
    CHECK_ST(mnemo_snapshot_export(p, r, s2, export_path), MNEMO_OK);
    digest d1 = view_of(p, r, s1), d2 = view_of(p, r, s2);
    CHECK(d1.items == ITEMS && d2.items == ITEMS + ITEMS / 4 && d1.sum != d2.sum);
    mnemo_pool_close(p);

    srand((unsigned)time(NULL));
    int saw_s1 = 0, saw_s2 = 0;
    for (int round = 0; round < ROUNDS; round++) {
        fflush(stdout);
        pid_t child = fork();
        if (child == 0)
            child_loop(s1);
        usleep((useconds_t)(20000 + rand() % 80000));
        kill(child, SIGKILL);
        int status;
        waitpid(child, &status, 0);
        CHECK(WIFSIGNALED(status)); /* the child never fails on its own */

        p = test_reopen(pool_path, 0);
        digest live = view_of(p, r, 0);
        bool is1 = live.items == d1.items && live.sum == d1.sum;
        bool is2 = live.items == d2.items && live.sum == d2.sum;
        if (!is1 && !is2)
            fprintf(stderr, "\nround %d: live view has %llu items matching neither snapshot\n",
                    round, (unsigned long long)live.items);
        CHECK(is1 || is2);
        saw_s1 += is1;
        saw_s2 += is2;
        digest v1 = view_of(p, r, s1), v2 = view_of(p, r, s2);
        CHECK(v1.items == d1.items && v1.sum == d1.sum);
        CHECK(v2.items == d2.items && v2.sum == d2.sum);
        /* an import killed before its snapshot was deleted leaves one more snapshot */
        mnemo_snapshot_info info[8];
        uint32_t n;
        CHECK_ST(mnemo_snapshot_list(p, r, info, 8, &n), MNEMO_OK);
        CHECK(n == 2 || n == 3);
        for (uint32_t i = 0; i < n; i++)
            if (info[i].id != s1 && info[i].id != s2)
                CHECK_ST(mnemo_snapshot_delete(p, r, info[i].id), MNEMO_OK);
        mnemo_pool_close(p);
    }
    printf("(live = S1 %d times, S2 %d times) ", saw_s1, saw_s2);
    unlink(pool_path);
    unlink(export_path);
    free((void *)pool_path);
}

int main(void)
{
    RUN(restore_and_import_survive_kill);
    return 0;
}

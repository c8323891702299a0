/* clock.c — unix time with the pool's test offset, and memcached's exptime rules. */
#include <time.h>

#include "engine.h"

#define RELATIVE_EXPTIME_MAX (60 * 60 * 24 * 30) /* memcached: larger values are absolute */

int64_t clock_unix_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint32_t pool_now(const mnemo_pool *pool)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return (uint32_t)(ts.tv_sec + __atomic_load_n(&pool->clock_offset, __ATOMIC_RELAXED));
}

uint32_t exptime_absolute(const mnemo_pool *pool, int64_t exptime)
{
    if (exptime == 0)
        return 0;
    if (exptime < 0)
        return 1; /* long past: expired at once */
    if (exptime <= RELATIVE_EXPTIME_MAX)
        return pool_now(pool) + (uint32_t)exptime;
    return exptime > UINT32_MAX ? UINT32_MAX : (uint32_t)exptime;
}

bool exptime_passed(const mnemo_pool *pool, uint32_t exptime)
{
    return exptime != 0 && exptime <= pool_now(pool);
}

void mnemo_clock_advance(mnemo_pool *pool, int64_t seconds)
{
    __atomic_add_fetch(&pool->clock_offset, seconds, __ATOMIC_RELAXED);
}

/*
 * pool.c — creating, validating, mapping and closing a pool; persistence primitives; CAS.
 *
 * Mapping goes through libpmem2. On a DAX device or fsdax file libpmem2's persist/flush/drain
 * functions (CPU cache flushes) are used. In emulation mode (a regular file in DRAM, e.g.
 * /dev/shm) libpmem2 only offers msync, which costs a system call per operation. There the
 * memory is the page cache itself: a killed process loses none of the stores it executed, in
 * whatever order they reach the cache, so persisting only has to keep the compiler from moving
 * stores across it (README.md has the measurements). MNEMO_EMULATION_PERSIST=msync selects
 * libpmem2's msync persist instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <libpmem2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "engine.h"

#define CAS_RESERVE_STEP (1ull << 20)
#define POOL_GROWTH_MAX 16u   /* a pool can grow to this many times its capacity at create */

static inline void compiler_barrier(void) { __asm__ __volatile__("" ::: "memory"); }

void pool_persist(mnemo_pool *pool, const void *addr, size_t len)
{
    if (pool->barrier_persist)
        compiler_barrier();
    else
        pool->persist_fn(addr, len);
}

static void pool_drain(mnemo_pool *pool)
{
    if (pool->barrier_persist)
        compiler_barrier();
    else
        pool->drain_fn();
}

void pool_persist_u64(mnemo_pool *pool, uint64_t *addr, uint64_t value)
{
    __atomic_store_n(addr, value, __ATOMIC_RELEASE);
    pool_persist(pool, addr, sizeof *addr);
}

/* CAS uniques are handed out from a DRAM counter; the pool persists a limit ahead of it in
 * steps, so values stay unique and increasing across reopen and crashes. */
static void cas_limit_raise(mnemo_pool *pool, uint64_t cas)
{
    pthread_mutex_lock(&pool->cas_lock);
    if (pool->mut->cas_limit <= cas) {
        uint64_t limit = cas > UINT64_MAX - CAS_RESERVE_STEP ? UINT64_MAX : cas + CAS_RESERVE_STEP;
        pool_persist_u64(pool, &pool->mut->cas_limit, limit);
    }
    pthread_mutex_unlock(&pool->cas_lock);
}

uint64_t cas_next(mnemo_pool *pool)
{
    uint64_t cas = __atomic_fetch_add(&pool->next_cas, 1, __ATOMIC_RELAXED);
    if (cas >= __atomic_load_n(&pool->mut->cas_limit, __ATOMIC_ACQUIRE))
        cas_limit_raise(pool, cas);
    return cas;
}

/* A CAS chosen by the caller (a replica set agreeing on one value) must never be handed out
 * again, so the counter moves past it, and the persisted limit too (a crash after the item
 * was deleted must not reissue it either). */
void cas_observe(mnemo_pool *pool, uint64_t cas)
{
    uint64_t next = __atomic_load_n(&pool->next_cas, __ATOMIC_RELAXED);
    while (next <= cas && cas != UINT64_MAX &&
           !__atomic_compare_exchange_n(&pool->next_cas, &next, cas + 1, true, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED)) {
    }
    if (cas >= __atomic_load_n(&pool->mut->cas_limit, __ATOMIC_ACQUIRE))
        cas_limit_raise(pool, cas);
}

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

static uint32_t header_crc(const pool_header *h)
{
    return crc32c(0, h, offsetof(pool_header, header_crc));
}

/* Lays out metadata for a pool of `capacity` bytes. */
static mnemo_status header_plan(pool_header *h, uint64_t capacity, uint32_t item_size_max,
                                uint32_t device_mode, const char *path)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, POOL_MAGIC, 8);
    h->layout_version = POOL_LAYOUT_VERSION;
    h->header_size = POOL_HEADER_SIZE;
    h->capacity = capacity;
    h->page_size = align_up(item_size_max, SLAB_PAGE_SIZE_DEFAULT);
    h->item_size_max = item_size_max;
    h->device_mode = device_mode;
    h->chunk_min = SLAB_CHUNK_MIN;
    h->growth_percent = SLAB_GROWTH_PERCENT;
    h->created_unix_ns = clock_unix_ns();
    uint32_t slot_bits = 0;
    while ((1ull << slot_bits) < h->page_size / SLAB_CHUNK_MIN)
        slot_bits++;
    /* chunk refs are 32-bit: page number above the slot bits, all-ones reserved */
    uint64_t ref_pages = ((1ull << 32) >> slot_bits) - 2;
    /* The page table needs a byte per page; it gets room for the pool to grow to
     * POOL_GROWTH_MAX times its capacity (mnemo_pool_grow), within the reach of chunk refs. */
    uint64_t max_pages = capacity / h->page_size * POOL_GROWTH_MAX;
    if (max_pages > ref_pages)
        max_pages = ref_pages;
    h->page_table_off = POOL_HEADER_SIZE;
    h->region_table_off = align_up(h->page_table_off + max_pages, POOL_ALIGN);
    h->data_off = align_up(h->region_table_off + REGION_MAX * sizeof(region_entry), POOL_ALIGN);
    if (capacity < h->data_off + 2 * h->page_size)
        return set_error(MNEMO_INVALID,
                         "pool %s: capacity %llu bytes is too small (need at least %llu for "
                         "metadata and two %llu-byte slab pages)",
                         path, (unsigned long long)capacity,
                         (unsigned long long)(h->data_off + 2 * h->page_size),
                         (unsigned long long)h->page_size);
    h->page_count = (capacity - h->data_off) / h->page_size;
    if (h->page_count > ref_pages)
        return set_error(MNEMO_INVALID, "pool %s: capacity %llu bytes exceeds the supported %llu",
                         path, (unsigned long long)capacity,
                         (unsigned long long)(ref_pages * h->page_size));
    FILE *ur = fopen("/dev/urandom", "rb");
    if (!ur || fread(h->uuid, 1, sizeof h->uuid, ur) != sizeof h->uuid) {
        uint64_t t = (uint64_t)h->created_unix_ns ^ (uint64_t)getpid();
        memcpy(h->uuid, &t, 8);
    }
    if (ur)
        fclose(ur);
    h->uuid[6] = (uint8_t)((h->uuid[6] & 0x0f) | 0x40);
    h->uuid[8] = (uint8_t)((h->uuid[8] & 0x3f) | 0x80);
    h->header_crc = header_crc(h);
    return MNEMO_OK;
}

/* A header staged by a grow that may not have reached the header itself: it belongs to this pool
 * (same UUID), is whole (its checksum), and the file was extended for it. */
static bool staged_header_applies(const pool_header *staged, const pool_header *h, uint64_t size)
{
    return memcmp(staged->magic, POOL_MAGIC, 8) == 0 &&
           staged->layout_version == POOL_LAYOUT_VERSION && staged->header_crc == header_crc(staged) &&
           memcmp(staged->uuid, h->uuid, sizeof h->uuid) == 0 && staged->capacity <= size &&
           staged->capacity >= h->capacity;
}

static mnemo_status header_check(const pool_header *h, uint64_t size, const char *path)
{
    if (memcmp(h->magic, POOL_MAGIC, 8) != 0)
        return set_error(MNEMO_CORRUPT, "%s is not a Mnemo pool (bad magic)", path);
    if (h->layout_version != POOL_LAYOUT_VERSION)
        return set_error(MNEMO_CORRUPT,
                         "%s has pool layout version %u; this engine reads version %u", path,
                         h->layout_version, POOL_LAYOUT_VERSION);
    if (h->header_crc != header_crc(h))
        return set_error(MNEMO_CORRUPT, "%s: pool header checksum mismatch (damaged header)",
                         path);
    if (size < h->capacity)
        return set_error(MNEMO_CORRUPT, "%s is truncated: %llu bytes, header says %llu", path,
                         (unsigned long long)size, (unsigned long long)h->capacity);
    if (h->header_size != POOL_HEADER_SIZE || h->page_size < SLAB_PAGE_SIZE_DEFAULT ||
        h->item_size_max > h->page_size || h->chunk_min != SLAB_CHUNK_MIN ||
        h->growth_percent != SLAB_GROWTH_PERCENT ||
        h->data_off + h->page_count * h->page_size > h->capacity)
        return set_error(MNEMO_CORRUPT, "%s: pool header geometry is inconsistent", path);
    return MNEMO_OK;
}

/* Maps `length` bytes of the file from `offset`, into the pool's address reservation at the same
 * offset when it has one, so a grown pool's base address and every offset stay where they were. */
static mnemo_status map_range(mnemo_pool *pool, const char *path, bool dax, uint64_t offset,
                              uint64_t length)
{
    struct pmem2_config *cfg = NULL;
    struct pmem2_source *src = NULL;
    mnemo_status st = MNEMO_OK;
    if (pool->map_count == POOL_MAP_MAX) {
        return set_error(MNEMO_INVALID, "pool %s was grown %u times since it was opened; reopen "
                                        "it to grow it again", path, POOL_MAP_MAX - 1);
    }
    if (pmem2_config_new(&cfg) != 0 || pmem2_source_from_fd(&src, pool->fd) != 0) {
        st = set_error(MNEMO_IO, "%s: libpmem2: %s", path, pmem2_errormsg());
        goto out;
    }
    pmem2_config_set_required_store_granularity(
        cfg, dax ? PMEM2_GRANULARITY_CACHE_LINE : PMEM2_GRANULARITY_PAGE);
    if (pool->reservation &&
        (pmem2_config_set_offset(cfg, offset) != 0 || pmem2_config_set_length(cfg, length) != 0 ||
         pmem2_config_set_vm_reservation(cfg, pool->reservation, offset) != 0)) {
        st = set_error(MNEMO_IO, "%s: cannot place bytes %llu..%llu of the pool: %s", path,
                       (unsigned long long)offset, (unsigned long long)(offset + length),
                       pmem2_errormsg());
        goto out;
    }
    struct pmem2_map *map = NULL;
    if (pmem2_map_new(&map, cfg, src) != 0) {
        st = set_error(MNEMO_IO, "%s: cannot map%s: %s", path,
                       dax ? " as DAX (is it on a DAX filesystem / device? use emulation mode "
                             "for regular files)"
                           : "",
                       pmem2_errormsg());
        goto out;
    }
    pool->maps[pool->map_count++] = map;
    if (pool->map_count == 1) {
        pool->base = pmem2_map_get_address(map);
        pool->persist_fn = pmem2_get_persist_fn(map);
        pool->drain_fn = pmem2_get_drain_fn(map);
        const char *mode = getenv("MNEMO_EMULATION_PERSIST");
        pool->barrier_persist = !dax && !(mode && strcmp(mode, "msync") == 0);
    }
    pool->mapped = offset + pmem2_map_get_size(map);
out:
    if (src)
        pmem2_source_delete(&src);
    if (cfg)
        pmem2_config_delete(&cfg);
    return st;
}

/* The most pages a pool with this geometry can have: its page table's room (sized at create) and
 * the reach of the 32-bit chunk refs. */
static uint64_t page_limit(const pool_header *h)
{
    uint32_t slot_bits = 0;
    while ((1ull << slot_bits) < h->page_size / SLAB_CHUNK_MIN)
        slot_bits++;
    uint64_t room = h->region_table_off - h->page_table_off;
    uint64_t refs = ((1ull << 32) >> slot_bits) - 2;
    return room < refs ? room : refs;
}

/* Maps a file pool into an address reservation as large as it may ever grow (address space only;
 * nothing is committed), or a devdax device as it is. */
static mnemo_status map_pool(mnemo_pool *pool, const char *path, bool devdax, bool dax,
                             const pool_header *geometry, uint64_t file_size)
{
    if (devdax)
        return map_range(pool, path, dax, 0, 0);
    uint64_t reach = geometry->data_off + page_limit(geometry) * geometry->page_size;
    uint64_t length = file_size / POOL_ALIGN * POOL_ALIGN;
    uint64_t reserve = align_up(reach > length ? reach : length, 2ull << 20);
    if (pmem2_vm_reservation_new(&pool->reservation, NULL, reserve) != 0)
        return set_error(MNEMO_IO, "%s: cannot reserve %llu bytes of address space: %s", path,
                         (unsigned long long)reserve, pmem2_errormsg());
    return map_range(pool, path, dax, 0, length);
}

/* Refuses `bytes` more than the filesystem of `path` has free, so a too-large capacity is an error
 * now rather than a SIGBUS later. */
static mnemo_status check_free_space(const char *path, uint64_t bytes)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    struct statvfs vfs;
    if (statvfs(dir, &vfs) == 0) {
        uint64_t avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
        if (bytes > avail)
            return set_error(MNEMO_INVALID,
                             "pool %s: %llu more bytes exceed the %llu bytes free on %s", path,
                             (unsigned long long)bytes, (unsigned long long)avail, dir);
    }
    return MNEMO_OK;
}

/* Allocates the file's blocks up to `capacity` (emulation / fsdax) and makes its size durable. */
static mnemo_status allocate_file(const char *path, uint64_t capacity, int fd)
{
    int rc = posix_fallocate(fd, 0, (off_t)capacity);
    if (rc != 0)
        return set_error(MNEMO_IO, "pool %s: cannot allocate %llu bytes: %s", path,
                         (unsigned long long)capacity, strerror(rc));
    if (fsync(fd) != 0)
        return set_error(MNEMO_IO, "pool %s: cannot sync its new size: %s", path, strerror(errno));
    return MNEMO_OK;
}

static mnemo_status prepare_file(const char *path, uint64_t capacity, int fd)
{
    mnemo_status st = check_free_space(path, capacity);
    return st != MNEMO_OK ? st : allocate_file(path, capacity, fd);
}

static void pool_free(mnemo_pool *pool)
{
    if (!pool)
        return;
    slabs_destroy(pool);
    index_destroy(pool);
    for (uint32_t r = 0; r < REGION_MAX; r++)
        pthread_rwlock_destroy(&pool->rt[r].lock);
    pthread_mutex_destroy(&pool->admin_lock);
    pthread_mutex_destroy(&pool->cas_lock);
    while (pool->map_count)
        pmem2_map_delete(&pool->maps[--pool->map_count]);
    if (pool->reservation)
        pmem2_vm_reservation_delete(&pool->reservation);
    free(pool->path);
    if (pool->fd >= 0)
        close(pool->fd);
    free(pool);
}

static mnemo_status pool_attach(mnemo_pool *pool, const mnemo_pool_options *opts)
{
    pool->hdr = (pool_header *)pool->base;
    pool->mut = (pool_mutable *)(pool->base + POOL_MUTABLE_OFFSET);
    pool->page_table = pool->base + pool->hdr->page_table_off;
    pool->regions = (region_entry *)(pool->base + pool->hdr->region_table_off);
    pool->data = pool->base + pool->hdr->data_off;
    pool->page_size = pool->hdr->page_size;
    pool->page_count = pool->hdr->page_count;
    pool->device_mode = opts->device_mode;
    pool->flags = opts->flags;
    pool->item_size_max = opts->item_size_max ? opts->item_size_max : pool->hdr->item_size_max;
    if (pool->item_size_max > pool->page_size || pool->item_size_max < 1024)
        return set_error(MNEMO_INVALID,
                         "%s: item_size_max %u must be between 1024 and the pool's slab page "
                         "size %llu",
                         opts->path, pool->item_size_max, (unsigned long long)pool->page_size);
    uint32_t bits = 0;
    while ((1ull << bits) < pool->page_size / SLAB_CHUNK_MIN)
        bits++;
    pool->slot_bits = bits;
    mnemo_status st = slabs_init(pool);
    if (st == MNEMO_OK)
        st = index_init(pool);
    return st;
}

mnemo_status mnemo_pool_open(const mnemo_pool_options *opts, mnemo_pool **out)
{
    clear_error();
    if (!opts || !opts->path || !out)
        return set_error(MNEMO_INVALID, "mnemo_pool_open: options, path and out are required");
    *out = NULL;
    if (opts->device_mode > MNEMO_DEVICE_DEVDAX)
        return set_error(MNEMO_INVALID, "mnemo_pool_open: unknown device mode %u",
                         opts->device_mode);
    uint32_t item_max = opts->item_size_max ? opts->item_size_max : MNEMO_ITEM_SIZE_MAX_DEFAULT;
    if (item_max < 1024 || item_max > (64u << 20))
        return set_error(MNEMO_INVALID, "item_size_max %u must be between 1 KiB and 64 MiB",
                         item_max);
    bool devdax = opts->device_mode == MNEMO_DEVICE_DEVDAX;
    bool dax = opts->device_mode != MNEMO_DEVICE_EMULATION;

    mnemo_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return set_error(MNEMO_NO_MEMORY, "out of memory allocating the pool handle");
    pool->fd = -1;
    pool->path = strdup(opts->path);
    pthread_mutex_init(&pool->admin_lock, NULL);
    pthread_mutex_init(&pool->cas_lock, NULL);
    for (uint32_t r = 0; r < REGION_MAX; r++)
        region_lock_init(&pool->rt[r].lock);

    mnemo_status st = MNEMO_OK;
    bool created = false;
    int fd = open(opts->path, O_RDWR | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && (opts->flags & MNEMO_OPEN_CREATE) && !devdax) {
        fd = open(opts->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        created = fd >= 0;
    }
    if (fd < 0) {
        st = set_error(MNEMO_IO, "cannot open pool %s: %s", opts->path, strerror(errno));
        goto fail;
    }
    pool->fd = fd;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        st = set_error(MNEMO_IO, "cannot stat pool %s: %s", opts->path, strerror(errno));
        goto fail;
    }
    uint64_t size = (uint64_t)sb.st_size;
    if (devdax) {
        struct pmem2_source *src = NULL;
        size_t dsize = 0;
        if (pmem2_source_from_fd(&src, fd) != 0 || pmem2_source_size(src, &dsize) != 0) {
            st = set_error(MNEMO_IO, "%s: cannot read the device size: %s", opts->path,
                           pmem2_errormsg());
            if (src)
                pmem2_source_delete(&src);
            goto fail;
        }
        pmem2_source_delete(&src);
        size = dsize;
    }

    pool_header plan, geometry;
    /* With MNEMO_OPEN_CREATE, an empty file or one whose header was never written (a create
     * interrupted by a crash: the header is written last), or a zeroed devdax device, becomes a
     * new pool; anything else must carry a valid header. */
    bool fresh = created;
    if (!fresh && (opts->flags & MNEMO_OPEN_CREATE)) {
        static const char zero[8];
        char magic[8];
        fresh = size == 0 || (pread(fd, magic, 8, 0) == 8 && memcmp(magic, zero, 8) == 0);
    }
    if (fresh) {
        uint64_t capacity = devdax ? size : opts->capacity;
        if ((st = header_plan(&plan, capacity, item_max, opts->device_mode, opts->path)))
            goto fail;
        if (!devdax && (st = prepare_file(opts->path, capacity, fd)))
            goto fail;
        geometry = plan;
    } else if (size < POOL_HEADER_SIZE) {
        st = set_error(MNEMO_CORRUPT, "%s is truncated or not a Mnemo pool (%llu bytes)",
                       opts->path, (unsigned long long)size);
        goto fail;
    } else {
        pool_header h;
        if (pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
            st = set_error(MNEMO_IO, "cannot read pool header of %s: %s", opts->path,
                           strerror(errno));
            goto fail;
        }
        pool_header staged;
        if (pread(fd, &staged, sizeof staged, POOL_GROW_OFFSET) == (ssize_t)sizeof staged &&
            staged_header_applies(&staged, &h, size))
            h = staged;
        if ((st = header_check(&h, size, opts->path)))
            goto fail;
        geometry = h;
    }
    if ((st = map_pool(pool, opts->path, devdax, dax, &geometry, fresh && !devdax ? plan.capacity : size)))
        goto fail;
    if (!fresh && memcmp(pool->base, &geometry, sizeof geometry) != 0) {
        /* A grow was interrupted after it staged the new header: finish it. */
        memcpy(pool->base, &geometry, sizeof geometry);
        pool_persist(pool, pool->base, sizeof geometry);
    }
    if (!fresh) {
        memset(pool->base + POOL_GROW_OFFSET, 0, sizeof(pool_header));
        pool_persist(pool, pool->base + POOL_GROW_OFFSET, sizeof(pool_header));
    }
    if (fresh) {
        /* Metadata is zero on a fresh file; write the header last so a crash mid-create
         * leaves a file that fails validation rather than a half-made pool. */
        memset(pool->base + plan.page_table_off, 0, plan.data_off - plan.page_table_off);
        memset(pool->base + POOL_MUTABLE_OFFSET, 0, POOL_HEADER_SIZE - POOL_MUTABLE_OFFSET);
        pool_mutable m = {.cas_limit = 1};
        memcpy(pool->base + POOL_MUTABLE_OFFSET, &m, sizeof m);
        pool_persist(pool, pool->base + POOL_MUTABLE_OFFSET, plan.data_off - POOL_MUTABLE_OFFSET);
        memcpy(pool->base, &plan, sizeof plan);
        pool_persist(pool, pool->base, sizeof plan);
    }
    if ((st = pool_attach(pool, opts)))
        goto fail;
    int64_t t0 = clock_unix_ns();
    if ((st = recovery_run(pool)))
        goto fail;
    pool->recovery_ns = (uint64_t)(clock_unix_ns() - t0);
    *out = pool;
    return MNEMO_OK;
fail:
    pool_free(pool);
    if (created)
        unlink(opts->path);
    return st;
}

void mnemo_pool_close(mnemo_pool *pool)
{
    if (!pool)
        return;
    pool_drain(pool);
    pool_free(pool);
}

/*
 * Growing a live pool: the file is extended, its new part mapped right after the mapped part in
 * the pool's address reservation (the base address and every offset stay: readers and writers
 * keep running), then the header with the new capacity and page count is staged in the header
 * block, copied over the header, and the staged copy cleared. A crash before the staged copy is
 * whole leaves the old header (the file is merely longer); after, open finishes the copy. The new
 * pages are unassigned in the page table (zeroed at create) and join the free pages last.
 */
mnemo_status mnemo_pool_grow(mnemo_pool *pool, uint64_t capacity)
{
    clear_error();
    if (!pool)
        return set_error(MNEMO_INVALID, "mnemo_pool_grow: pool is required");
    if (!pool->reservation)
        return set_error(MNEMO_INVALID, "pool %s is a devdax device: its capacity is the device's",
                         pool->path);
    pthread_mutex_lock(&pool->admin_lock);
    mnemo_status st = MNEMO_OK;
    pool_header next = *pool->hdr;
    uint64_t limit = next.data_off + page_limit(&next) * next.page_size;
    if (capacity < next.capacity) {
        st = set_error(MNEMO_INVALID, "pool %s cannot shrink from %llu to %llu bytes", pool->path,
                       (unsigned long long)next.capacity, (unsigned long long)capacity);
        goto out;
    }
    if (capacity == next.capacity)
        goto out;
    if (capacity > limit) {
        st = set_error(MNEMO_INVALID,
                       "pool %s can grow to at most %llu bytes (its page table was sized at create), "
                       "not %llu", pool->path, (unsigned long long)limit, (unsigned long long)capacity);
        goto out;
    }
    if ((st = check_free_space(pool->path, capacity - next.capacity)) ||
        (st = allocate_file(pool->path, capacity, pool->fd)))
        goto out;
    uint64_t pages = (capacity - next.data_off) / next.page_size;
    uint64_t reach = next.data_off + pages * next.page_size;
    if (reach > pool->mapped &&
        (st = map_range(pool, pool->path, pool->device_mode != MNEMO_DEVICE_EMULATION, pool->mapped,
                        align_up(reach, POOL_ALIGN) - pool->mapped)))
        goto out;
    next.capacity = capacity;
    next.page_count = pages;
    next.header_crc = header_crc(&next);
    memcpy(pool->base + POOL_GROW_OFFSET, &next, sizeof next);
    pool_persist(pool, pool->base + POOL_GROW_OFFSET, sizeof next);
    memcpy(pool->hdr, &next, sizeof next);
    pool_persist(pool, pool->hdr, sizeof next);
    memset(pool->base + POOL_GROW_OFFSET, 0, sizeof next);
    pool_persist(pool, pool->base + POOL_GROW_OFFSET, sizeof next);
    st = slabs_add_pages(pool, pages);
out:
    pthread_mutex_unlock(&pool->admin_lock);
    return st;
}

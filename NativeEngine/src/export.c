/*
 * export.c — snapshot export to, and import from, a portable file.
 *
 * File: a 64-byte header (magic, format version, item count, payload length, source snapshot,
 * creation time, CRC32C of the payload, CRC32C of the header), then `count` records:
 * { u32 key_len, u32 value_len, u32 flags, u32 exptime (absolute unix s, 0 = never),
 *   u32 state (MNEMO_ITEM_STALE or 0), u32 reserved (0), u64 cas } key value.
 * Little-endian. Export writes `path.tmp` and renames it, so `path` is never half-written.
 *
 * Version 2 records lack the reserved word and the CAS, version 1 records the state word too.
 * Such files still import, every item fresh and with a new CAS: that is all they ever recorded,
 * and refusing them would strand exports taken before the later versions.
 *
 * Export speed: the records are gathered and checksummed into a ring of buffers while a writer
 * thread writes the filled ones, so the copying overlaps the file system's work and each write is
 * a whole buffer, one syscall per MiB, never one per item.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"

#define EXPORT_MAGIC "MNEMOEXP"
#define EXPORT_VERSION 3u
#define EXPORT_VERSION_STATELESS 1u /* records without the state word */
#define EXPORT_VERSION_CASLESS 2u   /* records without the reserved word and the CAS */

typedef struct export_header {
    char magic[8];
    uint32_t version;
    uint32_t header_size;
    uint64_t count;
    uint64_t payload_bytes;
    uint64_t snapshot;
    int64_t created_unix_ns;
    uint32_t payload_crc;
    uint32_t reserved[2];
    uint32_t header_crc;        /* over the bytes before it */
} export_header;

typedef struct export_record {
    uint32_t key_len;
    uint32_t value_len;
    uint32_t flags;
    uint32_t exptime;
    uint32_t state;    /* absent from version 1 records */
    uint32_t reserved; /* absent from version 1 and 2 records */
    uint64_t cas;      /* absent from version 1 and 2 records */
} export_record;

_Static_assert(sizeof(export_header) == 64, "export header is 64 bytes");
_Static_assert(sizeof(export_record) == 32, "export record is 32 bytes");

/* The bytes of a record's fixed part in a file of the given version. */
static size_t record_size(uint32_t version)
{
    return version == EXPORT_VERSION_STATELESS ? offsetof(export_record, state)
         : version == EXPORT_VERSION_CASLESS   ? offsetof(export_record, reserved)
                                               : sizeof(export_record);
}

/* Reads the fixed part of a record; a version 1 record is fresh, a version 1 or 2 one has no CAS. */
static export_record record_read(const uint8_t *p, uint32_t version)
{
    export_record r = {0};
    memcpy(&r, p, record_size(version));
    return r;
}

/* The buffers of the ring, and the size of each; a record never spans two. */
#define WRITE_BUFFERS 4u
#define WRITE_BUFFER (1u << 20)

/* A ring of buffers: the exporting thread fills and checksums one while the writer thread
 * writes those handed over before it, in order. More than two buffers let either thread run
 * ahead while the other one waits for a CPU, so neither waits for the other's wake-up on a busy
 * machine. Buffer number n (counting from 0) is bufs[n % WRITE_BUFFERS]; `handed` and `written`
 * count the buffers handed over and written; `closing` ends the thread once all are written. */
typedef struct export_writer {
    int fd;
    uint8_t *bufs[WRITE_BUFFERS];
    size_t lens[WRITE_BUFFERS]; /* bytes of each buffer handed over */
    size_t size;            /* bytes of each buffer */
    size_t used;            /* bytes in the buffer being filled, bufs[handed % WRITE_BUFFERS] */
    size_t crc_from;        /* first byte of it the payload checksum covers (after the header) */
    uint64_t count, bytes;
    uint32_t crc;
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    uint64_t handed, written;
    bool closing;
    int error;              /* errno of the first failed write, or -1 for a short one */
} export_writer;

static int write_all(int fd, const uint8_t *buf, size_t len)
{
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, buf + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : -1;
        off += (size_t)n;
    }
    return 0;
}

static void *writer_main(void *arg)
{
    export_writer *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (w->written == w->handed && !w->closing)
            pthread_cond_wait(&w->changed, &w->lock);
        if (w->written == w->handed)
            break;
        uint32_t b = (uint32_t)(w->written % WRITE_BUFFERS);
        bool failed = w->error != 0;
        pthread_mutex_unlock(&w->lock);
        int error = failed ? 0 : write_all(w->fd, w->bufs[b], w->lens[b]);
        pthread_mutex_lock(&w->lock);
        if (error && !w->error)
            w->error = error;
        w->written++;
        pthread_cond_broadcast(&w->changed);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static uint8_t *filling(export_writer *w) { return w->bufs[w->handed % WRITE_BUFFERS]; }

/* Checksums the filled buffer, hands it to the writer thread, and waits until the next one in
 * the ring is written, to fill it. */
static void hand_over(export_writer *w)
{
    if (w->used == 0)
        return;
    w->crc = crc32c(w->crc, filling(w) + w->crc_from, w->used - w->crc_from);
    pthread_mutex_lock(&w->lock);
    w->lens[w->handed % WRITE_BUFFERS] = w->used;
    w->handed++;
    pthread_cond_broadcast(&w->changed);
    while (w->handed - w->written == WRITE_BUFFERS)
        pthread_cond_wait(&w->changed, &w->lock);
    pthread_mutex_unlock(&w->lock);
    w->used = 0;
    w->crc_from = 0;
}

/* Waits until every buffer handed over is written and stops the thread; the first error, or 0. */
static int writer_close(export_writer *w)
{
    if (!w->started)
        return 0;
    pthread_mutex_lock(&w->lock);
    w->closing = true;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    w->started = false;
    return w->error;
}

/* Stores a record's word at its offset in the buffer (records are not aligned). */
static inline void put_u32(uint8_t *dst, size_t field, uint32_t v) { memcpy(dst + field, &v, 4); }

/* The fixed part goes into the buffer field by field rather than assembled on the stack and
 * copied whole, where perf put most of the per-item time (the record read back right after its
 * stores). */
static void put_item(export_writer *w, item *it)
{
    size_t kv = (size_t)it->key_len + it->value_len;
    if (w->used + sizeof(export_record) + kv > w->size)
        hand_over(w);
    uint8_t *dst = filling(w) + w->used;
    put_u32(dst, offsetof(export_record, key_len), it->key_len);
    put_u32(dst, offsetof(export_record, value_len), it->value_len);
    put_u32(dst, offsetof(export_record, flags), it->flags);
    put_u32(dst, offsetof(export_record, exptime),
            __atomic_load_n(&it->exptime, __ATOMIC_RELAXED));
    /* Only STALE travels: TOKEN_SENT belongs to the readers of this pool's live view. */
    put_u32(dst, offsetof(export_record, state), item_state(it) & MNEMO_ITEM_STALE);
    put_u32(dst, offsetof(export_record, reserved), 0);
    memcpy(dst + offsetof(export_record, cas), &it->cas, sizeof it->cas);
    memcpy(dst + sizeof(export_record), item_key(it), kv);
    w->used += sizeof(export_record) + kv;
    w->bytes += sizeof(export_record) + kv;
    w->count++;
}

/* Versions visible in a snapshot are never freed while it exists and the region is held shared,
 * and their key and value never change: read them in place, a page at a time while its chunk
 * headers are still in cache. The refs are all of one page, so its base and chunk size are
 * looked up once. */
static void put_page(mnemo_pool *pool, const ref_vec *refs, void *ctx)
{
    uint32_t page = ref_page(pool, refs->refs[0]);
    uint8_t *base = pool->data + (uint64_t)page * pool->page_size;
    uint64_t chunk = pool->classes[page_class(pool, page)].chunk_size;
    for (size_t i = 0; i < refs->len; i++) {
        item *it = (item *)(base + ref_slot(pool, refs->refs[i]) * chunk);
        if (!item_is_tombstone(it))
            put_item(ctx, it);
    }
}

/* Export's ring and import's copy of the file are mapped with their pages populated at once:
 * touching fresh pages one fault at a time costs more than the copying into them. (A mapping
 * of 0 bytes is refused: an empty file gets one page.) */
static uint8_t *buffer_alloc(size_t size)
{
    void *p = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void buffer_free(uint8_t *p, size_t size)
{
    if (p)
        munmap(p, size ? size : 1);
}

static bool in_snapshot(const mnemo_pool *pool, const item *it, void *ctx)
{
    (void)pool;
    return snapshot_sees(ctx, item_created(it), item_deleted(it));
}

mnemo_status mnemo_snapshot_export(mnemo_pool *pool, uint32_t region, uint64_t id,
                                   const char *path)
{
    clear_error();
    if (!pool || !path)
        return set_error(MNEMO_INVALID, "pool and path are required");
    mnemo_status st = region_enter(pool, region, false);
    if (st != MNEMO_OK)
        return st;
    const snapshot_entry *snap = snapshot_find(&pool->regions[region], id);
    if (!snap) {
        region_leave(pool, region);
        return set_error(MNEMO_NOT_FOUND, "region %u has no snapshot %llu", region,
                         (unsigned long long)id);
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    size_t largest = sizeof(export_record) + pool->item_size_max;
    export_writer w = {.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644),
                       .size = largest > WRITE_BUFFER ? largest : WRITE_BUFFER,
                       .used = sizeof(export_header), .crc_from = sizeof(export_header),
                       .lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};
    uint8_t *ring = buffer_alloc(WRITE_BUFFERS * w.size);
    for (uint32_t b = 0; ring && b < WRITE_BUFFERS; b++)
        w.bufs[b] = ring + b * w.size;
    if (w.fd < 0 || !ring) {
        st = w.fd < 0 ? set_error(MNEMO_IO, "cannot create export file %s: %s", tmp, strerror(errno))
                      : set_error(MNEMO_NO_MEMORY, "out of memory for the export buffers");
        goto out;
    }
    memset(w.bufs[0], 0, sizeof(export_header)); /* placeholder, rewritten at the end */
    if (pthread_create(&w.thread, NULL, writer_main, &w) != 0) {
        st = set_error(MNEMO_NO_MEMORY, "cannot start the export writer thread");
        goto out;
    }
    w.started = true;
    if ((st = scan_pages(pool, region, in_snapshot, (void *)snap, put_page, &w)) != MNEMO_OK)
        goto out;
    hand_over(&w);
    int error = writer_close(&w);
    export_header h = {0};
    memcpy(h.magic, EXPORT_MAGIC, 8);
    h.version = EXPORT_VERSION;
    h.header_size = sizeof h;
    h.count = w.count;
    h.payload_bytes = w.bytes;
    h.snapshot = id;
    h.created_unix_ns = clock_unix_ns();
    h.payload_crc = w.crc;
    h.header_crc = crc32c(0, &h, offsetof(export_header, header_crc));
    if (!error && (pwrite(w.fd, &h, sizeof h, 0) != (ssize_t)sizeof h || fsync(w.fd) != 0))
        error = errno ? errno : -1;
    if (error) {
        st = set_error(MNEMO_IO, "cannot write export file %s: %s", tmp,
                       error > 0 ? strerror(error) : "short write");
        goto out;
    }
    if (rename(tmp, path) != 0)
        st = set_error(MNEMO_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
out:
    writer_close(&w);
    if (w.fd >= 0)
        close(w.fd);
    buffer_free(ring, WRITE_BUFFERS * w.size);
    if (st != MNEMO_OK)
        unlink(tmp);
    region_leave(pool, region);
    return st;
}

static mnemo_status read_file(const char *path, uint8_t **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return set_error(MNEMO_IO, "cannot open import file %s: %s", path, strerror(errno));
    struct stat sb;
    mnemo_status st = MNEMO_OK;
    if (fstat(fd, &sb) != 0) {
        st = set_error(MNEMO_IO, "cannot stat %s: %s", path, strerror(errno));
        goto out;
    }
    *len = (size_t)sb.st_size;
    *data = buffer_alloc(*len);
    if (!*data) {
        st = set_error(MNEMO_NO_MEMORY, "out of memory reading %zu bytes of %s", *len, path);
        goto out;
    }
    for (size_t off = 0; off < *len;) {
        ssize_t n = read(fd, *data + off, *len - off);
        if (n <= 0) {
            st = set_error(MNEMO_IO, "cannot read %s: %s", path, n < 0 ? strerror(errno) : "EOF");
            buffer_free(*data, *len);
            *data = NULL;
            goto out;
        }
        off += (size_t)n;
    }
out:
    close(fd);
    return st;
}

/* Checks everything before the region is touched: a bad file changes nothing. */
static mnemo_status verify(mnemo_pool *pool, const char *path, const uint8_t *data, size_t len,
                           const export_header **out, uint64_t *max_cas)
{
    const export_header *h = (const export_header *)data;
    if (len < sizeof *h || memcmp(h->magic, EXPORT_MAGIC, 8) != 0)
        return set_error(MNEMO_CORRUPT, "%s is not a Mnemo export file", path);
    if (h->header_crc != crc32c(0, h, offsetof(export_header, header_crc)))
        return set_error(MNEMO_CORRUPT, "%s: export header checksum mismatch", path);
    if (h->version < EXPORT_VERSION_STATELESS || h->version > EXPORT_VERSION ||
        h->header_size != sizeof *h)
        return set_error(MNEMO_CORRUPT, "%s: export format version %u is not supported (this "
                         "engine reads versions %u to %u)", path, h->version,
                         EXPORT_VERSION_STATELESS, EXPORT_VERSION);
    if (len - sizeof *h != h->payload_bytes)
        return set_error(MNEMO_CORRUPT, "%s is truncated or padded: %zu payload bytes, header "
                         "says %llu", path, len - sizeof *h,
                         (unsigned long long)h->payload_bytes);
    if (crc32c(0, data + sizeof *h, h->payload_bytes) != h->payload_crc)
        return set_error(MNEMO_CORRUPT, "%s: export payload checksum mismatch", path);
    const uint8_t *p = data + sizeof *h, *end = data + len;
    size_t fixed = record_size(h->version);
    for (uint64_t i = 0; i < h->count; i++) {
        if ((size_t)(end - p) < fixed)
            return set_error(MNEMO_CORRUPT, "%s: record %llu is cut short", path,
                             (unsigned long long)i);
        export_record r = record_read(p, h->version);
        if (r.key_len == 0 || r.key_len > MNEMO_KEY_MAX ||
            (uint64_t)(end - p) - fixed < (uint64_t)r.key_len + r.value_len)
            return set_error(MNEMO_CORRUPT, "%s: record %llu is malformed", path,
                             (unsigned long long)i);
        if (r.state & ~MNEMO_ITEM_STALE)
            return set_error(MNEMO_CORRUPT, "%s: record %llu has unknown state bits 0x%x", path,
                             (unsigned long long)i, r.state);
        if (h->version == EXPORT_VERSION && (r.reserved != 0 || r.cas == 0))
            return set_error(MNEMO_CORRUPT, "%s: record %llu has %s", path, (unsigned long long)i,
                             r.cas == 0 ? "no CAS" : "a non-zero reserved word");
        if (r.cas > *max_cas)
            *max_cas = r.cas;
        if (sizeof(item) + (uint64_t)r.key_len + r.value_len > pool->item_size_max)
            return set_error(MNEMO_TOO_LARGE, "%s: record %llu (%u-byte value) exceeds the item "
                             "size limit of %u bytes", path, (unsigned long long)i, r.value_len,
                             pool->item_size_max);
        p += fixed + r.key_len + r.value_len;
    }
    if (p != end)
        return set_error(MNEMO_CORRUPT, "%s: %zu bytes after the last record", path,
                         (size_t)(end - p));
    *out = h;
    return MNEMO_OK;
}

mnemo_status mnemo_snapshot_import(mnemo_pool *pool, uint32_t region, const char *path,
                                   uint64_t *id_out)
{
    clear_error();
    if (!pool || !path)
        return set_error(MNEMO_INVALID, "pool and path are required");
    uint8_t *data = NULL;
    size_t len = 0;
    const export_header *h = NULL;
    uint64_t max_cas = 0;
    mnemo_status st = read_file(path, &data, &len);
    if (st == MNEMO_OK)
        st = verify(pool, path, data, len, &h, &max_cas);
    if (st == MNEMO_OK)
        st = region_enter(pool, region, true);
    if (st != MNEMO_OK) {
        buffer_free(data, len);
        return st;
    }
    uint64_t epoch = 0;
    ref_vec staged = {0};
    st = switch_begin_import(pool, region, &epoch);
    /* Items keep the CAS the file recorded; the counter moves past them so no later write of
     * this pool reuses one. */
    cas_observe(pool, max_cas);
    const uint8_t *p = data + sizeof *h;
    size_t fixed = record_size(h->version);
    for (uint64_t i = 0; st == MNEMO_OK && i < h->count; i++) {
        export_record r = record_read(p, h->version);
        p += fixed;
        st = stage_item(pool, region, epoch, p, r.key_len, p + r.key_len, r.value_len, r.flags,
                        r.exptime, r.cas ? r.cas : cas_next(pool), r.state, &staged);
        p += r.key_len + r.value_len;
    }
    if (st == MNEMO_OK) {
        switch_commit(pool, region, &staged);
        if (id_out)
            *id_out = epoch;
    } else if (epoch != 0) {
        staged_discard(pool, region, &staged);
    }
    ref_vec_free(&staged);
    region_leave(pool, region);
    buffer_free(data, len);
    return st;
}

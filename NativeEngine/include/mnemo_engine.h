/*
 * mnemo_engine.h — the C ABI of Mnemo's per-node persistent-memory engine.
 *
 * One pool (a devdax device, a file on an fsdax mount, or DRAM emulation) holds several
 * independent regions (keyspaces). Items follow memcached semantics. Every acknowledged write
 * is durable and crash-atomic; snapshots are epochs and cost O(1) to create.
 *
 * Conventions
 *  - Every function returns a mnemo_status. On anything but MNEMO_OK (and the "expected"
 *    outcomes NOT_FOUND / EXISTS / NOT_STORED) mnemo_last_error() gives a message for the
 *    calling thread.
 *  - All functions are thread-safe on one pool. Keys are byte strings of 1..MNEMO_KEY_MAX bytes;
 *    which characters a key may hold is the protocol layers' rule, not the engine's.
 *  - Times: exptime follows memcached: 0 = never, 1..2592000 (30 days) = relative seconds,
 *    larger = absolute unix time, negative = already expired.
 */
#ifndef MNEMO_ENGINE_H
#define MNEMO_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MNEMO_API __attribute__((visibility("default")))
#else
#define MNEMO_API
#endif

#define MNEMO_KEY_MAX 250
#define MNEMO_REGION_NAME_MAX 63
#define MNEMO_ITEM_SIZE_MAX_DEFAULT (1024u * 1024u)

typedef enum mnemo_status {
    MNEMO_OK = 0,
    MNEMO_NOT_FOUND = 1,      /* key (or region, snapshot) does not exist */
    MNEMO_EXISTS = 2,         /* cas mismatch; region name taken */
    MNEMO_NOT_STORED = 3,     /* add on existing key, replace/append/prepend on missing key */
    MNEMO_TOO_LARGE = 4,      /* item larger than the configured item size limit */
    MNEMO_NO_MEMORY = 5,      /* pool full and nothing evictable (or eviction disabled) */
    MNEMO_NON_NUMERIC = 6,    /* incr/decr on a value that is not a decimal uint64 */
    MNEMO_BAD_KEY = 7,        /* empty key or longer than MNEMO_KEY_MAX */
    MNEMO_INVALID = 8,        /* invalid argument */
    MNEMO_IO = 9,             /* the device or file could not be created, mapped or read */
    MNEMO_CORRUPT = 10,       /* foreign, truncated or damaged pool / export file */
    MNEMO_BUFFER_TOO_SMALL = 11, /* value did not fit; *value_len holds the needed size */
    MNEMO_LIMIT = 12          /* a fixed table is full (regions, snapshots) */
} mnemo_status;

typedef enum mnemo_device_mode {
    MNEMO_DEVICE_EMULATION = 0, /* a regular file (typically under /dev/shm) in DRAM */
    MNEMO_DEVICE_FSDAX = 1,     /* a file on a DAX-mounted filesystem */
    MNEMO_DEVICE_DEVDAX = 2     /* a /dev/daxX.Y character device; capacity comes from it */
} mnemo_device_mode;

enum mnemo_open_flags {
    MNEMO_OPEN_CREATE = 1u << 0,   /* create the pool when it does not exist */
    MNEMO_OPEN_NO_EVICT = 1u << 1  /* when full, fail stores with MNEMO_NO_MEMORY instead of LRU eviction */
};

typedef struct mnemo_pool_options {
    const char *path;          /* file or device path */
    uint64_t capacity;         /* bytes; used on create (ignored for devdax: the device size) */
    uint32_t device_mode;      /* mnemo_device_mode */
    uint32_t flags;            /* mnemo_open_flags */
    uint32_t item_size_max;    /* 0 = MNEMO_ITEM_SIZE_MAX_DEFAULT */
    uint32_t reserved;
} mnemo_pool_options;

typedef struct mnemo_pool mnemo_pool;

typedef enum mnemo_store_mode {
    MNEMO_SET = 0,
    MNEMO_ADD = 1,
    MNEMO_REPLACE = 2,
    MNEMO_APPEND = 3,
    MNEMO_PREPEND = 4,
    MNEMO_CAS = 5
} mnemo_store_mode;

/* What a read reports about an item besides its value. */
typedef struct mnemo_item_info {
    uint32_t flags;          /* client flags */
    uint32_t value_len;      /* length of the value in bytes */
    int64_t exptime;         /* absolute unix time, 0 = never */
    uint64_t cas;            /* CAS unique */
    int64_t last_access;     /* unix time of the last access */
    uint32_t fetched;        /* 1 when the item had been read before this call */
    uint32_t state;          /* MNEMO_ITEM_* bits */
} mnemo_item_info;

/* mnemo_item_info.state bits (memcached's ITEM_STALE / ITEM_TOKEN_SENT and the meta protocol's
 * W / X / Z reply flags). */
#define MNEMO_ITEM_STALE 1u      /* invalidated (ms I / md I); the value is served marked stale */
#define MNEMO_ITEM_TOKEN_SENT 2u /* a reader had already won the right to recache before this call */
#define MNEMO_ITEM_WON 4u        /* this read won the right to recache (memcached's W) */
#define MNEMO_ITEM_VIVIFIED 8u   /* this read created the item on a miss (mg N) */
#define MNEMO_ITEM_TOMBSTONE 16u /* mnemo_region_scan_versions: a delete's tombstone (no value) */

enum mnemo_read_opts {
    MNEMO_READ_TOUCH = 1,   /* set the exptime (mg T, gat) */
    MNEMO_READ_VIVIFY = 2,  /* on a miss create an empty item and win (mg N) */
    MNEMO_READ_RECACHE = 4, /* with LEASE: win when the remaining TTL is below recache_below (mg R) */
    MNEMO_READ_LEASE = 8,   /* lease semantics (every mg): a stale item nobody has won is won, and
                               RECACHE may win; a read without it never wins nor sets TOKEN_SENT */
    MNEMO_READ_EXPTIME_BEFORE_TOUCH = 16, /* info->exptime of a hit reports the exptime it had
                                             before this read's TOUCH (mg t written before T); a
                                             vivified item reports the exptime it was given */
    /* memcached applies mg's flags in the order written; these two say where T stood (default:
     * N, T, R). */
    MNEMO_READ_TOUCH_BEFORE_VIVIFY = 32,  /* T before N: a vivified item gets vivify_exptime, the
                                             later flag's (mg T60 N30) */
    MNEMO_READ_RECACHE_BEFORE_TOUCH = 64, /* R before T: RECACHE judges the exptime the item had
                                             before this read's TOUCH (mg R30 T60) */
    MNEMO_READ_NO_VALUE = 128 /* metadata only (mg without v, me, a touch): copies no value
                                 (value_buf may be NULL), *value_len gets the item's length */
};

/* Options of a read; a NULL pointer is a plain read. */
typedef struct mnemo_read_args {
    int64_t touch_exptime;   /* MNEMO_READ_TOUCH: new exptime (memcached exptime rules, like mnemo_touch) */
    int64_t vivify_exptime;  /* MNEMO_READ_VIVIFY: exptime of the empty item (flags 0) created on a miss */
    int64_t recache_below;   /* MNEMO_READ_RECACHE (with LEASE): win when the item has a TTL and less
                                than this many seconds remain */
    uint64_t cas_new;        /* CAS a vivified item gets; 0 = the engine assigns one */
    uint32_t opts;           /* mnemo_read_opts bits */
    uint32_t reserved;       /* 0 */
} mnemo_read_args;

enum mnemo_write_opts {
    /* store: a non-zero cas_in OLDER than the item's CAS stores the value marked stale, keeping the
     * item's exptime and TOKEN_SENT (ms I); delete: mark the item stale, clear TOKEN_SENT and give it
     * a new CAS instead of deleting it (md I). */
    MNEMO_WRITE_INVALIDATE = 1,
    MNEMO_WRITE_SET_EXPTIME = 2, /* delete with INVALIDATE: also set the exptime (md I T) */
    MNEMO_WRITE_STALE = 4,       /* store the new version marked stale (copying a stale item as is) */
    /* Last writer wins: cas_new (required) is the write's version, and the write is applied only
     * when it is newer than the key's current version, else MNEMO_EXISTS and nothing changes. For
     * MNEMO_SET without cas_in, and a delete (which may compare cas_in: md C). The delete leaves a tombstone holding its version until
     * args->exptime (with MNEMO_WRITE_SET_EXPTIME; default MNEMO_TOMBSTONE_TTL seconds), so that an
     * older write arriving later is refused; a tombstone is invisible to every other operation. */
    MNEMO_WRITE_ORDERED = 8,
    /* The new version's CAS is cas_new, raised to one above the key's current version (item or
     * tombstone) when it is not newer, so versions of a key only grow where it is written. */
    MNEMO_WRITE_ADVANCE = 16
};

#define MNEMO_TOMBSTONE_TTL 60

/* Options of a write; a NULL pointer is a plain write. */
typedef struct mnemo_write_args {
    uint64_t cas_in;   /* compare: required for MNEMO_CAS, checked for any mode/op when non-zero */
    uint64_t cas_new;  /* the CAS the written version gets; 0 = the engine assigns the next one */
    int64_t exptime;   /* MNEMO_WRITE_SET_EXPTIME */
    uint32_t opts;     /* mnemo_write_opts bits */
    uint32_t reserved; /* 0 */
} mnemo_write_args;

typedef struct mnemo_pool_stats {
    uint64_t capacity;           /* bytes of the pool */
    uint64_t data_capacity;      /* bytes available for items (capacity less metadata) */
    uint64_t bytes_used;         /* bytes of slab chunks holding live or retained items */
    uint64_t item_bytes;         /* sum of live item sizes (header + key + value) */
    uint64_t items;              /* live items over all regions */
    uint64_t index_bytes;        /* DRAM used by the volatile index */
    uint64_t evictions;
    uint64_t hits;
    uint64_t misses;
    uint64_t snapshots;          /* over all regions */
    uint64_t snapshot_retained_bytes; /* bytes kept only because a snapshot needs them */
    uint64_t regions;
    uint64_t recovery_ns;        /* time the last open spent rebuilding/recovering */
    uint64_t item_size_max;
    uint32_t device_mode;
    uint32_t slab_classes;
} mnemo_pool_stats;

typedef struct mnemo_region_stats {
    uint32_t id;
    char name[MNEMO_REGION_NAME_MAX + 1];
    uint64_t items;
    uint64_t item_bytes;
    uint64_t bytes_used;
    uint64_t hits;
    uint64_t misses;
    uint64_t evictions;
    uint64_t snapshots;
    uint64_t snapshot_retained_bytes;
    uint64_t epoch;              /* current epoch */
    uint64_t cmd_set;
    uint64_t cmd_get;
} mnemo_region_stats;

typedef struct mnemo_slab_stats {
    uint32_t class_id;
    uint32_t chunk_size;
    uint64_t pages;              /* pages assigned to this class */
    uint64_t chunks_total;
    uint64_t chunks_used;
    uint64_t evictions;
} mnemo_slab_stats;

typedef struct mnemo_snapshot_info {
    uint64_t id;                 /* the snapshot's epoch; unique within its region */
    int64_t created_unix_ns;
    uint64_t items;              /* items visible in the snapshot */
    uint64_t bytes;              /* their item bytes */
} mnemo_snapshot_info;

/* Called once per item by mnemo_region_scan; return non-zero to stop. Pointers are valid only
 * during the call. */
typedef int (*mnemo_scan_fn)(void *ctx, const uint8_t *key, uint32_t key_len,
                             const uint8_t *value, uint32_t value_len,
                             const mnemo_item_info *info);

/* ---- errors ---- */
MNEMO_API const char *mnemo_last_error(void);          /* this thread's last error message */
MNEMO_API const char *mnemo_status_name(mnemo_status s);

/* ---- pool ---- */
MNEMO_API mnemo_status mnemo_pool_open(const mnemo_pool_options *opts, mnemo_pool **out);
MNEMO_API void mnemo_pool_close(mnemo_pool *pool);
MNEMO_API mnemo_status mnemo_pool_stats_get(mnemo_pool *pool, mnemo_pool_stats *out);
/* Grows an open emulation or fsdax pool to `capacity` bytes while it serves: the file is extended
 * and mapped after the mapped part (addresses and regions stay), and the new pages become free.
 * MNEMO_INVALID for a devdax pool, a smaller capacity (pools do not shrink), or more than the
 * page table sized at create allows (at least 16 times the created capacity); the same capacity is a no-op. */
MNEMO_API mnemo_status mnemo_pool_grow(mnemo_pool *pool, uint64_t capacity);
/* Fills up to cap entries; *count gets the number of slab classes in use. */
MNEMO_API mnemo_status mnemo_slab_stats_get(mnemo_pool *pool, mnemo_slab_stats *out, uint32_t cap,
                                            uint32_t *count);
/* Test hook: pretend the clock is now + offset seconds (for expiry tests). */
MNEMO_API void mnemo_clock_advance(mnemo_pool *pool, int64_t seconds);

/* ---- regions ---- */
MNEMO_API mnemo_status mnemo_region_create(mnemo_pool *pool, const char *name, uint32_t *id_out);
MNEMO_API mnemo_status mnemo_region_find(mnemo_pool *pool, const char *name, uint32_t *id_out);
MNEMO_API mnemo_status mnemo_region_drop(mnemo_pool *pool, uint32_t region);
MNEMO_API mnemo_status mnemo_region_list(mnemo_pool *pool, mnemo_region_stats *out, uint32_t cap,
                                         uint32_t *count);
MNEMO_API mnemo_status mnemo_region_stats_get(mnemo_pool *pool, uint32_t region,
                                              mnemo_region_stats *out);
/* Visits the items of the live view (snapshot = 0) or of a snapshot. */
MNEMO_API mnemo_status mnemo_region_scan(mnemo_pool *pool, uint32_t region, uint64_t snapshot,
                                         mnemo_scan_fn fn, void *ctx);
/* Visits the live view's versions: its items and the tombstones of ordered deletes that have not
 * expired (state MNEMO_ITEM_TOMBSTONE, CAS = the delete's version, empty value), so replicas can
 * compare what they hold and which deletes they saw (anti-entropy). */
MNEMO_API mnemo_status mnemo_region_scan_versions(mnemo_pool *pool, uint32_t region,
                                                  mnemo_scan_fn fn, void *ctx);

/* ---- items ---- */
/* Every write gives the version it writes a CAS: args->cas_new when non-zero, else the engine's
 * next one. The engine keeps its counter above every CAS it has stored, across reopen. */

/* Copies the value into value_buf. When it does not fit, returns MNEMO_BUFFER_TOO_SMALL with
 * *value_len = needed size and info filled (nothing else happens); with MNEMO_READ_NO_VALUE
 * nothing is copied and any buffer fits. info may be NULL; info->state
 * reports the MNEMO_ITEM_* bits. args (may be NULL) asks for touch, vivify-on-miss, lease and
 * recache (memcached mg T, N, R); a vivified item is returned as an empty value with MNEMO_OK.
 * Only a LEASE read (or a vivifying one) wins; plain reads (get, gat, copies) leave the state. */
MNEMO_API mnemo_status mnemo_get(mnemo_pool *pool, uint32_t region, const uint8_t *key,
                                 uint32_t key_len, uint8_t *value_buf, uint32_t value_cap,
                                 uint32_t *value_len, mnemo_item_info *info,
                                 const mnemo_read_args *args);
/* args->cas_in is required for MNEMO_CAS and, when non-zero, checked for every other mode too
 * (the meta protocol's compare-and-swap). *cas_out (may be NULL) gets the new CAS unique. */
MNEMO_API mnemo_status mnemo_store(mnemo_pool *pool, uint32_t region, mnemo_store_mode mode,
                                   const uint8_t *key, uint32_t key_len, const uint8_t *value,
                                   uint32_t value_len, uint32_t flags, int64_t exptime,
                                   const mnemo_write_args *args, uint64_t *cas_out);
/* Deletes the item (with MNEMO_WRITE_INVALIDATE: marks it stale); a non-zero args->cas_in must
 * match the item's CAS. */
MNEMO_API mnemo_status mnemo_delete(mnemo_pool *pool, uint32_t region, const uint8_t *key,
                                    uint32_t key_len, const mnemo_write_args *args);
/* incr wraps at 2^64, decr floors at 0. *value_out gets the new value. A non-zero args->cas_in
 * must match the item's CAS (ma C). */
MNEMO_API mnemo_status mnemo_arith(mnemo_pool *pool, uint32_t region, const uint8_t *key,
                                   uint32_t key_len, int decr, uint64_t delta,
                                   const mnemo_write_args *args, uint64_t *value_out,
                                   uint64_t *cas_out);
/* Sets the exptime; does not change the CAS (as in memcached). */
MNEMO_API mnemo_status mnemo_touch(mnemo_pool *pool, uint32_t region, const uint8_t *key,
                                   uint32_t key_len, int64_t exptime);
/* Invalidates every item of the region stored before now + delay seconds (memcached
 * flush_all [delay]). O(1): the flushed items are reclaimed when next met; snapshots taken before
 * the flush keep them. */
MNEMO_API mnemo_status mnemo_flush(mnemo_pool *pool, uint32_t region, int64_t delay);

/* ---- snapshots ---- */
MNEMO_API mnemo_status mnemo_snapshot_create(mnemo_pool *pool, uint32_t region, uint64_t *id_out);
MNEMO_API mnemo_status mnemo_snapshot_list(mnemo_pool *pool, uint32_t region,
                                           mnemo_snapshot_info *out, uint32_t cap, uint32_t *count);
MNEMO_API mnemo_status mnemo_snapshot_delete(mnemo_pool *pool, uint32_t region, uint64_t id);
/* The region's live view becomes exactly the snapshot's state. Crash-atomic. */
MNEMO_API mnemo_status mnemo_snapshot_restore(mnemo_pool *pool, uint32_t region, uint64_t id);
/* Writes the snapshot's items to a portable, checksummed file. */
MNEMO_API mnemo_status mnemo_snapshot_export(mnemo_pool *pool, uint32_t region, uint64_t id,
                                             const char *path);
/* Replaces the region's live view with the file's items (crash-atomic) and records that state
 * as a new snapshot, whose id goes to *id_out. */
MNEMO_API mnemo_status mnemo_snapshot_import(mnemo_pool *pool, uint32_t region, const char *path,
                                             uint64_t *id_out);

#ifdef __cplusplus
}
#endif
#endif /* MNEMO_ENGINE_H */

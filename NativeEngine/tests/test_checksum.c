/* test_checksum.c — CRC32C: the three-stream path gives the one-stream and table values.
 *
 * Includes checksum.c itself to reach its static paths; the library's copy is hidden. */
#include "checksum.c"

#include "testutil.h"

enum { MAX_LEN = 3 << 20 };

static uint8_t *data;

/* Every path from the same register, at every 8-byte misalignment of the start. */
static void check_paths(uint32_t seed, size_t len)
{
    for (size_t off = 0; off < 8; off++) {
        const uint8_t *p = data + off;
        uint32_t want = crc32c_table(seed, p, len);
#if defined(__x86_64__)
        if (have_sse42) {
            if (crc32c_hw(seed, p, len) != want || crc32c_hw3(seed, p, len) != want) {
                fprintf(stderr, "\nlength %zu offset %zu seed %08x: table %08x, one stream "
                        "%08x, three streams %08x\n", len, off, seed, want,
                        crc32c_hw(seed, p, len), crc32c_hw3(seed, p, len));
                exit(1);
            }
        }
#endif
    }
}

static void known_value(void)
{
    CHECK(crc32c(0, "123456789", 9) == 0xE3069283u);
    CHECK(crc32c(0, "", 0) == 0);
}

/* Every length through the short blocks (3 x 256 bytes) and a few of them. */
static void short_lengths(void)
{
    for (size_t len = 0; len <= 4 * 3 * SHORT_PART + 17; len++) {
        check_paths(0, len);
        check_paths(0xFFFFFFFFu, len);
    }
}

/* Around the long blocks (3 x 8 KiB), with and without short blocks and a tail after them. */
static void long_lengths(void)
{
    const size_t block = 3 * LONG_PART, sblock = 3 * SHORT_PART;
    const size_t bases[] = {block, 2 * block, 7 * block, (size_t)1 << 20, (size_t)1 << 21};
    const size_t extras[] = {0, 1, 7, 8, sblock - 1, sblock, sblock + 9, 5 * sblock + 3, block - 1};
    for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++)
        for (size_t e = 0; e < sizeof extras / sizeof extras[0]; e++) {
            check_paths(0x12345678u, bases[b] + extras[e]);
            if (bases[b] > 8)
                check_paths(0x9ABCDEF0u, bases[b] - extras[e] % 8 - 1);
        }
}

/* A checksum continued over split data equals the one over the whole (the export's buffers). */
static void continued_over_splits(void)
{
    const size_t len = MAX_LEN - 8;
    uint32_t whole = crc32c(0, data, len);
    CHECK(whole == ~crc32c_table(~0u, data, len));
    const size_t splits[] = {1, 255, 769, 24575, 24577, 1 << 20, len - 3};
    for (size_t i = 0; i < sizeof splits / sizeof splits[0]; i++)
        CHECK(crc32c(crc32c(0, data, splits[i]), data + splits[i], len - splits[i]) == whole);
}

int main(void)
{
    data = malloc(MAX_LEN);
    CHECK(data);
    uint64_t x = 0x9E3779B97F4A7C15ull; /* xorshift: bytes without a pattern a shift could hide */
    for (size_t i = 0; i < MAX_LEN; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data[i] = (uint8_t)x;
    }
    pthread_once(&table_once, init_table);
    if (!have_sse42)
        printf("no SSE4.2: only the table path is checked\n");
    RUN(known_value);
    RUN(short_lengths);
    RUN(long_lengths);
    RUN(continued_over_splits);
    free(data);
    return 0;
}

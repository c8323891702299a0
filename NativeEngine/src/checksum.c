/*
 * checksum.c — CRC32C (Castagnoli): SSE4.2 instruction when the CPU has it, table otherwise.
 *
 * The crc32 instruction takes 3 cycles but the CPU can start one every cycle, so one dependent
 * stream uses a third of it. Long inputs are therefore taken in blocks of three equal parts
 * checksummed as three interleaved streams, then joined (Mark Adler's method, as in zlib's
 * crc32_combine): the CRC of A||B is the CRC of A shifted over |B| zero bytes, xor the CRC of B
 * from a zero register. A shift multiplies by x^(8|B|) mod P, applied with four 256-entry
 * tables per part length. The values are those of the one-stream loop.
 */
#include "engine.h"

#include <string.h>

#define POLY 0x82F63B78u        /* reflected: bit 31 is x^0 */
#define LONG_PART 8192u         /* blocks of 3 x 8 KiB, then of 3 x 256 bytes */
#define SHORT_PART 256u

static uint32_t table[256];
static uint32_t shift_long[4][256];  /* crc -> crc shifted over LONG_PART zero bytes */
static uint32_t shift_short[4][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static bool have_sse42;

/* a * b mod P in the reflected representation. */
static uint32_t multmodp(uint32_t a, uint32_t b)
{
    uint32_t product = 0;
    for (uint32_t m = 1u << 31; m; m >>= 1) {
        if (a & m)
            product ^= b;
        b = (b & 1) ? (b >> 1) ^ POLY : b >> 1;
    }
    return product;
}

/* x^(8n) mod P: the operator that shifts a CRC over n zero bytes. */
static uint32_t zeros_operator(size_t n)
{
    uint32_t op = 1u << 31, square = 1u << 23; /* x^0, x^8 */
    for (; n; n >>= 1) {
        if (n & 1)
            op = multmodp(square, op);
        square = multmodp(square, square);
    }
    return op;
}

/* The shift is linear, so one table per byte of the CRC. */
static void shift_table(uint32_t t[4][256], size_t zeros)
{
    uint32_t op = zeros_operator(zeros);
    for (uint32_t i = 0; i < 256; i++)
        for (int k = 0; k < 4; k++)
            t[k][i] = multmodp(op, i << (8 * k));
}

static void init_table(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
        table[i] = c;
    }
    shift_table(shift_long, LONG_PART);
    shift_table(shift_short, SHORT_PART);
#if defined(__x86_64__)
    __builtin_cpu_init();
    have_sse42 = __builtin_cpu_supports("sse4.2");
#endif
}

static uint32_t crc32c_table(uint32_t crc, const uint8_t *p, size_t len)
{
    while (len--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__)
static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint32_t shift(const uint32_t t[4][256], uint32_t crc)
{
    return t[0][crc & 0xff] ^ t[1][(crc >> 8) & 0xff] ^ t[2][(crc >> 16) & 0xff] ^ t[3][crc >> 24];
}

/* One stream: each step waits for the previous one. */
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const uint8_t *p,
                                                            size_t len)
{
    uint64_t c = crc;
    while (len >= 8) {
        c = __builtin_ia32_crc32di(c, load64(p));
        p += 8;
        len -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (len--)
        c32 = __builtin_ia32_crc32qi(c32, *p++);
    return c32;
}

/* Consumes whole blocks of 3 x part bytes from *p, three streams at a time. */
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw3_blocks(
    uint32_t crc, const uint8_t **p, size_t *len, size_t part, const uint32_t t[4][256])
{
    const uint8_t *q = *p;
    for (; *len >= 3 * part; *len -= 3 * part) {
        uint64_t c0 = crc, c1 = 0, c2 = 0;
        for (const uint8_t *end = q + part; q < end; q += 8) {
            c0 = __builtin_ia32_crc32di(c0, load64(q));
            c1 = __builtin_ia32_crc32di(c1, load64(q + part));
            c2 = __builtin_ia32_crc32di(c2, load64(q + 2 * part));
        }
        crc = shift(t, shift(t, (uint32_t)c0) ^ (uint32_t)c1) ^ (uint32_t)c2;
        q += 2 * part;
    }
    *p = q;
    return crc;
}

/* Three streams over long inputs, one stream for what is left (and for items' short fields). */
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw3(uint32_t crc, const uint8_t *p,
                                                             size_t len)
{
    if (len >= 3 * SHORT_PART) {
        size_t head = (size_t)(-(uintptr_t)p & 7); /* 8-byte aligned loads in the blocks */
        crc = crc32c_hw(crc, p, head);
        p += head;
        len -= head;
        crc = crc32c_hw3_blocks(crc, &p, &len, LONG_PART, shift_long);
        crc = crc32c_hw3_blocks(crc, &p, &len, SHORT_PART, shift_short);
    }
    return crc32c_hw(crc, p, len);
}
#endif

uint32_t crc32c(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&table_once, init_table);
    crc = ~crc;
#if defined(__x86_64__)
    if (have_sse42)
        return ~crc32c_hw3(crc, data, len);
#endif
    return ~crc32c_table(crc, data, len);
}

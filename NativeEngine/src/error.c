/* error.c — per-thread error messages and status names. */
#include <stdio.h>

#include "engine.h"

static __thread char last_error[512];

mnemo_status set_error(mnemo_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return status;
}

void clear_error(void) { last_error[0] = '\0'; }

const char *mnemo_last_error(void) { return last_error; }

const char *mnemo_status_name(mnemo_status s)
{
    switch (s) {
    case MNEMO_OK: return "OK";
    case MNEMO_NOT_FOUND: return "NOT_FOUND";
    case MNEMO_EXISTS: return "EXISTS";
    case MNEMO_NOT_STORED: return "NOT_STORED";
    case MNEMO_TOO_LARGE: return "TOO_LARGE";
    case MNEMO_NO_MEMORY: return "NO_MEMORY";
    case MNEMO_NON_NUMERIC: return "NON_NUMERIC";
    case MNEMO_BAD_KEY: return "BAD_KEY";
    case MNEMO_INVALID: return "INVALID";
    case MNEMO_IO: return "IO";
    case MNEMO_CORRUPT: return "CORRUPT";
    case MNEMO_BUFFER_TOO_SMALL: return "BUFFER_TOO_SMALL";
    case MNEMO_LIMIT: return "LIMIT";
    }
    return "UNKNOWN";
}

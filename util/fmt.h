/*
 * fmt.h - human-readable sizes, durations and times for terminal output.
 */
#ifndef SC_FMT_H
#define SC_FMT_H

#include <stdint.h>

/* "1.2 GiB", "512 B": into buf (>= 32 bytes); returns buf. */
const char *sc_fmt_size(uint64_t n, char *buf);
/* Local time "2026-11-24 10:00:01" from ns since the epoch (buf >= 32). */
const char *sc_fmt_time(int64_t ns, char *buf);
/* UTC ISO 8601 "2026-11-24T10:00:01Z" (buf >= 32). */
const char *sc_fmt_time_utc(int64_t ns, char *buf);
/* "0.25s", "12.3s", "4m05s", "2h03m" (buf >= 32). */
const char *sc_fmt_duration(double sec, char *buf);

#endif

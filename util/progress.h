/*
 * progress.h - progress lines on stderr for work that can take over a second.
 *
 * Shown only when enabled for the process (the CLI enables it when stderr is
 * a terminal and -q was not given) and only once the work has run for a
 * second, so quick commands and pipelines print nothing. Rate-limited to
 * about ten redraws a second; the cost of sc_progress_update when nothing
 * is drawn is one clock read every 4096 calls.
 */
#ifndef SC_PROGRESS_H
#define SC_PROGRESS_H

#include <stdint.h>

typedef struct sc_progress {
	const char *label;
	uint64_t total, done;
	double start, last;
	unsigned ticks;
	int shown;
} sc_progress;

void sc_progress_enable(int on);
int sc_progress_enabled(void);
void sc_progress_begin(sc_progress *p, const char *label, uint64_t total);
void sc_progress_update(sc_progress *p, uint64_t done);
void sc_progress_end(sc_progress *p);
/* A free-form status line (cleared by the next one or by sc_progress_line(NULL)). */
void sc_progress_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

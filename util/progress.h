/*
 * progress.h - progress of work that can take over a second: one interface
 * for the commands and for the steps the runner runs in child processes.
 *
 * Work reports countable units (cells read, PCs, kNN rows, metrics, epochs)
 * with sc_progress_begin_unit / _update (or _add from worker threads) /
 * _end. Where it goes is decided once per process:
 *  - terminal: a line on stderr with the label, a bar, done/total, the rate
 *    and the ETA, redrawn at most ten times a second and only once the
 *    work has run for a second (the CLI enables it when stderr is a
 *    terminal and -q was not given);
 *  - JSON: one line per update on stderr, {"schema":1,"event":"progress",...}
 *    (--json-progress, for tools that wrap sceval);
 *  - a pipe: in a step's child process, short text messages to the runner,
 *    which draws them under the step's name (sc_progress_relay below). A
 *    message the pipe has no room for is dropped: a step never waits for
 *    its progress to be read, and its output files and logs are the same
 *    bytes with or without it.
 * When nothing is enabled an update costs one branch; when enabled, one
 * clock read every few calls (the stride adapts so that tight loops read
 * the clock about once a millisecond and coarse ones every call).
 */
#ifndef SC_PROGRESS_H
#define SC_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

typedef struct sc_progress {
	const char *label;
	const char *unit; /* "cells", "PCs", ...; NULL: a plain count */
	uint64_t total, done;
	double start, last;
	unsigned ticks, stride;
	int shown;
} sc_progress;

void sc_progress_enable(int on); /* terminal lines on stderr, or nothing */
void sc_progress_json(int on);   /* JSON lines on stderr (wins over the terminal) */
void sc_progress_to_fd(int fd);  /* a step's child: messages to the runner on fd */
/* Whether progress goes anywhere (terminal, JSON or a pipe); as JSON. */
int sc_progress_enabled(void);
int sc_progress_json_enabled(void);
void sc_progress_begin(sc_progress *p, const char *label, uint64_t total);
void sc_progress_begin_unit(sc_progress *p, const char *label, const char *unit, uint64_t total);
void sc_progress_update(sc_progress *p, uint64_t done);
/* done += n; may be called from several threads at once. */
void sc_progress_add(sc_progress *p, uint64_t n);
void sc_progress_end(sc_progress *p);
/* A free-form status line (cleared by the next one or by sc_progress_line(NULL)). */
void sc_progress_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Count the status lines that follow as units of work: each
 * sc_progress_line(text) starts one more of total (text is its label),
 * sc_progress_line(NULL) ends them. For work that announces its phases as
 * lines (the scIB suite), counted by its caller. */
void sc_progress_stages(const char *label, const char *unit, uint64_t total);

/* The runner's side: what a step's child wrote to its progress pipe, drawn
 * (terminal) or printed (JSON) under the step's label. One per step. */
typedef struct sc_progress_relay {
	char pending[512]; /* a message not yet complete */
	size_t len;
} sc_progress_relay;
void sc_progress_relay_feed(sc_progress_relay *r, const char *step, const char *data, size_t n);

/* Pure formatting, for tests: the terminal text of a progress state
 * ("label [#####     ]  45% 450/1000 cells  150 cells/s  ETA 3.67s"). */
void sc_progress_format(char *buf, size_t n, const char *label, const char *unit, uint64_t done,
			uint64_t total, double elapsed);

#endif

/*
 * progress.c - terminal progress lines (see progress.h for when they show).
 */
#include "progress.h"
#include "fs.h"

#include <stdarg.h>
#include <stdio.h>

static int enabled_;
static int line_shown_;

void sc_progress_enable(int on)
{
	enabled_ = on;
}

int sc_progress_enabled(void)
{
	return enabled_;
}

void sc_progress_begin(sc_progress *p, const char *label, uint64_t total)
{
	p->label = label;
	p->total = total;
	p->done = 0;
	p->start = p->last = sc_mono_sec();
	p->ticks = 0;
	p->shown = 0;
}

static void draw(sc_progress *p, double now)
{
	double el = now - p->start;
	if (p->total)
		fprintf(stderr, "\r%s: %3.0f%% (%llu/%llu) %.1fs\033[K", p->label,
			100.0 * (double)p->done / (double)p->total, (unsigned long long)p->done,
			(unsigned long long)p->total, el);
	else
		fprintf(stderr, "\r%s: %llu %.1fs\033[K", p->label, (unsigned long long)p->done, el);
	fflush(stderr);
	p->shown = 1;
	p->last = now;
}

void sc_progress_update(sc_progress *p, uint64_t done)
{
	p->done = done;
	if (!enabled_ || (++p->ticks & 4095) != 0)
		return;
	double now = sc_mono_sec();
	if (now - p->start < 1.0 || now - p->last < 0.1)
		return;
	draw(p, now);
}

void sc_progress_end(sc_progress *p)
{
	if (!enabled_ || !p->shown)
		return;
	draw(p, sc_mono_sec());
	fputc('\n', stderr);
}

void sc_progress_line(const char *fmt, ...)
{
	if (!enabled_)
		return;
	if (!fmt) {
		if (line_shown_)
			fputs("\r\033[K", stderr);
		line_shown_ = 0;
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	fputs("\r", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\033[K", stderr);
	va_end(ap);
	fflush(stderr);
	line_shown_ = 1;
}

/*
 * progress.c - progress on a terminal, as JSON lines, or through a step's
 * pipe to the runner (see progress.h for when each is used).
 *
 * The pipe protocol is lines of text, each shorter than PIPE_BUF so one
 * write() is atomic:
 *   P <done> <total> <elapsed> <unit>\t<label>\n   a progress state
 *   L <text>\n                                     a free-form status line
 * The child writes them non-blocking; the runner reassembles lines per step.
 */
#include "progress.h"
#include "fmt.h"
#include "fs.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MODE_OFF, MODE_TERM, MODE_JSON, MODE_PIPE };

static int mode_;
static int json_;
static int pipe_fd_ = -1;
static int line_shown_;
static pthread_mutex_t lock_ = PTHREAD_MUTEX_INITIALIZER;

void sc_progress_enable(int on)
{
	if (mode_ != MODE_PIPE && !json_)
		mode_ = on ? MODE_TERM : MODE_OFF;
}

void sc_progress_json(int on)
{
	json_ = on;
	if (mode_ != MODE_PIPE)
		mode_ = on ? MODE_JSON : MODE_OFF;
}

void sc_progress_to_fd(int fd)
{
	pipe_fd_ = fd;
	mode_ = fd >= 0 ? MODE_PIPE : MODE_OFF;
	line_shown_ = 0;
}

int sc_progress_enabled(void)
{
	return mode_ != MODE_OFF;
}

int sc_progress_json_enabled(void)
{
	return mode_ == MODE_JSON;
}

/* ---- text ---------------------------------------------------------------- */

static void fmt_count(char *buf, size_t n, double v)
{
	if (v >= 1e9)
		snprintf(buf, n, "%.1fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, n, "%.1fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, n, "%.1fk", v / 1e3);
	else if (v >= 100 || v == (double)(uint64_t)v)
		snprintf(buf, n, "%.0f", v);
	else
		snprintf(buf, n, "%.2g", v);
}

void sc_progress_format(char *buf, size_t n, const char *label, const char *unit, uint64_t done,
			uint64_t total, double elapsed)
{
	const char *u = unit && *unit ? unit : "";
	size_t at = 0;
#define PUT(...)                                                                    \
	do {                                                                        \
		if (at < n)                                                         \
			at += (size_t)snprintf(buf + at, n - at, __VA_ARGS__);      \
	} while (0)
	PUT("%s", label ? label : "");
	if (total) {
		enum { BAR = 20 };
		double f = done >= total ? 1.0 : (double)done / (double)total;
		char bar[BAR + 1];
		size_t full = (size_t)(f * BAR);
		for (size_t i = 0; i < BAR; i++)
			bar[i] = i < full ? '#' : ' ';
		bar[BAR] = 0;
		PUT(" [%s] %3.0f%% %llu/%llu%s%s", bar, 100.0 * f, (unsigned long long)done,
		    (unsigned long long)total, *u ? " " : "", u);
	} else {
		PUT(" %llu%s%s", (unsigned long long)done, *u ? " " : "", u);
	}
	if (elapsed > 0 && done > 0) {
		double rate = (double)done / elapsed;
		char r[32], eta[32];
		fmt_count(r, sizeof(r), rate);
		PUT("  %s %s/s", r, *u ? u : "items");
		if (total && done < total)
			PUT("  ETA %s", sc_fmt_duration((double)(total - done) / rate, eta));
	}
	if (at >= n && n)
		buf[n - 1] = 0;
#undef PUT
}

static void term_draw(const char *prefix, const char *text)
{
	fprintf(stderr, "\r%s%s%s\033[K", prefix ? prefix : "", prefix ? ": " : "", text);
	fflush(stderr);
	line_shown_ = 1;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void json_emit(const char *step, const char *label, const char *unit, uint64_t done,
		      uint64_t total, double elapsed, int has_counts)
{
	FILE *f = stderr;
	fputs("{\"schema\":1,\"event\":\"progress\",\"step\":", f);
	if (step)
		json_str(f, step);
	else
		fputs("null", f);
	fputs(",\"label\":", f);
	json_str(f, label);
	if (has_counts) {
		fputs(",\"unit\":", f);
		if (unit && *unit)
			json_str(f, unit);
		else
			fputs("null", f);
		fprintf(f, ",\"done\":%llu,\"total\":", (unsigned long long)done);
		if (total)
			fprintf(f, "%llu", (unsigned long long)total);
		else
			fputs("null", f);
		fprintf(f, ",\"elapsed\":%.3f", elapsed);
		double rate = elapsed > 0 ? (double)done / elapsed : 0;
		if (rate > 0)
			fprintf(f, ",\"rate\":%.6g", rate);
		else
			fputs(",\"rate\":null", f);
		if (rate > 0 && total && done <= total)
			fprintf(f, ",\"eta\":%.3f", (double)(total - done) / rate);
		else
			fputs(",\"eta\":null", f);
	}
	fputs("}\n", f);
	fflush(f);
}

/* ---- the work's side --------------------------------------------------------- */

static void pipe_send(const char *msg, size_t len)
{
	/* non-blocking: a full pipe drops the message */
	ssize_t w = write(pipe_fd_, msg, len);
	(void)w;
}

static void emit(sc_progress *p, double now, int final)
{
	double el = now - p->start;
	if (mode_ == MODE_PIPE) {
		char msg[512];
		int len = snprintf(msg, sizeof(msg), "P %llu %llu %.3f %s\t%.300s\n",
				   (unsigned long long)p->done, (unsigned long long)p->total, el,
				   p->unit ? p->unit : "", p->label ? p->label : "");
		if (len > 0 && (size_t)len < sizeof(msg))
			pipe_send(msg, (size_t)len);
	} else if (mode_ == MODE_JSON) {
		json_emit(NULL, p->label, p->unit, p->done, p->total, el, 1);
	} else if (mode_ == MODE_TERM) {
		char text[512];
		sc_progress_format(text, sizeof(text), p->label, p->unit, p->done, p->total, el);
		term_draw(NULL, text);
		if (final)
			fputc('\n', stderr);
		line_shown_ = !final;
	}
	p->shown = 1;
	p->last = now;
}

void sc_progress_begin_unit(sc_progress *p, const char *label, const char *unit, uint64_t total)
{
	p->label = label;
	p->unit = unit;
	p->total = total;
	p->done = 0;
	p->start = p->last = sc_mono_sec();
	p->ticks = 0;
	p->stride = 1;
	p->shown = 0;
	/* the runner learns the label and total at once */
	if (mode_ == MODE_PIPE)
		emit(p, p->start, 0);
}

void sc_progress_begin(sc_progress *p, const char *label, uint64_t total)
{
	sc_progress_begin_unit(p, label, NULL, total);
}

static void maybe_emit(sc_progress *p)
{
	if (++p->ticks < p->stride)
		return;
	p->ticks = 0;
	double now = sc_mono_sec();
	/* read the clock about once a millisecond, whatever the update rate */
	if (now - p->last < 1e-3 && p->stride < 65536)
		p->stride *= 2;
	else if (now - p->last > 0.05 && p->stride > 1)
		p->stride /= 2;
	if (now - p->last < 0.1)
		return;
	if (mode_ == MODE_TERM && now - p->start < 1.0)
		return;
	emit(p, now, 0);
}

void sc_progress_update(sc_progress *p, uint64_t done)
{
	p->done = done;
	if (mode_ != MODE_OFF)
		maybe_emit(p);
}

void sc_progress_add(sc_progress *p, uint64_t n)
{
	if (mode_ == MODE_OFF) {
		__atomic_add_fetch(&p->done, n, __ATOMIC_RELAXED);
		return;
	}
	pthread_mutex_lock(&lock_);
	p->done += n;
	maybe_emit(p);
	pthread_mutex_unlock(&lock_);
}

void sc_progress_end(sc_progress *p)
{
	if (mode_ == MODE_OFF || (mode_ == MODE_TERM && !p->shown))
		return;
	emit(p, sc_mono_sec(), 1);
}

static sc_progress stage_;
static char stage_text_[256];
static int stages_on_;

void sc_progress_stages(const char *label, const char *unit, uint64_t total)
{
	stage_text_[0] = 0;
	sc_progress_begin_unit(&stage_, label, unit, total);
	stages_on_ = 1;
}

/* A status line while stages are counted: the previous stage is done. */
static void stage_line(const char *text)
{
	if (!text) {
		stage_.label = stage_text_;
		stage_.done = stage_.total;
		if (stage_.shown || mode_ != MODE_TERM)
			emit(&stage_, sc_mono_sec(), 1);
		stages_on_ = 0;
		return;
	}
	if (stage_text_[0])
		stage_.done++;
	snprintf(stage_text_, sizeof(stage_text_), "%s", text);
	stage_.label = stage_text_;
	double now = sc_mono_sec();
	if (mode_ != MODE_TERM || now - stage_.start >= 1.0)
		emit(&stage_, now, 0);
}

void sc_progress_line(const char *fmt, ...)
{
	if (mode_ == MODE_OFF)
		return;
	if (stages_on_) {
		char text[256];
		va_list ap;
		va_start(ap, fmt);
		if (fmt)
			vsnprintf(text, sizeof(text), fmt, ap);
		va_end(ap);
		stage_line(fmt ? text : NULL);
		if (fmt || mode_ != MODE_TERM)
			return;
	}
	if (!fmt) {
		if (mode_ == MODE_TERM && line_shown_)
			fputs("\r\033[K", stderr);
		line_shown_ = 0;
		return;
	}
	char text[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (mode_ == MODE_PIPE) {
		char msg[512];
		int len = snprintf(msg, sizeof(msg), "L %s\n", text);
		if (len > 0 && (size_t)len < sizeof(msg))
			pipe_send(msg, (size_t)len);
	} else if (mode_ == MODE_JSON) {
		json_emit(NULL, text, NULL, 0, 0, 0, 0);
	} else {
		term_draw(NULL, text);
	}
}

/* ---- the runner's side --------------------------------------------------------- */

static void relay_line(const char *step, char *line)
{
	if (line[0] == 'L' && line[1] == ' ') {
		if (mode_ == MODE_JSON)
			json_emit(step, line + 2, NULL, 0, 0, 0, 0);
		else if (mode_ == MODE_TERM)
			term_draw(step, line + 2);
		return;
	}
	unsigned long long done, total;
	double el;
	int off = 0;
	if (line[0] != 'P' || sscanf(line, "P %llu %llu %lf %n", &done, &total, &el, &off) != 3)
		return; /* not ours: ignored */
	char *unit = line + off, *tab = strchr(unit, '\t');
	if (!tab)
		return;
	*tab = 0;
	const char *label = tab + 1;
	if (mode_ == MODE_JSON) {
		json_emit(step, label, unit, done, total, el, 1);
	} else if (mode_ == MODE_TERM) {
		char text[512];
		sc_progress_format(text, sizeof(text), label, unit, done, total, el);
		term_draw(step, text);
	}
}

void sc_progress_relay_feed(sc_progress_relay *r, const char *step, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (data[i] != '\n') {
			if (r->len + 1 < sizeof(r->pending))
				r->pending[r->len++] = data[i];
			continue;
		}
		r->pending[r->len] = 0;
		relay_line(step, r->pending);
		r->len = 0;
	}
}

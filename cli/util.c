/*
 * util.c - option parsing and output conventions shared by all commands.
 */
#include "cli.h"
#include "util/json.h"
#include "util/progress.h"
#include "store/store.h"
#include "runner/portable.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OPT_STORE = 0x1000, OPT_JSON, OPT_HELP_LONG };

int cli_opt(cli_ctx *c, int argc, char **argv, const char *usage, const char *shortopts,
	    const struct option *longopts, int json_ok)
{
	/* Merge the command's options with the common ones, once per call site. */
	struct option merged[64];
	size_t n = 0;
	for (const struct option *o = longopts; o && o->name; o++) {
		if (n < 58)
			merged[n++] = *o;
	}
	merged[n++] = (struct option){ "store", required_argument, NULL, OPT_STORE };
	merged[n++] = (struct option){ "quiet", no_argument, NULL, 'q' };
	merged[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	if (json_ok)
		merged[n++] = (struct option){ "json", no_argument, NULL, OPT_JSON };
	merged[n] = (struct option){ NULL, 0, NULL, 0 };
	char so[128];
	snprintf(so, sizeof(so), ":%sqh", shortopts ? shortopts : "");

	c->usage = usage;
	for (;;) {
		int o = getopt_long(argc, argv, so, merged, NULL);
		c->optind = optind;
		switch (o) {
		case -1:
			return -1;
		case OPT_STORE:
			c->store_dir = optarg;
			continue;
		case 'q':
			c->quiet = 1;
			sc_progress_enable(0);
			continue;
		case OPT_JSON:
			c->json = 1;
			continue;
		case 'h':
			fputs(usage, stdout);
			c->stop = 0;
			return -1;
		case ':':
			c->stop = cli_usage_error(c, "option '%s' needs a value", argv[optind - 1]);
			return -1;
		case '?':
			if (optopt)
				c->stop = cli_usage_error(c, "unknown option '-%c'", optopt);
			else
				c->stop = cli_usage_error(c, "unknown option '%s'", argv[optind - 1]);
			return -1;
		default:
			return o;
		}
	}
}

/* Length of the well-formed UTF-8 sequence at p (1..4), or 0 when the
 * bytes there are not one (a stray continuation, an overlong or truncated
 * sequence, a surrogate, past U+10FFFF). */
static size_t utf8_len(const unsigned char *p)
{
	unsigned c = p[0];
	size_t n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
		 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0) ||
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
		return 0;
	return n;
}

/* An error message on one line, safe for a terminal: a message quotes
 * names from users' files, so control characters (an escape sequence
 * could rewrite the screen), C1 controls, line breaks and bytes that are
 * not UTF-8 are written as \xNN. */
static void put_message(FILE *f, const char *msg)
{
	const unsigned char *p = (const unsigned char *)msg;
	while (*p) {
		size_t n = utf8_len(p);
		int c1 = n == 2 && p[0] == 0xc2 && p[1] < 0xa0;
		if (n == 0 || c1 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
			for (size_t i = 0; i < (n ? n : 1); i++)
				fprintf(f, "\\x%02x", p[i]);
			p += n ? n : 1;
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
}

static void put_line(cli_ctx *c, const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	fprintf(stderr, "sceval %s: ", c->name);
	put_message(stderr, msg ? msg : "failed (no memory for the message)");
	fputc('\n', stderr);
	free(msg);
}

int cli_usage_error(cli_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	put_line(c, fmt, ap);
	va_end(ap);
	if (c->usage)
		fputs(c->usage, stderr);
	return 2;
}

int cli_fail(cli_ctx *c, const sc_err *err)
{
	return cli_failf(c, "%s", err && err->msg[0] ? err->msg : "failed (no detail)");
}

int cli_failf(cli_ctx *c, const char *fmt, ...)
{
	va_list ap;
	sc_progress_line(NULL);
	va_start(ap, fmt);
	put_line(c, fmt, ap);
	va_end(ap);
	return 1;
}

int cli_json_out(cli_ctx *c, json_t *j)
{
	(void)c;
	json_object_set_new(j, "schema", json_integer(1));
	sc_json_print(stdout, j);
	json_decref(j);
	return 0;
}

int cli_parse_long(cli_ctx *c, const char *opt, const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return cli_usage_error(c, "%s: '%s' is not an integer in [%ld, %ld]", opt, s, lo, hi);
	*out = v;
	return 0;
}

int cli_parse_double(cli_ctx *c, const char *opt, const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end)
		return cli_usage_error(c, "%s: '%s' is not a number", opt, s);
	*out = v;
	return 0;
}

int cli_open_store(cli_ctx *c, sc_store **out, sc_err *err)
{
	return sc_store_open(out, c->store_dir, err);
}

int cli_portable_enter(cli_ctx *c)
{
	sc_err err;
	if (sc_portable_active())
		return sc_portable_verify(&err) ? cli_fail(c, &err) : 0;
	sc_portable_setenv();
	fflush(stdout);
	fflush(stderr);
	execv("/proc/self/exe", cli_main_argv);
	return cli_failf(c, "cannot restart in portable mode: %s", strerror(errno));
}

const char *cli_esc(const char *s)
{
	static char *ring[16];
	static unsigned next;
	if (!s)
		return s;
	const unsigned char *p = (const unsigned char *)s;
	while (*p >= 0x20 && *p < 0x7f)
		p++;
	if (!*p)
		return s;
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_buf_term(&b, s);
	unsigned k = next++ % 16;
	free(ring[k]);
	ring[k] = sc_buf_detach(&b);
	return ring[k];
}

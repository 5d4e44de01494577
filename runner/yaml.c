/*
 * yaml.c - libyaml's event stream folded into jansson values, recording the
 * start mark of each value. Specs are small (kilobytes), so positions are
 * kept in a flat array searched linearly.
 *
 * A spec may come from anyone, so the reader has limits: nesting deeper than
 * SC_YAML_MAX_DEPTH (the reader recurses once per level), and documents
 * whose aliases expand to more than SC_YAML_MAX_NODES values (a "billion
 * laughs" document is small but expands exponentially in whatever walks it
 * later), are refused.
 */
#include "yaml.h"
#include "util/buf.h"
#include "util/fs.h"

#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct pos {
	const json_t *v;
	int line, col;
} pos;

typedef struct keypos {
	const json_t *obj;
	char *key;
	int line, col;
} keypos;

#define SC_YAML_MAX_DEPTH 64
#define SC_YAML_MAX_NODES 100000

typedef struct anchor {
	char *name;
	json_t *v;
	size_t nodes; /* values in v with aliases expanded; 0 while v is open */
} anchor;

struct sc_yaml_doc {
	char *name;
	json_t *root;
	pos *p;
	size_t np, capp;
	anchor *a;
	size_t na, capa;
	keypos *k;
	size_t nk, capk;
};

static void add_pos(sc_yaml_doc *d, const json_t *v, const yaml_mark_t *m)
{
	if (d->np == d->capp) {
		d->capp = d->capp ? d->capp * 2 : 64;
		d->p = sc_xrealloc(d->p, d->capp * sizeof(*d->p));
	}
	d->p[d->np++] = (pos){ v, (int)m->line + 1, (int)m->column + 1 };
}

static void add_keypos(sc_yaml_doc *d, const json_t *obj, const char *key, const yaml_mark_t *m)
{
	if (d->nk == d->capk) {
		d->capk = d->capk ? d->capk * 2 : 64;
		d->k = sc_xrealloc(d->k, d->capk * sizeof(*d->k));
	}
	d->k[d->nk++] = (keypos){ obj, sc_xstrdup(key), (int)m->line + 1, (int)m->column + 1 };
}

void sc_yaml_key_pos(const sc_yaml_doc *d, const json_t *obj, const char *key, int *line, int *col)
{
	*line = *col = 0;
	for (size_t i = 0; d && i < d->nk; i++)
		if (d->k[i].obj == obj && !strcmp(d->k[i].key, key)) {
			*line = d->k[i].line;
			*col = d->k[i].col;
			return;
		}
}

int sc_yaml_key_errf(const sc_yaml_doc *d, const json_t *obj, const char *key, sc_err *err,
		     const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	int line, col;
	sc_yaml_key_pos(d, obj, key, &line, &col);
	if (!line)
		sc_yaml_pos(d, obj, &line, &col);
	if (line)
		return sc_errf(err, SC_EINVAL, "%s:%d:%d: %s", d->name, line, col, msg);
	return sc_errf(err, SC_EINVAL, "%s: %s", d->name, msg);
}

/* Returns the anchor's index (for anchor_done), or -1 without a name. */
static long add_anchor(sc_yaml_doc *d, const char *name, json_t *v)
{
	if (!name)
		return -1;
	if (d->na == d->capa) {
		d->capa = d->capa ? d->capa * 2 : 8;
		d->a = sc_xrealloc(d->a, d->capa * sizeof(*d->a));
	}
	d->a[d->na++] = (anchor){ sc_xstrdup(name), v, 0 };
	return (long)d->na - 1;
}

static void anchor_done(sc_yaml_doc *d, long i, size_t nodes)
{
	if (i >= 0)
		d->a[i].nodes = nodes;
}

void sc_yaml_pos(const sc_yaml_doc *d, const json_t *v, int *line, int *col)
{
	*line = *col = 0;
	for (size_t i = 0; d && i < d->np; i++)
		if (d->p[i].v == v) {
			*line = d->p[i].line;
			*col = d->p[i].col;
			return;
		}
}

int sc_yaml_errf(const sc_yaml_doc *d, const json_t *v, sc_err *err, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	int line, col;
	sc_yaml_pos(d, v, &line, &col);
	if (line)
		return sc_errf(err, SC_EINVAL, "%s:%d:%d: %s", d->name, line, col, msg);
	return sc_errf(err, SC_EINVAL, "%s: %s", d->name, msg);
}

const char *sc_yaml_name(const sc_yaml_doc *d)
{
	return d->name;
}

json_t *sc_yaml_root(const sc_yaml_doc *d)
{
	return d->root;
}

void sc_yaml_free(sc_yaml_doc *d)
{
	if (!d)
		return;
	json_decref(d->root);
	for (size_t i = 0; i < d->na; i++)
		free(d->a[i].name);
	free(d->a);
	for (size_t i = 0; i < d->nk; i++)
		free(d->k[i].key);
	free(d->k);
	free(d->p);
	free(d->name);
	free(d);
}

static int match(const char *re, const char *s)
{
	regex_t r;
	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB))
		return 0;
	int ok = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return ok;
}

/* The core schema's resolution of a plain scalar. */
static json_t *plain_scalar(const char *s)
{
	if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	    !strcmp(s, "NULL"))
		return json_null();
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return json_true();
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return json_false();
	if (match("^[-+]?[0-9]+$", s)) {
		errno = 0;
		long long v = strtoll(s, NULL, 10);
		if (!errno)
			return json_integer(v);
		return json_real(strtod(s, NULL));
	}
	if (match("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$", s))
		return json_real(strtod(s, NULL));
	return json_string(s);
}

typedef struct parser {
	yaml_parser_t p;
	yaml_event_t ev;
	sc_yaml_doc *d;
	sc_err *err;
	int depth;
} parser;

static int fail_at(parser *ps, const yaml_mark_t *m, const char *fmt, ...) SC_PRINTF(3, 4);
static int fail_at(parser *ps, const yaml_mark_t *m, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sc_errf(ps->err, SC_EINVAL, "%s:%d:%d: %s", ps->d->name, (int)m->line + 1,
		       (int)m->column + 1, msg);
}

/* Count n more values into *nodes, failing past the limit. */
static int count(parser *ps, const yaml_mark_t *m, size_t *nodes, size_t n)
{
	*nodes += n;
	if (*nodes > SC_YAML_MAX_NODES)
		return fail_at(ps, m, "aliases expand to more than %d values", SC_YAML_MAX_NODES);
	return 0;
}

static int next(parser *ps)
{
	yaml_event_delete(&ps->ev);
	if (!yaml_parser_parse(&ps->p, &ps->ev)) {
		const yaml_parser_t *p = &ps->p;
		if (p->error == YAML_MEMORY_ERROR) /* not the spec's fault */
			return sc_errf(ps->err, SC_ERR, "%s: out of memory reading the spec",
				       ps->d->name);
		return sc_errf(ps->err, SC_EINVAL, "%s:%d:%d: %s%s%s", ps->d->name,
			       (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1,
			       p->problem ? p->problem : "syntax error",
			       p->context ? " " : "", p->context ? p->context : "");
	}
	return 0;
}

static int value(parser *ps, json_t **out, size_t *nodes);

static int mapping(parser *ps, json_t **out, size_t *nodes)
{
	json_t *m = json_object();
	yaml_mark_t start = ps->ev.start_mark;
	const char *anch = (const char *)ps->ev.data.mapping_start.anchor;
	add_pos(ps->d, m, &start);
	long ai = add_anchor(ps->d, anch, m);
	size_t n = 1;
	for (;;) {
		if (next(ps))
			goto fail;
		if (ps->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (ps->ev.type != YAML_SCALAR_EVENT) {
			fail_at(ps, &ps->ev.start_mark, "mapping keys must be plain strings");
			goto fail;
		}
		char *key = sc_xstrdup((const char *)ps->ev.data.scalar.value);
		yaml_mark_t km = ps->ev.start_mark;
		if (json_object_get(m, key)) {
			fail_at(ps, &km, "duplicate key '%s'", key);
			free(key);
			goto fail;
		}
		json_t *v = NULL;
		if (next(ps) || value(ps, &v, &n)) {
			free(key);
			goto fail;
		}
		json_object_set_new(m, key, v);
		add_keypos(ps->d, m, key, &km);
		free(key);
	}
	anchor_done(ps->d, ai, n);
	if (count(ps, &start, nodes, n))
		goto fail;
	*out = m;
	return 0;
fail:
	json_decref(m);
	return SC_EINVAL;
}

static int sequence(parser *ps, json_t **out, size_t *nodes)
{
	json_t *a = json_array();
	yaml_mark_t start = ps->ev.start_mark;
	add_pos(ps->d, a, &start);
	long ai = add_anchor(ps->d, (const char *)ps->ev.data.sequence_start.anchor, a);
	size_t n = 1;
	for (;;) {
		if (next(ps))
			goto fail;
		if (ps->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		json_t *v = NULL;
		if (value(ps, &v, &n))
			goto fail;
		json_array_append_new(a, v);
	}
	anchor_done(ps->d, ai, n);
	if (count(ps, &start, nodes, n))
		goto fail;
	*out = a;
	return 0;
fail:
	json_decref(a);
	return SC_EINVAL;
}

static int alias(parser *ps, json_t **out, size_t *nodes)
{
	yaml_event_t *e = &ps->ev;
	const char *name = (const char *)e->data.alias.anchor;
	for (size_t i = ps->d->na; i-- > 0;)
		if (!strcmp(ps->d->a[i].name, name)) {
			/* An alias inside its own anchor's value would make a cycle. */
			if (!ps->d->a[i].nodes)
				return fail_at(ps, &e->start_mark, "alias '*%s' inside its own anchor",
					       name);
			if (count(ps, &e->start_mark, nodes, ps->d->a[i].nodes))
				return SC_EINVAL;
			*out = json_incref(ps->d->a[i].v);
			return 0;
		}
	return fail_at(ps, &e->start_mark, "unknown alias '*%s'", name);
}

/* The value starting at the current event; *nodes grows by its size with
 * aliases expanded. */
static int value(parser *ps, json_t **out, size_t *nodes)
{
	yaml_event_t *e = &ps->ev;
	int rc;
	switch (e->type) {
	case YAML_SCALAR_EVENT: {
		const char *s = (const char *)e->data.scalar.value;
		int plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		/* JSON, and so a step's key, has no NaN or infinity. */
		if (plain && match("^([-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN))$", s))
			return fail_at(ps, &e->start_mark, "'%s' is not a finite number (quote it "
							   "for a string)", s);
		json_t *v = plain ? plain_scalar(s) : json_string(s);
		if (!v) /* not UTF-8 */
			return fail_at(ps, &e->start_mark, "text is not valid UTF-8");
		/* Singletons (null, true, false) cannot carry a position. */
		if (!json_is_null(v) && !json_is_boolean(v))
			add_pos(ps->d, v, &e->start_mark);
		anchor_done(ps->d, add_anchor(ps->d, (const char *)e->data.scalar.anchor, v), 1);
		*out = v;
		/* One value never passes the limit alone: v is the caller's now. */
		*nodes += 1;
		return 0;
	}
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		if (ps->depth >= SC_YAML_MAX_DEPTH)
			return fail_at(ps, &e->start_mark, "nesting deeper than %d", SC_YAML_MAX_DEPTH);
		ps->depth++;
		rc = e->type == YAML_MAPPING_START_EVENT ? mapping(ps, out, nodes)
							 : sequence(ps, out, nodes);
		ps->depth--;
		return rc;
	case YAML_ALIAS_EVENT:
		return alias(ps, out, nodes);
	default:
		return fail_at(ps, &e->start_mark, "unexpected YAML event");
	}
}

int sc_yaml_parse(sc_yaml_doc **out, const char *name, const char *text, size_t len, sc_err *err)
{
	parser ps;
	memset(&ps, 0, sizeof(ps));
	ps.d = sc_xcalloc(1, sizeof(*ps.d));
	ps.d->name = sc_xstrdup(name);
	ps.err = err;
	ps.ev.type = YAML_NO_EVENT;
	int rc = 0;
	if (!yaml_parser_initialize(&ps.p)) {
		/* its buffers could not be allocated: libyaml would then return
		 * empty events, not an error */
		rc = sc_errf(err, SC_ERR, "%s: out of memory reading the spec", name);
		goto out;
	}
	yaml_parser_set_input_string(&ps.p, (const unsigned char *)text, len);
	/* STREAM-START, then DOCUMENT-START or STREAM-END. */
	if ((rc = next(&ps)) || (rc = next(&ps)))
		goto out;
	if (ps.ev.type == YAML_STREAM_END_EVENT)
		goto out; /* empty document: root NULL */
	if ((rc = next(&ps)))
		goto out;
	if (ps.ev.type == YAML_DOCUMENT_END_EVENT)
		goto out;
	size_t nodes = 0;
	if ((rc = value(&ps, &ps.d->root, &nodes)))
		goto out;
out:
	yaml_event_delete(&ps.ev);
	yaml_parser_delete(&ps.p);
	if (rc) {
		sc_yaml_free(ps.d);
		return rc;
	}
	*out = ps.d;
	return 0;
}

int sc_yaml_load(sc_yaml_doc **out, const char *path, sc_err *err)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	int rc = sc_read_file(&b, path, err);
	if (!rc)
		rc = sc_yaml_parse(out, path, b.s, b.len, err);
	sc_buf_free(&b);
	return rc;
}

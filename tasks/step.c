/*
 * step.c - helpers for built-in steps (see step.h).
 */
#include "step.h"
#include "util/fs.h"
#include "util/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *sc_step_input(const sc_step_ctx *c, const char *role)
{
	for (size_t i = 0; i < c->n_inputs; i++)
		if (!strcmp(c->in_roles[i], role))
			return c->in_paths[i];
	return NULL;
}

const char *sc_step_need(const sc_step_ctx *c, const char *role)
{
	const char *p = sc_step_input(c, role);
	if (!p)
		sc_errf(c->err, SC_EINVAL, "step has no input '%s'", role);
	return p;
}

int sc_step_write_svg(sc_step_ctx *c, sc_svg *s, const char *name)
{
	if (!s)
		return 0;
	char *path = sc_step_out(c, name);
	int rc = sc_svg_write(s, path, c->err);
	free(path);
	sc_svg_free(s);
	return rc;
}

char *sc_step_out(const sc_step_ctx *c, const char *name)
{
	return sc_path_join(c->outdir, name);
}

void sc_step_metric(sc_step_ctx *c, const char *name, double value, int higher_is_better,
		    const char *detail)
{
	json_t *m = json_object();
	json_object_set_new(m, "value", sc_json_real(value));
	json_object_set_new(m, "higher_is_better", json_boolean(higher_is_better));
	if (detail && *detail)
		json_object_set_new(m, "detail", json_string(detail));
	json_object_set_new(c->metrics, name, m);
}

void sc_step_note(sc_step_ctx *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(c->notes, json_string(buf));
}

const char *sc_step_str(const sc_step_ctx *c, const char *key, const char *dflt)
{
	return sc_json_str(c->params, key, dflt);
}

double sc_step_num(const sc_step_ctx *c, const char *key, double dflt)
{
	return sc_json_num(c->params, key, dflt);
}

long long sc_step_int(const sc_step_ctx *c, const char *key, long long dflt)
{
	return sc_json_int(c->params, key, dflt);
}

int sc_step_bool(const sc_step_ctx *c, const char *key, int dflt)
{
	return sc_json_bool(c->params, key, dflt);
}

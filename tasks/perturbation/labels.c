/*
 * tasks/perturbation/labels.c - perturbation labels in GEARS's convention.
 *
 * Perturb-seq files name conditions in many ways: GEARS writes "A+ctrl",
 * "A+B" and "ctrl"; PerturBench "A", "A+B" and "control"; CRISPR screens
 * "non-targeting" and guide-level names ("STAT1_g2"). Every step speaks
 * GEARS's names, so a label is normalised once, here: controls become
 * "ctrl", a single gene "A+ctrl", a combination its members joined by "+".
 */
#include "pert.h"
#include "util/buf.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

static int is_control(const char *s, const sc_pert_label_opts *o)
{
	if (!strcmp(s, "ctrl"))
		return 1;
	for (size_t i = 0; i < o->n_controls; i++)
		if (!strcmp(s, o->controls[i]))
			return 1;
	return 0;
}

/* Trim blanks and cut the guide suffix, in place. */
static char *clean_member(char *m, const sc_pert_label_opts *o)
{
	while (*m == ' ')
		m++;
	size_t n = strlen(m);
	while (n && m[n - 1] == ' ')
		m[--n] = 0;
	if (o->guide_sep && *o->guide_sep) {
		char *g = strstr(m, o->guide_sep);
		if (g && g != m)
			*g = 0;
	}
	return m;
}

char *sc_pert_normalize(const char *label, const sc_pert_label_opts *o, size_t *n_members)
{
	*n_members = 0;
	if (!label || !*label)
		return NULL;
	if (is_control(label, o))
		return sc_xstrdup("ctrl");
	const char *sep = o->sep && *o->sep ? o->sep : "+";
	char *copy = sc_xstrdup(label);
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	size_t seplen = strlen(sep);
	for (char *p = copy; p;) {
		char *e = strstr(p, sep);
		if (e)
			*e = 0;
		char *m = clean_member(p, o);
		if (*m && !is_control(m, o)) {
			sc_buf_printf(&b, "%s%s", *n_members ? "+" : "", m);
			(*n_members)++;
		}
		p = e ? e + seplen : NULL;
	}
	free(copy);
	if (*n_members == 0) {
		sc_buf_free(&b);
		return sc_xstrdup("ctrl");
	}
	if (*n_members == 1)
		sc_buf_puts(&b, "+ctrl");
	return sc_buf_detach(&b);
}

size_t sc_pert_members(char **buf, const char *cond, const char **out, size_t max)
{
	*buf = sc_xstrdup(cond);
	size_t n = 0;
	for (char *p = *buf; p;) {
		char *e = strchr(p, '+');
		if (e)
			*e = 0;
		if (strcmp(p, "ctrl") && n < max)
			out[n++] = p;
		p = e ? e + 1 : NULL;
	}
	return n;
}

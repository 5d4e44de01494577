/*
 * plan.c - building plans and computing step cache keys.
 *
 * The key of a step is the SHA-256 of the canonical JSON (sorted keys, no
 * whitespace) of {kind, version, params, seed, inputs: {role: id}}, plus
 * "portable": true in portable mode (runner/portable.h): nothing else (not
 * the labels, not the time, not the machine), so the same work on the same
 * bytes is found in the cache from any spec that asks for it.
 */
#include "plan.h"
#include "portable.h"
#include "tasks/step.h"
#include "util/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *sc_plan_kind_version(const char *kind)
{
	if (!strcmp(kind, "external"))
		return SC_EXTERNAL_VERSION;
	const sc_step_kind *k = sc_step_kind_find(kind);
	return k ? k->version : "?";
}

size_t sc_plan_add(sc_plan *p, const char *kind, json_t *params, int has_seed, int64_t seed)
{
	const char *version = sc_plan_kind_version(kind);
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->v = sc_xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	sc_plan_step *st = &p->v[p->n];
	memset(st, 0, sizeof(*st));
	st->kind = sc_xstrdup(kind);
	st->version = sc_xstrdup(version);
	st->params = params ? params : json_object();
	st->has_seed = has_seed;
	st->seed = seed;
	st->deterministic = 1;
	st->lock_fd = -1;
	st->pid = -1;
	st->outputs = json_object();
	st->metrics = json_object();
	st->notes = json_array();
	return p->n++;
}

static sc_plan_input *new_input(sc_plan *p, size_t step, const char *role, const char *name)
{
	sc_plan_step *st = &p->v[step];
	st->in = sc_xrealloc(st->in, (st->n_in + 1) * sizeof(*st->in));
	sc_plan_input *in = &st->in[st->n_in++];
	memset(in, 0, sizeof(*in));
	in->role = sc_xstrdup(role);
	in->name = sc_xstrdup(name ? name : role);
	in->from = -1;
	return in;
}

void sc_plan_input_obj(sc_plan *p, size_t step, const char *role, const sc_oid *oid,
		       const char *name)
{
	sc_plan_input *in = new_input(p, step, role, name);
	in->oid = *oid;
}

void sc_plan_input_step(sc_plan *p, size_t step, const char *role, size_t from,
			const char *output, const char *name)
{
	sc_plan_input *in = new_input(p, step, role, name);
	in->from = (int)from;
	in->from_output = sc_xstrdup(output);
}

void sc_plan_label(sc_plan *p, size_t step, const char *task, const char *dataset,
		   const char *method)
{
	sc_plan_step *st = &p->v[step];
	free(st->task);
	free(st->dataset);
	free(st->method);
	st->task = task ? sc_xstrdup(task) : NULL;
	st->dataset = dataset ? sc_xstrdup(dataset) : NULL;
	st->method = method ? sc_xstrdup(method) : NULL;
	st->task_kind = p->task_kind;
}

static void free_step(sc_plan_step *st)
{
	{
		free(st->kind);
		free(st->version);
		json_decref(st->params);
		for (size_t k = 0; k < st->n_in; k++) {
			free(st->in[k].role);
			free(st->in[k].from_output);
			free(st->in[k].name);
		}
		free(st->in);
		free(st->task);
		free(st->dataset);
		free(st->method);
		json_decref(st->environment);
		free(st->key_json);
		json_decref(st->outputs);
		json_decref(st->metrics);
		json_decref(st->notes);
		free(st->error);
		free(st->scratch);
	}
}

void sc_plan_free(sc_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		free_step(&p->v[i]);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static int same_inputs(const sc_plan_step *a, const sc_plan_step *b)
{
	if (a->n_in != b->n_in)
		return 0;
	for (size_t k = 0; k < a->n_in; k++) {
		const sc_plan_input *x = &a->in[k], *y = &b->in[k];
		if (strcmp(x->role, y->role) || x->from != y->from)
			return 0;
		if (x->from >= 0 ? strcmp(x->from_output, y->from_output)
				 : !sc_oid_eq(&x->oid, &y->oid))
			return 0;
	}
	return 1;
}

static void free_step(sc_plan_step *st);

size_t sc_plan_dedupe_last(sc_plan *p)
{
	size_t last = p->n - 1;
	sc_plan_step *b = &p->v[last];
	for (size_t i = 0; i < last; i++) {
		sc_plan_step *a = &p->v[i];
		if (strcmp(a->kind, b->kind) || strcmp(a->version, b->version) ||
		    a->has_seed != b->has_seed || (a->has_seed && a->seed != b->seed) ||
		    !json_equal(a->params, b->params) || !same_inputs(a, b))
			continue;
		free_step(b);
		p->n--;
		return i;
	}
	return last;
}

void sc_plan_compute_key(sc_plan_step *st)
{
	json_t *in = json_object();
	for (size_t k = 0; k < st->n_in; k++) {
		char id[SC_OID_IDLEN];
		sc_oid_id(&st->in[k].oid, id);
		json_object_set_new(in, st->in[k].role, json_string(id));
	}
	json_t *j = json_pack("{s:s, s:s, s:O, s:o, s:o}", "kind", st->kind, "version", st->version,
			      "params", st->params, "seed",
			      st->has_seed ? json_integer(st->seed) : json_null(), "inputs", in);
	/* portable outputs differ from fast ones in the last bits: never share */
	if (sc_portable_active())
		json_object_set_new(j, "portable", json_true());
	free(st->key_json);
	st->key_json = sc_json_canonical(j);
	json_decref(j);
	sc_oid id;
	sc_hash_buf(&id, st->key_json, strlen(st->key_json));
	sc_oid_hex(&id, st->key);
}

char *sc_plan_step_label(const sc_plan_step *st)
{
	char seed[32] = "";
	if (st->has_seed)
		snprintf(seed, sizeof(seed), " seed=%lld", (long long)st->seed);
	return sc_xasprintf("%s %s%s%s%s", st->kind, st->dataset ? st->dataset : "",
			    st->method ? "/" : "", st->method ? st->method : "", seed);
}

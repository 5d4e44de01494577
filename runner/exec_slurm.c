/*
 * exec_slurm.c - the Slurm executor (see exec_slurm.h for the protocol).
 *
 * Built for runs of tens to thousands of steps of seconds to hours each on
 * a cluster: the submitter spends a few sbatch calls per step and one
 * squeue call per poll for all its jobs, so its own cost does not grow
 * with the length of the steps. Everything a job needs travels through the
 * store: the step's definition is an object (its inputs are objects too),
 * the job writes its outputs and result record as objects, and the only
 * file outside the object tree is the small pointer .sceval/jobs/ID.result
 * (written atomically) with the job's log beside it.
 */
#include "exec_slurm.h"
#include "runner/exec.h"
#include "runner/steplock.h"
#include "store/catalog.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RECORD_FORMAT "sceval-step-result"

typedef struct slurm_job {
	sc_plan_step *st;
	char id[32];
	char state[32];
	char node[128];
	double submitted;
	int seen; /* squeue listed it in the last poll */
} slurm_job;

struct sc_slurm {
	sc_slurm_opts o;
	char exe[4096];
	slurm_job *jobs;
	size_t n, cap;
	double last_poll;
};

/* ---- running Slurm's commands ---------------------------------------------------- */

/* Run argv with in (or nothing) on stdin; its stdout into out, its stderr
 * into errout. Returns the exit status (128 + signal), -1 when it could not
 * be started. */
static int run_tool(char *const argv[], const char *in, sc_buf *out, sc_buf *errout)
{
	int pi[2], po[2], pe[2];
	if (pipe(pi) < 0)
		return -1;
	if (pipe(po) < 0) {
		close(pi[0]);
		close(pi[1]);
		return -1;
	}
	if (pipe(pe) < 0) {
		close(pi[0]);
		close(pi[1]);
		close(po[0]);
		close(po[1]);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pi[0], 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		for (int k = 0; k < 2; k++) {
			close(pi[k]);
			close(po[k]);
			close(pe[k]);
		}
		signal(SIGINT, SIG_IGN); /* the submitter decides what a Ctrl-C cancels */
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pi[0]);
	close(po[1]);
	close(pe[1]);
	if (pid < 0) {
		close(pi[1]);
		close(po[0]);
		close(pe[0]);
		return -1;
	}
	if (in && sc_write_full(pi[1], in, strlen(in)) < 0) {
		/* the tool's exit status tells what went wrong */
	}
	close(pi[1]);
	struct pollfd fds[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
	sc_buf *dst[2] = { out, errout };
	int open_n = 2;
	while (open_n) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int k = 0; k < 2; k++) {
			if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[4096];
			ssize_t r = read(fds[k].fd, buf, sizeof(buf));
			if (r > 0) {
				sc_buf_add(dst[k], buf, (size_t)r);
			} else if (r == 0 || errno != EINTR) {
				close(fds[k].fd);
				fds[k].fd = -1;
				open_n--;
			}
		}
	}
	for (int k = 0; k < 2; k++)
		if (fds[k].fd >= 0)
			close(fds[k].fd);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The first line of a tool's message, for errors. */
static const char *first_line(sc_buf *b)
{
	if (!b->len)
		return "";
	char *nl = strchr(b->s, '\n');
	if (nl)
		*nl = 0;
	return b->s;
}

int sc_slurm_create(sc_slurm **out, const sc_slurm_opts *o, sc_err *err)
{
	*out = NULL;
	sc_buf a = SC_BUF_INIT, b = SC_BUF_INIT;
	sc_buf_init(&a);
	sc_buf_init(&b);
	char *argv[] = { "sbatch", "--version", NULL };
	int st = run_tool(argv, NULL, &a, &b);
	sc_buf_free(&a);
	sc_buf_free(&b);
	if (st != 0)
		return sc_errf(err, SC_ENOTFOUND,
			       "--executor slurm: cannot run 'sbatch' (is Slurm installed on this "
			       "host and in PATH?)");
	sc_slurm *sl = sc_xcalloc(1, sizeof(*sl));
	sl->o = *o;
	if (sl->o.poll_s <= 0)
		sl->o.poll_s = 2;
	ssize_t n = readlink("/proc/self/exe", sl->exe, sizeof(sl->exe) - 1);
	if (n <= 0) {
		free(sl);
		return sc_errsys(err, errno, "cannot find this sceval's own path");
	}
	sl->exe[n] = 0;
	*out = sl;
	return 0;
}

void sc_slurm_free(sc_slurm *sl)
{
	if (!sl)
		return;
	free(sl->jobs);
	free(sl);
}

/* ---- definitions and result records --------------------------------------------- */

static json_t *definition(const sc_plan_step *st)
{
	json_t *in = json_array();
	for (size_t k = 0; k < st->n_in; k++) {
		char id[SC_OID_IDLEN];
		sc_oid_id(&st->in[k].oid, id);
		json_t *e = json_pack("{s:s, s:s}", "role", st->in[k].role, "object", id);
		if (st->in[k].name)
			json_object_set_new(e, "name", json_string(st->in[k].name));
		json_array_append_new(in, e);
	}
	json_t *d = json_pack("{s:s, s:i, s:s, s:s, s:s, s:O, s:b, s:I, s:o, s:b, s:f}", "format",
			      "sceval-step", "version", 1, "key", st->key, "kind", st->kind,
			      "impl_version", st->version, "params", st->params, "has_seed",
			      st->has_seed, "seed", (json_int_t)st->seed, "inputs", in,
			      "deterministic", st->deterministic, "timeout", st->timeout);
	if (st->environment)
		json_object_set(d, "environment", st->environment);
	return d;
}

/* A one-step plan from a definition; SC_EINVAL when it is not one, or was
 * written by an sceval whose step differs from ours. */
static int step_of(sc_plan *p, const json_t *d, sc_err *err)
{
	const char *kind = sc_json_str(d, "kind", NULL);
	json_t *in = json_object_get(d, "inputs");
	if (strcmp(sc_json_str(d, "format", ""), "sceval-step") || !kind || !json_is_array(in) ||
	    !json_is_object(json_object_get(d, "params")))
		return sc_errf(err, SC_EINVAL, "not a step definition");
	const char *want = sc_json_str(d, "impl_version", "");
	const char *have = sc_plan_kind_version(kind);
	if (!have || strcmp(have, want))
		return sc_errf(err, SC_EINVAL,
			       "step kind '%s' version '%s' is not this sceval's ('%s'): run the "
			       "same sceval on every node",
			       kind, want, have ? have : "unknown");
	size_t i = sc_plan_add(p, kind, json_deep_copy(json_object_get(d, "params")),
			       json_is_true(json_object_get(d, "has_seed")),
			       sc_json_int(d, "seed", 0));
	size_t k;
	json_t *e;
	json_array_foreach(in, k, e)
	{
		sc_oid o;
		if (sc_oid_parse(&o, sc_json_str(e, "object", "")))
			return sc_errf(err, SC_EINVAL, "step definition: bad input object");
		sc_plan_input_obj(p, i, sc_json_str(e, "role", ""), &o, sc_json_str(e, "name", NULL));
	}
	sc_plan_step *st = &p->v[i];
	st->deterministic = json_is_true(json_object_get(d, "deterministic"));
	st->timeout = json_number_value(json_object_get(d, "timeout"));
	json_t *env = json_object_get(d, "environment");
	if (env)
		st->environment = json_incref(env);
	sc_plan_compute_key(st);
	if (strcmp(st->key, sc_json_str(d, "key", "")))
		return sc_errf(err, SC_EINVAL, "step definition: its key does not match its content");
	return 0;
}

static json_t *result_record(const sc_plan_step *st, json_t *objects)
{
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	json_t *r = json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:O, s:O, s:O, s:f, s:f, s:I, "
			      "s:s, s:s, s:O, s:s}",
			      "format", RECORD_FORMAT, "version", 1, "key", st->key, "state",
			      st->state == SC_STEP_DONE ? "done" : "failed", "error",
			      st->error ? st->error : "", "exit_status", st->exit_status, "outputs",
			      st->outputs, "metrics", st->metrics, "notes", st->notes, "wall",
			      st->wall, "cpu", st->cpu, "maxrss_kb", (json_int_t)st->maxrss_kb,
			      "log_out", st->log_out, "log_err", st->log_err, "objects", objects,
			      "host", host);
	return r;
}

int sc_slurm_step_run(sc_store *s, const char *def, int *step_failed, sc_err *err)
{
	*step_failed = 1;
	sc_oid id;
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_plan p = { 0 };
	json_t *d = NULL, *objects = json_array(), *rec = NULL;
	char *text = NULL;
	int rc = sc_store_resolve(s, def, &id, err);
	if (!rc)
		rc = sc_store_read(s, &id, &b, err);
	if (rc)
		goto out;
	json_error_t je;
	d = json_loadb(b.s, b.len, 0, &je);
	if (!d) {
		rc = sc_errf(err, SC_EINVAL, "'%s' is not a step definition", def);
		goto out;
	}
	if ((rc = step_of(&p, d, err)))
		goto out;
	sc_plan_step *st = &p.v[0];
	const char *tmp = getenv("TMPDIR");
	if ((rc = sc_exec_step_alone(s, st, tmp && *tmp ? tmp : "/tmp", objects, err)))
		goto out;
	rec = result_record(st, objects);
	text = sc_json_canonical(rec);
	sc_oid rid;
	if ((rc = sc_store_put_buf(s, text, strlen(text), &rid, err)))
		goto out;
	char rhex[SC_OID_IDLEN];
	sc_oid_id(&rid, rhex);
	const char *job = getenv("SLURM_JOB_ID");
	if (job && *job) {
		char *ptr = sc_xasprintf("%s/jobs/%s.result", sc_store_root(s), job);
		rc = sc_write_file_atomic(ptr, rhex, strlen(rhex), 0644, err);
		free(ptr);
	} else {
		printf("%s\n", rhex);
	}
	*step_failed = st->state != SC_STEP_DONE;
out:
	free(text);
	json_decref(rec);
	json_decref(objects);
	json_decref(d);
	sc_plan_free(&p);
	sc_buf_free(&b);
	return rc;
}

/* ---- submitting ---------------------------------------------------------------- */

/* One word for a sh script, single-quoted. */
static void sh_quote(sc_buf *b, const char *s)
{
	sc_buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			sc_buf_puts(b, "'\\''");
		else
			sc_buf_putc(b, *s);
	}
	sc_buf_putc(b, '\'');
}

/* The resource a job asks for: the step's own (its spec's task or
 * method), else the command line's. */
static const char *resource(const sc_plan_step *st, const char *key, const char *dflt,
			    char *num, size_t n)
{
	json_t *v = st->resources ? json_object_get(st->resources, key) : NULL;
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(num, n, "%lld", (long long)json_integer_value(v));
		return num;
	}
	return dflt;
}

static char **sbatch_argv(sc_slurm *sl, sc_store *s, const sc_plan_step *st, char *bufs[3])
{
	static const char *const keys[] = { "partition", "account", "time", "mem", "cpus", "gres" };
	static const char *const flags[] = { "--partition", "--account", "--time", "--mem",
					     "--cpus-per-task", "--gres" };
	char cpus[32] = "";
	if (sl->o.cpus > 0)
		snprintf(cpus, sizeof(cpus), "%d", sl->o.cpus);
	const char *dflt[] = { sl->o.partition, sl->o.account, sl->o.time, sl->o.mem,
			       cpus[0] ? cpus : NULL, sl->o.gres };
	char **av = sc_xcalloc(16, sizeof(char *));
	size_t n = 0;
	av[n++] = "sbatch";
	av[n++] = "--parsable";
	bufs[0] = sc_xasprintf("--job-name=sceval-%.12s", st->key);
	bufs[1] = sc_xasprintf("--output=%s/jobs/%%j.log", sc_store_root(s));
	bufs[2] = sc_xasprintf("--chdir=%s/jobs", sc_store_root(s));
	av[n++] = bufs[0];
	av[n++] = bufs[1];
	av[n++] = bufs[2];
	for (int k = 0; k < 6; k++) {
		char num[32];
		const char *v = resource(st, keys[k], dflt[k], num, sizeof(num));
		if (!v || !*v)
			continue;
		char *a = sc_xasprintf("%s=%s", flags[k], v);
		av[n++] = a;
	}
	av[n] = NULL;
	return av;
}

int sc_slurm_submit(sc_slurm *sl, sc_store *s, sc_plan_step *st, sc_err *err)
{
	json_t *d = definition(st);
	char *text = sc_json_canonical(d);
	json_decref(d);
	sc_oid did;
	char *jobs = sc_path_join(sc_store_root(s), "jobs");
	int rc = sc_store_put_buf(s, text, strlen(text), &did, err);
	free(text);
	if (!rc)
		rc = sc_mkdir_p(jobs, 0755, err);
	free(jobs);
	if (rc)
		return rc;
	char did_s[SC_OID_IDLEN];
	sc_oid_id(&did, did_s);
	sc_buf script = SC_BUF_INIT, out = SC_BUF_INIT, eo = SC_BUF_INIT;
	sc_buf_init(&script);
	sc_buf_init(&out);
	sc_buf_init(&eo);
	sc_buf_puts(&script, "#!/bin/sh\nexec ");
	sh_quote(&script, sl->exe);
	sc_buf_puts(&script, " -q --store ");
	sh_quote(&script, sc_store_top(s));
	sc_buf_printf(&script, " step %s\n", did_s);
	char *bufs[3] = { 0 };
	char **av = sbatch_argv(sl, s, st, bufs);
	int status = run_tool(av, script.s, &out, &eo);
	for (size_t k = 5; av[k]; k++) /* the resources, allocated by sbatch_argv */
		free(av[k]);
	free(av);
	for (int k = 0; k < 3; k++)
		free(bufs[k]);
	long long id = 0;
	if (status == 0 && sscanf(out.s ? out.s : "", "%lld", &id) == 1 && id > 0) {
		if (sl->n == sl->cap) {
			sl->cap = sl->cap ? 2 * sl->cap : 16;
			sl->jobs = sc_xrealloc(sl->jobs, sl->cap * sizeof(*sl->jobs));
		}
		slurm_job *j = &sl->jobs[sl->n++];
		memset(j, 0, sizeof(*j));
		j->st = st;
		snprintf(j->id, sizeof(j->id), "%lld", id);
		snprintf(j->state, sizeof(j->state), "PENDING");
		j->submitted = sc_mono_sec();
		st->state = SC_STEP_RUNNING;
		st->started = j->submitted;
		json_decref(st->executor);
		st->executor = json_pack("{s:s, s:s}", "executor", "slurm", "job", j->id);
	} else {
		st->state = SC_STEP_FAILED;
		free(st->error);
		st->error = sc_xasprintf("sbatch refused the job: %s",
					 eo.len ? first_line(&eo) : "no job id");
	}
	sc_buf_free(&script);
	sc_buf_free(&out);
	sc_buf_free(&eo);
	return 0;
}

/* ---- polling ------------------------------------------------------------------- */

/* Slurm states after which a job will not run again (a preempted job that
 * is requeued shows PENDING instead). */
static int state_final(const char *s)
{
	static const char *const fin[] = { "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT",
					   "PREEMPTED", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL",
					   "DEADLINE", "REVOKED", "SPECIAL_EXIT", NULL };
	for (int k = 0; fin[k]; k++)
		if (!strncmp(s, fin[k], strlen(fin[k])))
			return 1;
	return 0;
}

static slurm_job *job_by_id(sc_slurm *sl, const char *id)
{
	for (size_t i = 0; i < sl->n; i++)
		if (!strcmp(sl->jobs[i].id, id))
			return &sl->jobs[i];
	return NULL;
}

/* Fill state and node of the listed jobs with one squeue call. */
static void squeue_all(sc_slurm *sl)
{
	sc_buf ids = SC_BUF_INIT, out = SC_BUF_INIT, eo = SC_BUF_INIT;
	sc_buf_init(&ids);
	sc_buf_init(&out);
	sc_buf_init(&eo);
	for (size_t i = 0; i < sl->n; i++) {
		sl->jobs[i].seen = 0;
		sc_buf_printf(&ids, "%s%s", i ? "," : "", sl->jobs[i].id);
	}
	char *av[] = { "squeue", "-h", "-t", "all", "-o", "%i|%T|%N", "-j", ids.s, NULL };
	run_tool(av, NULL, &out, &eo);
	char *save = NULL;
	for (char *line = strtok_r(out.s ? out.s : "", "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char id[32], state[32], node[128] = "";
		if (sscanf(line, "%31[^|]|%31[^|]|%127s", id, state, node) < 2)
			continue;
		slurm_job *j = job_by_id(sl, id);
		if (!j)
			continue;
		j->seen = 1;
		snprintf(j->state, sizeof(j->state), "%s", state);
		if (node[0])
			snprintf(j->node, sizeof(j->node), "%s", node);
	}
	sc_buf_free(&ids);
	sc_buf_free(&out);
	sc_buf_free(&eo);
}

/* A job squeue no longer lists: ask the accounting (sacct), else the
 * controller (scontrol, which keeps ended jobs for MinJobAge). 1 when its
 * state is known. */
static int ask_ended(slurm_job *j)
{
	sc_buf out = SC_BUF_INIT, eo = SC_BUF_INIT;
	sc_buf_init(&out);
	sc_buf_init(&eo);
	int found = 0;
	char *sa[] = { "sacct", "-n", "-P", "-X", "-o", "State,NodeList", "-j", j->id, NULL };
	char state[32], node[128] = "";
	if (run_tool(sa, NULL, &out, &eo) == 0 &&
	    sscanf(out.s ? out.s : "", "%31[^|\n]|%127[^\n]", state, node) >= 1) {
		found = 1;
	} else {
		sc_buf_reset(&out);
		char *sc[] = { "scontrol", "-o", "show", "job", j->id, NULL };
		const char *p;
		if (run_tool(sc, NULL, &out, &eo) == 0 && out.s && (p = strstr(out.s, "JobState=")) &&
		    sscanf(p, "JobState=%31s", state) == 1) {
			found = 1;
			const char *q = strstr(out.s, " NodeList=");
			if (q)
				sscanf(q, " NodeList=%127s", node);
		}
	}
	if (found) {
		/* sacct writes "CANCELLED by 0": the state is the first word. */
		state[strcspn(state, " ")] = 0;
		snprintf(j->state, sizeof(j->state), "%s", state);
		if (node[0] && strcmp(node, "(null)") && strcmp(node, "None assigned"))
			snprintf(j->node, sizeof(j->node), "%s", node);
	}
	sc_buf_free(&out);
	sc_buf_free(&eo);
	return found;
}

/* The job's result record, or NULL when it wrote none. */
static json_t *read_record(sc_store *s, const slurm_job *j)
{
	char *ptr = sc_xasprintf("%s/jobs/%s.result", sc_store_root(s), j->id);
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_err e;
	json_t *rec = NULL;
	sc_oid rid;
	if (sc_read_file(&b, ptr, &e) == 0 && b.len) {
		while (b.len && (b.s[b.len - 1] == '\n' || b.s[b.len - 1] == ' '))
			b.s[--b.len] = 0;
		if (sc_oid_parse(&rid, b.s) == 0) {
			sc_buf_reset(&b);
			json_error_t je;
			if (sc_store_read(s, &rid, &b, &e) == 0)
				rec = json_loadb(b.s, b.len, 0, &je);
		}
	}
	sc_buf_free(&b);
	free(ptr);
	if (rec && strcmp(sc_json_str(rec, "format", ""), RECORD_FORMAT)) {
		json_decref(rec);
		rec = NULL;
	}
	return rec;
}

/* Record the objects a job wrote (the catalog's writer is this process). */
static int note_objects(sc_store *s, const json_t *objects, sc_err *err)
{
	int rc = sc_catalog_begin(s, err);
	size_t k;
	json_t *o;
	json_array_foreach(objects, k, o)
	{
		sc_oid id;
		if (rc || sc_oid_parse(&id, sc_json_str(o, "id", "")))
			continue;
		rc = sc_store_note(s, &id, (int)sc_json_int(o, "type", 0),
				   (uint64_t)sc_json_int(o, "size", 0), sc_json_str(o, "kind", "output"),
				   0, NULL, err);
	}
	if (rc) {
		sc_catalog_rollback(s);
		return rc;
	}
	return sc_catalog_commit(s, err);
}

static void fill_from_record(sc_plan_step *st, const json_t *rec)
{
	st->state = !strcmp(sc_json_str(rec, "state", ""), "done") ? SC_STEP_DONE : SC_STEP_FAILED;
	free(st->error);
	st->error = st->state == SC_STEP_FAILED ? sc_xstrdup(sc_json_str(rec, "error", "failed"))
						: NULL;
	st->exit_status = (int)sc_json_int(rec, "exit_status", 0);
	json_decref(st->outputs);
	json_decref(st->metrics);
	json_decref(st->notes);
	st->outputs = json_deep_copy(json_object_get(rec, "outputs"));
	st->metrics = json_deep_copy(json_object_get(rec, "metrics"));
	st->notes = json_deep_copy(json_object_get(rec, "notes"));
	st->wall = json_number_value(json_object_get(rec, "wall"));
	st->cpu = json_number_value(json_object_get(rec, "cpu"));
	st->maxrss_kb = (long)sc_json_int(rec, "maxrss_kb", 0);
	snprintf(st->log_out, sizeof(st->log_out), "%s", sc_json_str(rec, "log_out", ""));
	snprintf(st->log_err, sizeof(st->log_err), "%s", sc_json_str(rec, "log_err", ""));
}

/* A job ended: its step becomes DONE or FAILED, with where it ran. */
static int collect_job(sc_store *s, slurm_job *j, sc_err *err)
{
	sc_plan_step *st = j->st;
	json_decref(st->executor);
	st->executor = json_pack("{s:s, s:s, s:s, s:s}", "executor", "slurm", "job", j->id, "node",
				 j->node[0] ? j->node : "", "state", j->state);
	char *logp = sc_xasprintf("%s/jobs/%s.log", sc_store_root(s), j->id);
	char *ptr = sc_xasprintf("%s/jobs/%s.result", sc_store_root(s), j->id);
	json_t *rec = read_record(s, j);
	int rc = 0;
	if (rec && !strcmp(sc_json_str(rec, "key", ""), st->key)) {
		rc = note_objects(s, json_object_get(rec, "objects"), err);
		fill_from_record(st, rec);
	} else {
		/* No result: the job died before it could write one (time limit,
		 * preemption, memory, node failure, cancelled by someone). Its
		 * log is the step's record of what happened. */
		st->state = SC_STEP_FAILED;
		st->wall = sc_mono_sec() - j->submitted;
		char *tail = sc_exec_log_last_line(logp);
		free(st->error);
		st->error = sc_xasprintf("Slurm job %s %s%s%s%s%s", j->id, j->state,
					 j->node[0] ? " on " : "", j->node, tail ? ": " : "",
					 tail ? tail : "");
		free(tail);
		struct stat sb;
		if (stat(logp, &sb) == 0 && sb.st_size > 0) {
			sc_ingest_list l = { 0 };
			sc_oid id;
			sc_err e;
			if (sc_store_ingest(s, logp, &l, &id, &e) == 0 &&
			    sc_store_record(s, &l, "log", NULL, 0, &e) == 0)
				sc_oid_id(&id, st->log_err);
			sc_ingest_list_free(&l);
		}
	}
	json_decref(rec);
	if (!rc) {
		unlink(ptr);
		unlink(logp);
	}
	free(ptr);
	free(logp);
	return rc;
}

int sc_slurm_poll(sc_slurm *sl, sc_store *s, sc_plan *p, size_t **ended, size_t *n, sc_err *err)
{
	*ended = NULL;
	*n = 0;
	double now = sc_mono_sec();
	if (!sl->n || now - sl->last_poll < sl->o.poll_s)
		return 0;
	sl->last_poll = now;
	squeue_all(sl);
	size_t *v = sc_xcalloc(sl->n, sizeof(size_t));
	size_t k = 0, keep = 0;
	int rc = 0;
	for (size_t i = 0; i < sl->n; i++) {
		slurm_job *j = &sl->jobs[i];
		int over = j->seen ? state_final(j->state) : ask_ended(j) && state_final(j->state);
		/* A job just submitted may not be listed yet; one that no
		 * command knows after a minute is gone (its record decides). */
		if (!j->seen && !over && now - j->submitted > 60) {
			snprintf(j->state, sizeof(j->state), "UNKNOWN");
			over = 1;
		}
		if (!over || rc) {
			sl->jobs[keep++] = *j;
			continue;
		}
		rc = collect_job(s, j, err);
		if (rc) {
			sl->jobs[keep++] = *j;
			continue;
		}
		v[k++] = (size_t)(j->st - p->v);
	}
	sl->n = keep;
	*ended = v;
	*n = k;
	return rc;
}

void sc_slurm_cancel_all(sc_slurm *sl, sc_store *s, sc_plan *p)
{
	(void)p;
	if (!sl->n)
		return;
	char **av = sc_xcalloc(sl->n + 3, sizeof(char *));
	size_t n = 0;
	av[n++] = "scancel";
	for (size_t i = 0; i < sl->n; i++)
		av[n++] = sl->jobs[i].id;
	sc_buf out = SC_BUF_INIT, eo = SC_BUF_INIT;
	sc_buf_init(&out);
	sc_buf_init(&eo);
	run_tool(av, NULL, &out, &eo);
	free(av);
	/* Wait (a little) until no job of ours runs any more, so the locks we
	 * release are not released under a running step. */
	double until = sc_mono_sec() + 10;
	for (;;) {
		squeue_all(sl);
		int live = 0;
		for (size_t i = 0; i < sl->n; i++)
			if (sl->jobs[i].seen && !state_final(sl->jobs[i].state))
				live++;
		if (!live || sc_mono_sec() > until)
			break;
		struct timespec ts = { 0, 200000000 };
		nanosleep(&ts, NULL);
	}
	for (size_t i = 0; i < sl->n; i++) {
		sc_plan_step *st = sl->jobs[i].st;
		st->state = SC_STEP_PENDING;
		if (st->locked) {
			sc_steplock_release(s, st->key);
			st->locked = 0;
		}
		char *f = sc_xasprintf("%s/jobs/%s.result", sc_store_root(s), sl->jobs[i].id);
		unlink(f);
		free(f);
		f = sc_xasprintf("%s/jobs/%s.log", sc_store_root(s), sl->jobs[i].id);
		unlink(f);
		free(f);
	}
	sl->n = 0;
	sc_buf_free(&out);
	sc_buf_free(&eo);
}

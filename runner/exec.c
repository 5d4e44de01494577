/*
 * exec.c - the step executor.
 *
 * One parent process schedules; every step that is computed runs in a child
 * process (forked for built-in steps, forked and exec'd for external
 * commands) with its own scratch folder under .sceval/tmp, so a crashing or
 * leaking step cannot take the runner down, its peak memory and CPU time
 * come from wait4, and an interrupt can stop all of them. The parent is the
 * only writer of the catalog for this process.
 *
 * Concurrency between processes: before computing a step the parent takes
 * the step's lock (runner/steplock.h: an atomic create in the store, which
 * holds across the nodes of a cluster) and looks in the cache again under
 * the lock, so two `sceval run` of the same spec compute each step once;
 * the one that waits finds the other's result in the cache.
 *
 * With a Slurm executor (exec_slurm.c) the same loop decides what runs when;
 * starting a step submits a job instead of forking, and the jobs' results
 * are collected by polling. The job itself runs sc_exec_step_alone below:
 * the same code that computes a step here.
 */
#include "exec.h"
#include "runner/exec_slurm.h"
#include "runner/record.h"
#include "runner/steplock.h"
#include "store/catalog.h"
#include "tasks/step.h"
#include "util/buf.h"
#include "util/fmt.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t g_interrupt;

static void on_signal(int sig)
{
	g_interrupt = sig;
}

void sc_exec_install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int sc_exec_interrupted(void)
{
	return g_interrupt != 0;
}

typedef struct exec_ctx {
	sc_store *s;
	sc_plan *p;
	const sc_exec_opts *o;
	sc_exec_stats *stats;
	size_t finished;
	int ord;
	int batch; /* a write transaction is open for a batch of records */
	const char *scratch_base; /* NULL: the store's tmp/ */
	json_t *objects; /* non-NULL: write objects only, list them here (no catalog) */
	double refreshed; /* when the held step locks were last refreshed */
	int *progress_fd;                /* per step: the read end of its progress pipe, or -1 */
	sc_progress_relay *progress_relay; /* per step */
} exec_ctx;

/* Records of cache hits are batched into one transaction (one fsync, not one
 * per step: a fully cached run of hundreds of steps is then instant); the
 * batch is committed before anything that takes time or waits. */
static int batch_begin(exec_ctx *x, sc_err *err)
{
	if (x->batch || x->o->no_record)
		return 0;
	int rc = sc_catalog_begin(x->s, err);
	if (!rc)
		x->batch = 1;
	return rc;
}

static int batch_end(exec_ctx *x, sc_err *err)
{
	if (!x->batch)
		return 0;
	x->batch = 0;
	return sc_catalog_commit(x->s, err);
}

static void say(exec_ctx *x, const sc_plan_step *st, const char *what)
{
	if (!x->o->progress)
		return;
	sc_progress_line(NULL); /* a step's progress line, if one is drawn */
	char *label = sc_plan_step_label(st);
	char el[32] = "";
	if (st->state == SC_STEP_DONE || st->state == SC_STEP_FAILED)
		sc_fmt_duration(st->wall, el);
	fprintf(stderr, "[%3zu/%zu] %-8s %s%s%s%s%s\n", x->finished, x->p->n, what, label,
		el[0] ? "  " : "", el, st->error && st->state == SC_STEP_FAILED ? ": " : "",
		st->error && st->state == SC_STEP_FAILED ? st->error : "");
	free(label);
}

static void set_error(sc_plan_step *st, const char *fmt, ...) SC_PRINTF(2, 3);
static void set_error(sc_plan_step *st, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(st->error);
	st->error = sc_xstrdup(buf);
}

/* A step reached a final state: count it, record it, release its lock. */
static int finish(exec_ctx *x, sc_plan_step *st, sc_err *err)
{
	x->finished++;
	if (st->state == SC_STEP_DONE) {
		if (st->cached)
			x->stats->cached++;
		else
			x->stats->done++;
	} else if (st->state == SC_STEP_FAILED) {
		x->stats->failed++;
	} else if (st->state == SC_STEP_SKIPPED) {
		x->stats->skipped++;
	}
	int ord = (int)(st - x->p->v);
	int rc = 0;
	if (!x->o->no_record)
		rc = sc_step_record(x->s, x->o->run, st, ord, err);
	if (st->locked) {
		sc_steplock_release(x->s, st->key);
		st->locked = 0;
	}
	say(x, st, st->state == SC_STEP_DONE ? (st->cached ? "cached" : "done")
		   : st->state == SC_STEP_FAILED ? "failed"
						 : "skipped");
	/* What a step says the user must hear (dropped classes, ...) is shown
	 * when it is computed; `sceval show RUN` shows it again later. */
	if (!st->cached && x->o->progress) {
		size_t k;
		json_t *n;
		json_array_foreach(st->notes, k, n)
			fprintf(stderr, "          note: %s\n", json_string_value(n));
	}
	return rc;
}

/* Inputs produced by earlier steps: 1 when all are available, 0 when some
 * are not done yet, -1 when one failed or did not produce what is needed. */
static int resolve_inputs(exec_ctx *x, sc_plan_step *st)
{
	for (size_t k = 0; k < st->n_in; k++) {
		sc_plan_input *in = &st->in[k];
		if (in->from < 0)
			continue;
		sc_plan_step *src = &x->p->v[in->from];
		if (src->state == SC_STEP_FAILED || src->state == SC_STEP_SKIPPED) {
			char *l = sc_plan_step_label(src);
			set_error(st, "not run: its input step '%s' did not complete", l);
			free(l);
			return -1;
		}
		if (src->state != SC_STEP_DONE)
			return 0;
		json_t *o = json_object_get(src->outputs, in->from_output);
		if (!json_is_string(o) || sc_oid_parse(&in->oid, json_string_value(o))) {
			char *l = sc_plan_step_label(src);
			set_error(st, "not run: step '%s' produced no output '%s'", l, in->from_output);
			free(l);
			return -1;
		}
	}
	return 1;
}

/* A step found in the cache is done: *hit says whether it was. */
static int take_cached(exec_ctx *x, sc_plan_step *st, int *hit, sc_err *err)
{
	int rc = sc_cache_lookup(x->s, st, hit, err);
	if (rc || !*hit)
		return rc;
	st->state = SC_STEP_DONE;
	st->cached = 1;
	return finish(x, st, err);
}

static int take_lock(exec_ctx *x, sc_plan_step *st, int *got, sc_err *err)
{
	int rc = sc_steplock_take(x->s, st->key, got, err);
	if (!rc && *got)
		st->locked = 1;
	return rc;
}

/* Locks held for a long step are marked alive now and then, so that other
 * hosts do not take them for a dead holder's (steplock.h). */
static void refresh_locks(exec_ctx *x)
{
	double now = sc_mono_sec();
	if (now - x->refreshed < SC_STEPLOCK_REFRESH_S)
		return;
	x->refreshed = now;
	for (size_t i = 0; i < x->p->n; i++)
		if (x->p->v[i].locked)
			sc_steplock_refresh(x->s, x->p->v[i].key);
}

/* ---- scratch folders and materialised inputs ---------------------------- */

static int make_scratch(exec_ctx *x, sc_plan_step *st, sc_err *err)
{
	static unsigned counter;
	free(st->scratch);
	if (x->scratch_base) {
		st->scratch = sc_xasprintf("%s/sceval-step-%.12s-%ld-%u", x->scratch_base, st->key,
					   (long)getpid(), counter++);
	} else {
		st->scratch = sc_xasprintf("%s/tmp/step-%.12s-%s-%u", sc_store_root(x->s), st->key,
					   sc_store_tmp_owner_tag(), counter++);
	}
	char *in = sc_path_join(st->scratch, "in"), *out = sc_path_join(st->scratch, "out");
	int rc = sc_mkdir_p(in, 0755, err);
	if (!rc)
		rc = sc_mkdir_p(out, 0755, err);
	free(in);
	free(out);
	return rc;
}

static void drop_scratch(sc_plan_step *st)
{
	if (!st->scratch)
		return;
	sc_err e;
	if (sc_rm_rf(st->scratch, &e)) {
		/* a scratch folder left behind is removed by the next gc */
	}
	free(st->scratch);
	st->scratch = NULL;
}

/* The path a step reads input k from: the object file itself for blobs
 * (objects are read-only and open in place), a checkout for trees, and for
 * external commands always a read-only entry under in/ with a chosen name. */
static char *input_path(exec_ctx *x, sc_plan_step *st, size_t k, int materialise, sc_err *err)
{
	sc_plan_input *in = &st->in[k];
	int type;
	uint64_t size;
	if (sc_store_stat(x->s, &in->oid, &type, &size, err))
		return NULL;
	if (!materialise && type == SC_OBJ_BLOB)
		return sc_store_object_path(x->s, &in->oid);
	char *dir = sc_path_join(st->scratch, "in");
	char *dest = sc_path_join(dir, in->name);
	free(dir);
	if (sc_path_exists(dest))
		return dest;
	if (sc_store_checkout(x->s, &in->oid, dest, err)) {
		free(dest);
		return NULL;
	}
	return dest;
}

/* ---- children ------------------------------------------------------------ */

static void child_common(const char *scratch)
{
	/* Die with the runner: an orphaned step must not keep computing. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setpgid(0, 0);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	char *o = sc_path_join(scratch, "stdout.log"), *e = sc_path_join(scratch, "stderr.log");
	int fo = open(o, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int fe = open(e, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int fi = open("/dev/null", O_RDONLY);
	if (fo >= 0)
		dup2(fo, 1);
	if (fe >= 0)
		dup2(fe, 2);
	if (fi >= 0)
		dup2(fi, 0);
	free(o);
	free(e);
}

static void run_builtin_child(sc_plan_step *st, const sc_step_kind *k, char **paths,
			      int progress_fd)
{
	child_common(st->scratch);
	/* progress goes to the runner through the pipe, never into the logs */
	if (progress_fd >= 0)
		fcntl(progress_fd, F_SETFL, O_NONBLOCK);
	sc_progress_to_fd(progress_fd);
	const char **roles = sc_xcalloc(st->n_in + 1, sizeof(char *));
	for (size_t i = 0; i < st->n_in; i++)
		roles[i] = st->in[i].role;
	char *out = sc_path_join(st->scratch, "out");
	sc_err e;
	sc_err_clear(&e);
	sc_step_ctx c = { st->params, st->seed, st->n_in, roles, (const char *const *)paths, out,
			  json_object(), json_array(), &e };
	int rc = k->run(&c);
	if (rc && !e.msg[0])
		snprintf(e.msg, sizeof(e.msg), "step failed without a message");
	json_t *res = json_pack("{s:b, s:s, s:o, s:o}", "ok", rc == 0, "error", rc ? e.msg : "",
				"metrics", c.metrics, "notes", c.notes);
	char *rp = sc_path_join(st->scratch, "result.json");
	/* Our own checked write, not json_dump_file: jansson can drop a failed
	 * fwrite, and a step whose result is lost must say why (the runner
	 * quotes the end of stderr). */
	char *text = json_dumps(res, JSON_COMPACT | JSON_REAL_PRECISION(17));
	sc_err we;
	int w = text ? sc_write_file_atomic(rp, text, strlen(text), 0644, &we) : -1;
	if (w)
		fprintf(stderr, "sceval: %s\n", text ? we.msg : "cannot write the result: out of memory");
	free(text);
	fflush(stdout);
	fflush(stderr);
	_exit(rc == 0 && w == 0 ? 0 : 1);
}

/* Expand {input}, {input:ROLE}, {file:NAME}, {output}, {outdir}, {seed},
 * {scratch} and {{ / }} in one argv item. */
static char *expand(exec_ctx *x, sc_plan_step *st, const char *arg, char **paths, sc_err *err)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	for (const char *p = arg; *p; p++) {
		if (p[0] == '{' && p[1] == '{') {
			sc_buf_putc(&b, '{');
			p++;
			continue;
		}
		if (p[0] == '}' && p[1] == '}') {
			sc_buf_putc(&b, '}');
			p++;
			continue;
		}
		if (*p != '{') {
			sc_buf_putc(&b, *p);
			continue;
		}
		const char *end = strchr(p, '}');
		if (!end) {
			sc_errf(err, SC_EINVAL, "unclosed '{' in command argument '%s'", arg);
			goto fail;
		}
		char ph[256];
		snprintf(ph, sizeof(ph), "%.*s", (int)(end - p - 1), p + 1);
		const char *role = NULL;
		if (!strcmp(ph, "input"))
			role = "data";
		else if (!strncmp(ph, "input:", 6))
			role = ph + 6;
		else if (!strncmp(ph, "file:", 5))
			role = ph;
		if (role) {
			size_t k;
			for (k = 0; k < st->n_in; k++)
				if (!strcmp(st->in[k].role, role))
					break;
			if (k == st->n_in) {
				sc_errf(err, SC_EINVAL, "placeholder '{%s}' names no input", ph);
				goto fail;
			}
			sc_buf_puts(&b, paths[k]);
		} else if (!strcmp(ph, "output")) {
			sc_buf_printf(&b, "%s/out/%s", st->scratch, sc_json_str(st->params, "output", ""));
		} else if (!strcmp(ph, "outdir")) {
			sc_buf_printf(&b, "%s/out", st->scratch);
		} else if (!strcmp(ph, "seed")) {
			sc_buf_printf(&b, "%lld", (long long)st->seed);
		} else if (!strcmp(ph, "scratch")) {
			sc_buf_puts(&b, st->scratch);
		} else {
			sc_errf(err, SC_EINVAL, "unknown placeholder '{%s}'", ph);
			goto fail;
		}
		p = end;
	}
	(void)x;
	return sc_buf_detach(&b);
fail:
	sc_buf_free(&b);
	return NULL;
}

static void run_external_child(sc_plan_step *st, char **argv)
{
	child_common(st->scratch);
	if (chdir(st->scratch) < 0)
		_exit(126);
	char seed[32];
	snprintf(seed, sizeof(seed), "%lld", (long long)st->seed);
	setenv("SCEVAL_SEED", seed, 1);
	json_t *env = json_object_get(st->params, "env");
	const char *k;
	json_t *v;
	json_object_foreach(env, k, v)
		setenv(k, json_string_value(v), 1);
	execvp(argv[0], argv);
	fprintf(stderr, "sceval: cannot run '%s': %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int start_step(exec_ctx *x, sc_plan_step *st, sc_err *err)
{
	int rc = make_scratch(x, st, err);
	if (rc)
		return rc;
	int external = !strcmp(st->kind, "external");
	const sc_step_kind *k = external ? NULL : sc_step_kind_find(st->kind);
	if (!external && !k) {
		st->state = SC_STEP_FAILED;
		set_error(st, "unknown step kind '%s' (this sceval is %s)", st->kind, "too old?");
		return 0;
	}
	char **paths = sc_xcalloc(st->n_in + 1, sizeof(char *));
	char **argv = NULL;
	size_t argc = 0;
	for (size_t i = 0; i < st->n_in; i++) {
		sc_err e;
		paths[i] = input_path(x, st, i, external, &e);
		if (!paths[i]) {
			st->state = SC_STEP_FAILED;
			set_error(st, "cannot materialise input '%s': %s", st->in[i].role, e.msg);
			goto out;
		}
	}
	if (external) {
		json_t *cmd = json_object_get(st->params, "command");
		argc = json_array_size(cmd);
		argv = sc_xcalloc(argc + 1, sizeof(char *));
		for (size_t i = 0; i < argc; i++) {
			sc_err e;
			argv[i] = expand(x, st, json_string_value(json_array_get(cmd, i)), paths, &e);
			if (!argv[i]) {
				st->state = SC_STEP_FAILED;
				set_error(st, "%s", e.msg);
				goto out;
			}
		}
	}
	/* A built-in step's progress comes back through a pipe (close-on-exec:
	 * external commands never see it). */
	int pp[2] = { -1, -1 };
	if (!external && x->progress_fd && sc_progress_enabled() && pipe2(pp, O_CLOEXEC) < 0)
		pp[0] = pp[1] = -1;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		rc = sc_errsys(err, errno, "cannot start a step");
		if (pp[0] >= 0) {
			close(pp[0]);
			close(pp[1]);
		}
		goto out;
	}
	if (pid == 0) {
		if (external)
			run_external_child(st, argv);
		if (pp[0] >= 0)
			close(pp[0]);
		run_builtin_child(st, k, paths, pp[1]);
	}
	if (pp[0] >= 0) {
		close(pp[1]);
		fcntl(pp[0], F_SETFL, O_NONBLOCK);
		x->progress_fd[st - x->p->v] = pp[0];
		memset(&x->progress_relay[st - x->p->v], 0, sizeof(sc_progress_relay));
	}
	setpgid(pid, pid);
	st->pid = pid;
	st->state = SC_STEP_RUNNING;
	st->started = sc_mono_sec();
	st->timed_out = 0;
	st->kill_at = 0;
	say(x, st, "running");
out:
	for (size_t i = 0; i < st->n_in; i++)
		free(paths[i]);
	free(paths);
	for (size_t i = 0; i < argc; i++)
		free(argv ? argv[i] : NULL);
	free(argv);
	return rc;
}

/* Record what an ingest wrote: in the catalog, or, for a step computed
 * apart from the catalog's writer, in the list that writer records. */
static int record_ingested(exec_ctx *x, const sc_ingest_list *l, const char *kind, sc_err *err)
{
	if (!x->objects)
		return sc_store_record(x->s, l, kind, NULL, 0, err);
	for (size_t i = 0; i < l->n; i++) {
		char id[SC_OID_IDLEN];
		sc_oid_id(&l->v[i].oid, id);
		json_array_append_new(x->objects,
				      json_pack("{s:s, s:i, s:I, s:s}", "id", id, "type", l->v[i].type,
						"size", (json_int_t)l->v[i].size, "kind", kind));
	}
	return 0;
}

/* Store a log file as an object when it is not empty. */
static void keep_log(exec_ctx *x, sc_plan_step *st, const char *name, char *id_out)
{
	id_out[0] = 0;
	char *p = sc_path_join(st->scratch, name);
	struct stat sb;
	if (stat(p, &sb) == 0 && sb.st_size > 0) {
		sc_ingest_list l = { 0 };
		sc_oid id;
		sc_err e;
		if (sc_store_ingest(x->s, p, &l, &id, &e) == 0 &&
		    record_ingested(x, &l, "log", &e) == 0)
			sc_oid_id(&id, id_out);
		sc_ingest_list_free(&l);
	}
	free(p);
}

char *sc_exec_log_last_line(const char *path)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_err e;
	char *res = NULL;
	if (sc_read_file(&b, path, &e) == 0 && b.len) {
		size_t end = b.len;
		while (end && (b.s[end - 1] == '\n' || b.s[end - 1] == '\r'))
			end--;
		size_t start = end;
		while (start && b.s[start - 1] != '\n')
			start--;
		if (end > start)
			res = sc_xasprintf("%.*s", (int)(end - start > 300 ? 300 : end - start),
					   b.s + start);
	}
	sc_buf_free(&b);
	return res;
}

static int ingest_output(exec_ctx *x, sc_plan_step *st, const char *path, const char *role,
			 sc_err *err)
{
	sc_ingest_list l = { 0 };
	sc_oid id;
	int rc = sc_store_ingest(x->s, path, &l, &id, err);
	if (!rc)
		rc = record_ingested(x, &l, "output", err);
	sc_ingest_list_free(&l);
	if (!rc) {
		char sid[SC_OID_IDLEN];
		sc_oid_id(&id, sid);
		json_object_set_new(st->outputs, role, json_string(sid));
	}
	return rc;
}

static void collect(exec_ctx *x, sc_plan_step *st, int status, const struct rusage *ru)
{
	st->wall = sc_mono_sec() - st->started;
	st->cpu = (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec * 1e-6 +
		  (double)ru->ru_stime.tv_sec + ru->ru_stime.tv_usec * 1e-6;
	st->maxrss_kb = ru->ru_maxrss;
	st->pid = -1;
	st->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	int external = !strcmp(st->kind, "external");
	keep_log(x, st, "stdout.log", st->log_out);
	keep_log(x, st, "stderr.log", st->log_err);
	char *errlog = sc_path_join(st->scratch, "stderr.log");
	char *tail = sc_exec_log_last_line(errlog);
	free(errlog);
	sc_err e;
	st->state = SC_STEP_FAILED;
	if (st->timed_out) {
		set_error(st, "timed out after %gs (killed)", st->timeout);
	} else if (WIFSIGNALED(status)) {
		set_error(st, "%s killed by signal %d (%s)%s%s", external ? "command" : "step",
			  WTERMSIG(status), strsignal(WTERMSIG(status)), tail ? ": " : "", tail ? tail : "");
	} else if (external) {
		const char *oname = sc_json_str(st->params, "output", "");
		char *op = sc_xasprintf("%s/out/%s", st->scratch, oname);
		if (WEXITSTATUS(status) != 0)
			set_error(st, "command exited with status %d%s%s", WEXITSTATUS(status),
				  tail ? ": " : "", tail ? tail : "");
		else if (!sc_path_exists(op))
			set_error(st, "command exited 0 but did not write '%s'", oname);
		else if (ingest_output(x, st, op, oname, &e))
			set_error(st, "cannot store output '%s': %s", oname, e.msg);
		else
			st->state = SC_STEP_DONE;
		free(op);
	} else {
		char *rp = sc_path_join(st->scratch, "result.json");
		json_error_t je;
		json_t *res = json_load_file(rp, 0, &je);
		free(rp);
		if (!res) {
			set_error(st, "step exited with status %d and no result%s%s",
				  WEXITSTATUS(status), tail ? ": " : "", tail ? tail : "");
		} else if (!json_is_true(json_object_get(res, "ok"))) {
			set_error(st, "%s", sc_json_str(res, "error", "failed"));
		} else {
			json_decref(st->metrics);
			json_decref(st->notes);
			st->metrics = json_incref(json_object_get(res, "metrics"));
			st->notes = json_incref(json_object_get(res, "notes"));
			/* Every file the step wrote is an output, named by its file name. */
			char *od = sc_path_join(st->scratch, "out");
			DIR *d = opendir(od);
			int ok = d != NULL;
			struct dirent *de;
			while (ok && (de = readdir(d))) {
				if (de->d_name[0] == '.')
					continue;
				char *fp = sc_path_join(od, de->d_name);
				if (ingest_output(x, st, fp, de->d_name, &e)) {
					set_error(st, "cannot store output '%s': %s", de->d_name, e.msg);
					ok = 0;
				}
				free(fp);
			}
			if (d)
				closedir(d);
			free(od);
			if (ok)
				st->state = SC_STEP_DONE;
		}
		json_decref(res);
	}
	free(tail);
	drop_scratch(st);
}

/* A step past its timeout gets SIGTERM, and SIGKILL 5 s later. */
static void enforce_timeout(sc_plan_step *st)
{
	double now = sc_mono_sec();
	if (st->timeout > 0 && !st->timed_out && now - st->started > st->timeout) {
		st->timed_out = 1;
		st->kill_at = now + 5;
		killpg(st->pid, SIGTERM);
	} else if (st->timed_out && now > st->kill_at) {
		killpg(st->pid, SIGKILL);
	}
}

static void kill_running(exec_ctx *x)
{
	for (size_t i = 0; i < x->p->n; i++) {
		sc_plan_step *st = &x->p->v[i];
		if (st->state == SC_STEP_RUNNING && st->pid > 0)
			killpg(st->pid, SIGTERM);
	}
	double deadline = sc_mono_sec() + 5;
	for (;;) {
		int left = 0;
		for (size_t i = 0; i < x->p->n; i++) {
			sc_plan_step *st = &x->p->v[i];
			if (st->state != SC_STEP_RUNNING || st->pid <= 0)
				continue;
			int status;
			pid_t r = waitpid(st->pid, &status, WNOHANG);
			if (r == st->pid || (r < 0 && errno == ECHILD)) {
				st->pid = -1;
				st->state = SC_STEP_PENDING;
				if (st->locked) {
					sc_steplock_release(x->s, st->key);
					st->locked = 0;
				}
				drop_scratch(st);
			} else {
				left++;
				if (sc_mono_sec() > deadline)
					killpg(st->pid, SIGKILL);
			}
		}
		if (!left)
			break;
		struct timespec ts = { 0, 20000000 };
		nanosleep(&ts, NULL);
	}
}

static int exec_loop(exec_ctx *x, sc_err *err);

/* Steps whose Slurm jobs ended (recorded like children reaped here). */
static int reap_jobs(exec_ctx *x, int *running, int *stopping, int *progressed, sc_err *err)
{
	size_t *ended = NULL, n = 0;
	int rc = sc_slurm_poll(x->o->slurm, x->s, x->p, &ended, &n, err);
	for (size_t k = 0; !rc && k < n; k++) {
		sc_plan_step *st = &x->p->v[ended[k]];
		rc = finish(x, st, err);
		if (st->state == SC_STEP_FAILED && !x->o->keep_going)
			*stopping = 1;
		(*running)--;
		*progressed = 1;
	}
	free(ended);
	return rc;
}

/* What a running step wrote to its progress pipe, drawn under its label;
 * at its end (done), the pipe is closed. */
static void relay_progress(exec_ctx *x, sc_plan_step *st, int done)
{
	if (!x->progress_fd)
		return;
	size_t i = (size_t)(st - x->p->v);
	int fd = x->progress_fd[i];
	if (fd < 0)
		return;
	char buf[4096];
	ssize_t n;
	char *label = NULL;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (!label)
			label = sc_plan_step_label(st);
		sc_progress_relay_feed(&x->progress_relay[i], label, buf, (size_t)n);
	}
	free(label);
	if (done) {
		close(fd);
		x->progress_fd[i] = -1;
	}
}

int sc_exec_plan(sc_store *s, sc_plan *p, const sc_exec_opts *o, sc_exec_stats *stats, sc_err *err)
{
	exec_ctx x = { s, p, o, stats, 0, 0, 0, NULL, NULL, sc_mono_sec(), NULL, NULL };
	memset(stats, 0, sizeof(*stats));
	x.progress_fd = sc_xcalloc(p->n + 1, sizeof(int));
	x.progress_relay = sc_xcalloc(p->n + 1, sizeof(sc_progress_relay));
	for (size_t i = 0; i < p->n; i++)
		x.progress_fd[i] = -1;
	int rc = exec_loop(&x, err);
	for (size_t i = 0; i < p->n; i++)
		if (x.progress_fd[i] >= 0)
			close(x.progress_fd[i]);
	free(x.progress_fd);
	free(x.progress_relay);
	sc_progress_line(NULL);
	/* Whatever stopped the loop, the records already made are facts. */
	sc_err e2;
	int brc = batch_end(&x, rc ? &e2 : err);
	return rc ? rc : brc;
}

static int exec_loop(exec_ctx *x, sc_err *err)
{
	sc_plan *p = x->p;
	const sc_exec_opts *o = x->o;
	sc_exec_stats *stats = x->stats;
	int jobs = o->jobs > 0 ? o->jobs : 1;
	int stopping = 0, rc = 0;
	for (;;) {
		if (g_interrupt) {
			if (o->slurm)
				sc_slurm_cancel_all(o->slurm, x->s, p);
			else
				kill_running(x);
			stats->interrupted = 1;
			return sc_errf(err, SC_EINTR, "interrupted");
		}
		int running = 0, progressed = 0;
		for (size_t i = 0; i < p->n; i++)
			if (p->v[i].state == SC_STEP_RUNNING)
				running++;
		if ((rc = batch_begin(x, err)))
			return rc;
		/* Start what can start. */
		for (size_t i = 0; i < p->n && !stopping; i++) {
			sc_plan_step *st = &p->v[i];
			if (st->state != SC_STEP_PENDING && st->state != SC_STEP_WAITLOCK)
				continue;
			int r = resolve_inputs(x, st);
			if (r < 0) {
				st->state = SC_STEP_SKIPPED;
				if ((rc = finish(x, st, err)))
					return rc;
				progressed = 1;
				continue;
			}
			if (r == 0)
				continue;
			if (!st->key[0])
				sc_plan_compute_key(st);
			if (!o->force && !o->no_record) {
				int hit;
				if ((rc = take_cached(x, st, &hit, err)))
					return rc;
				if (hit) {
					progressed = 1;
					continue;
				}
			}
			if (running >= jobs)
				continue;
			if (!o->no_record) {
				int got;
				if ((rc = take_lock(x, st, &got, err)))
					return rc;
				if (!got) {
					if (st->state != SC_STEP_WAITLOCK && o->progress)
						say(x, st, "waiting");
					st->state = SC_STEP_WAITLOCK;
					continue;
				}
				/* Someone may have finished it while we waited for the lock. */
				if (!o->force) {
					int hit;
					if ((rc = take_cached(x, st, &hit, err)))
						return rc;
					if (hit) {
						progressed = 1;
						continue;
					}
				}
			}
			if ((rc = batch_end(x, err)) ||
			    (rc = o->slurm ? sc_slurm_submit(o->slurm, x->s, st, err)
					   : start_step(x, st, err)))
				return rc;
			if (st->state == SC_STEP_FAILED) {
				drop_scratch(st);
				if ((rc = finish(x, st, err)))
					return rc;
				if (!o->keep_going)
					stopping = 1;
			} else {
				running++;
			}
			progressed = 1;
		}
		if ((rc = batch_end(x, err)))
			return rc;
		refresh_locks(x);
		if (o->slurm && (rc = reap_jobs(x, &running, &stopping, &progressed, err)))
			return rc;
		/* Reap finished children; enforce timeouts. */
		for (size_t i = 0; i < p->n && !o->slurm; i++) {
			sc_plan_step *st = &p->v[i];
			if (st->state != SC_STEP_RUNNING)
				continue;
			int status;
			struct rusage ru;
			pid_t r = wait4(st->pid, &status, WNOHANG, &ru);
			relay_progress(x, st, r == st->pid);
			if (r == st->pid) {
				collect(x, st, status, &ru);
				if ((rc = finish(x, st, err)))
					return rc;
				if (st->state == SC_STEP_FAILED && !o->keep_going)
					stopping = 1;
				progressed = 1;
				running--;
				continue;
			}
			enforce_timeout(st);
		}
		if (stopping && running == 0) {
			for (size_t i = 0; i < p->n; i++) {
				sc_plan_step *st = &p->v[i];
				if (st->state == SC_STEP_PENDING || st->state == SC_STEP_WAITLOCK) {
					st->state = SC_STEP_SKIPPED;
					set_error(st, "not run: an earlier step failed (use --keep-going "
						      "to run the independent rest)");
					if ((rc = finish(x, st, err)))
						return rc;
				}
			}
			break;
		}
		size_t terminal = 0;
		for (size_t i = 0; i < p->n; i++)
			if (p->v[i].state >= SC_STEP_DONE)
				terminal++;
		if (terminal == p->n)
			break;
		if (!progressed) {
			struct timespec ts = { 0, running ? 10000000 : 50000000 };
			nanosleep(&ts, NULL);
		}
	}
	return 0;
}

int sc_exec_step_alone(sc_store *s, sc_plan_step *st, const char *scratch_base, json_t *objects,
		       sc_err *err)
{
	sc_plan one = { st, 1, 1, NULL };
	sc_exec_opts o = { .jobs = 1, .no_record = 1 };
	sc_exec_stats stats;
	memset(&stats, 0, sizeof(stats));
	/* No progress pipes: a batch job's step has no terminal to draw on. */
	exec_ctx x = { s, &one, &o, &stats, 0, 0, 0, scratch_base, objects, sc_mono_sec(), NULL, NULL };
	sc_plan_compute_key(st);
	int rc = start_step(&x, st, err);
	if (rc || st->state == SC_STEP_FAILED) {
		drop_scratch(st);
		return rc;
	}
	for (;;) {
		int status;
		struct rusage ru;
		pid_t r = wait4(st->pid, &status, WNOHANG, &ru);
		if (r == st->pid) {
			collect(&x, st, status, &ru);
			return 0;
		}
		if (r < 0 && errno != EINTR) {
			rc = sc_errsys(err, errno, "cannot wait for the step");
			break;
		}
		if (g_interrupt) {
			kill_running(&x);
			return sc_errf(err, SC_EINTR, "interrupted");
		}
		enforce_timeout(st);
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
	drop_scratch(st);
	return rc;
}

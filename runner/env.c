/*
 * env.c - versions of sceval and of every library it links, and facts about
 * the machine. Recorded with each run so that `sceval diff` can say what
 * changed in the environment between two results.
 */
#include "env.h"
#include "portable.h"
#include "buildinfo.h"
#include "store/catalog.h"
#include "util/buf.h"
#include "util/err.h"

#include <archive.h>
#include <cblas.h>
#include <git2.h>
#include <hdf5.h>
#include <igraph.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <yaml.h>

/* OpenBLAS extensions (declared in its cblas.h on Debian, repeated for others). */
extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);
extern int openblas_get_num_threads(void);

const char *sc_env_version(void)
{
	static char v[128];
	if (!v[0]) {
		if (SC_GIT_DESCRIBE[0])
			snprintf(v, sizeof(v), "%s (%s)", SC_VERSION, SC_GIT_DESCRIBE);
		else
			snprintf(v, sizeof(v), "%s", SC_VERSION);
	}
	return v;
}

json_t *sc_env_build(void)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "version", SC_VERSION, "git_describe",
			 SC_GIT_DESCRIBE, "compiler", SC_CC, "cflags", SC_CFLAGS);
}

json_t *sc_env_libraries(void)
{
	char buf[64];
	json_t *j = json_object();
	json_object_set_new(j, "sqlite", json_string(sc_catalog_library_version()));
	int maj, min, rev;
	git_libgit2_version(&maj, &min, &rev);
	snprintf(buf, sizeof(buf), "%d.%d.%d", maj, min, rev);
	json_object_set_new(j, "libgit2", json_string(buf));
	json_object_set_new(j, "openssl", json_string(OpenSSL_version(OPENSSL_VERSION)));
	unsigned hmaj, hmin, hrel;
	H5get_libversion(&hmaj, &hmin, &hrel);
	snprintf(buf, sizeof(buf), "%u.%u.%u", hmaj, hmin, hrel);
	json_object_set_new(j, "hdf5", json_string(buf));
	const char *cfg = openblas_get_config();
	char ver[64] = "";
	/* The config string starts "OpenBLAS 0.3.21 ..." */
	if (cfg && !strncmp(cfg, "OpenBLAS ", 9))
		sscanf(cfg + 9, "%63s", ver);
	json_object_set_new(j, "openblas",
			    json_pack("{s:s, s:s, s:s, s:i}", "version", ver, "config",
				      cfg ? cfg : "", "core", openblas_get_corename(), "threads",
				      openblas_get_num_threads()));
	igraph_version(NULL, &maj, &min, &rev);
	snprintf(buf, sizeof(buf), "%d.%d.%d", maj, min, rev);
	json_object_set_new(j, "igraph", json_string(buf));
	json_object_set_new(j, "libyaml", json_string(yaml_get_version_string()));
	json_object_set_new(j, "jansson", json_string(jansson_version_str()));
	json_object_set_new(j, "libarchive", json_string(archive_version_details()));
	return j;
}

/* The first line of /proc/cpuinfo starting with key, its value in out. */
static int cpuinfo_line(const char *key, char *out, size_t n)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return -1;
	char line[8192]; /* the flags line of a recent x86 runs to 2,000 characters */
	int found = -1;
	size_t kl = strlen(key);
	while (found && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');
		if (strncmp(line, key, kl) || !p || (line[kl] != ' ' && line[kl] != '\t' && line[kl] != ':'))
			continue;
		p++;
		while (*p == ' ')
			p++;
		p[strcspn(p, "\n")] = 0;
		snprintf(out, n, "%s", p);
		found = 0;
	}
	fclose(f);
	return found;
}

static void cpu_model(char *out, size_t n)
{
	if (cpuinfo_line("model name", out, n) && cpuinfo_line("Model", out, n))
		snprintf(out, n, "unknown");
}

/* The instruction-set extensions that choose BLAS kernels and how sums
 * are vectorised (x86 and arm64 names as /proc/cpuinfo spells them). */
static const char *const decisive_flags[] = {
	"sse2", "sse3", "ssse3", "sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c",
	"avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl", "avx512ifma",
	"avx512vbmi", "avx512_vnni", "avx512_bf16", "amx_tile", "asimd", "asimdhp",
	"sve", "sve2", "sme",
};

static int has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = list; (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return 1;
	return 0;
}

static void cpu_flags(char *out, size_t n)
{
	char all[8192] = "";
	size_t k = 0;
	out[0] = 0;
	if (cpuinfo_line("flags", all, sizeof(all)) && cpuinfo_line("Features", all, sizeof(all))) {
#if defined(__x86_64__) || defined(__i386__)
		/* No /proc (a container without it): ask the CPU itself. */
		__builtin_cpu_init();
		snprintf(all, sizeof(all), "%s%s%s%s%s", __builtin_cpu_supports("avx") ? "avx " : "",
			 __builtin_cpu_supports("avx2") ? "avx2 " : "",
			 __builtin_cpu_supports("fma") ? "fma " : "",
			 __builtin_cpu_supports("avx512f") ? "avx512f " : "",
			 __builtin_cpu_supports("sse4.2") ? "sse4_2" : "");
#endif
	}
	for (size_t i = 0; i < sizeof(decisive_flags) / sizeof(*decisive_flags) && k < n; i++)
		if (has_word(all, decisive_flags[i]) ||
		    (!strcmp(decisive_flags[i], "sse3") && has_word(all, "pni"))) /* Linux's name */
			k += snprintf(out + k, n - k, "%s%s", k ? " " : "", decisive_flags[i]);
}

/* The variables that set kernels and thread counts, those that are set. */
static json_t *thread_vars(void)
{
	static const char *const vars[] = { "OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS",
					    "OMP_NUM_THREADS", "SCEVAL_THREADS" };
	json_t *j = json_object();
	for (size_t i = 0; i < sizeof(vars) / sizeof(*vars); i++) {
		const char *v = getenv(vars[i]);
		if (v)
			json_object_set_new(j, vars[i], json_string(v));
	}
	return j;
}

json_t *sc_env_machine(void)
{
	struct utsname u;
	char host[256] = "unknown", os[512] = "unknown", cpu[256], flags[512];
	if (uname(&u) == 0) {
		snprintf(host, sizeof(host), "%s", u.nodename);
		snprintf(os, sizeof(os), "%s %s %s", u.sysname, u.release, u.machine);
	}
	cpu_model(cpu, sizeof(cpu));
	cpu_flags(flags, sizeof(flags));
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:o, s:b}", "host", host, "os", os,
			      "cpu", cpu, "cpu_flags", flags, "cores",
			      (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "openblas_threads",
			      openblas_get_num_threads(), "thread_env", thread_vars(), "portable",
			      sc_portable_active());
	return j;
}

static void change(json_t *arr, const char *what, const json_t *a, const json_t *b)
{
	if (json_equal(a ? a : json_null(), b ? b : json_null()))
		return;
	json_array_append_new(arr, json_pack("{s:s, s:O, s:O}", "what", what, "a", a ? a : json_null(),
					     "b", b ? b : json_null()));
}

/* Compare a key only when both records have it: runs recorded before it
 * was recorded are not "changed". */
static void change_if_both(json_t *arr, const char *what, const json_t *a, const json_t *b)
{
	if (a && b)
		change(arr, what, a, b);
}

json_t *sc_env_changes(const json_t *libs_a, const json_t *mach_a, const json_t *libs_b,
		       const json_t *mach_b)
{
	json_t *out = json_array();
	const json_t *oa = json_object_get(libs_a, "openblas"), *ob = json_object_get(libs_b, "openblas");
	change_if_both(out, "BLAS kernel", json_object_get(oa, "core"), json_object_get(ob, "core"));
	change_if_both(out, "OpenBLAS version", json_object_get(oa, "version"),
		       json_object_get(ob, "version"));
	change_if_both(out, "OpenBLAS threads", json_object_get(oa, "threads"),
		       json_object_get(ob, "threads"));
	change_if_both(out, "CPU", json_object_get(mach_a, "cpu"), json_object_get(mach_b, "cpu"));
	change_if_both(out, "CPU flags", json_object_get(mach_a, "cpu_flags"),
		       json_object_get(mach_b, "cpu_flags"));
	change_if_both(out, "online CPUs", json_object_get(mach_a, "cores"),
		       json_object_get(mach_b, "cores"));
	/* Not recorded means not portable: the mode did not exist then. */
	json_t *pa = json_boolean(json_is_true(json_object_get(mach_a, "portable")));
	json_t *pb = json_boolean(json_is_true(json_object_get(mach_b, "portable")));
	change(out, "portable mode", pa, pb);
	json_decref(pa);
	json_decref(pb);
	const json_t *ta = json_object_get(mach_a, "thread_env"), *tb = json_object_get(mach_b, "thread_env");
	if (json_is_object(ta) && json_is_object(tb)) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)ta, k, v)
			change(out, k, v, json_object_get(tb, k));
		json_object_foreach((json_t *)tb, k, v)
			if (!json_object_get(ta, k))
				change(out, k, NULL, v);
	}
	return out;
}

static void text_of(char *buf, size_t n, const json_t *v)
{
	if (json_is_string(v))
		snprintf(buf, n, "%s", json_string_value(v));
	else if (json_is_null(v) || !v)
		snprintf(buf, n, "(unset)");
	else if (json_is_boolean(v))
		snprintf(buf, n, "%s", json_is_true(v) ? "yes" : "no");
	else if (json_is_integer(v))
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
	else
		snprintf(buf, n, "%g", json_number_value(v));
}

char *sc_env_changes_text(const json_t *changes, const char *a, const char *b)
{
	sc_buf out = SC_BUF_INIT;
	sc_buf_init(&out);
	size_t i;
	json_t *c;
	json_array_foreach(changes, i, c)
	{
		char u[256], v[256];
		const char *what = json_string_value(json_object_get(c, "what"));
		text_of(u, sizeof(u), json_object_get(c, "a"));
		text_of(v, sizeof(v), json_object_get(c, "b"));
		if (i)
			sc_buf_puts(&out, "; ");
		if (!strcmp(what, "BLAS kernel"))
			sc_buf_printf(&out, "%s on %s kernels, %s on %s", a, u, b, v);
		else
			sc_buf_printf(&out, "%s: %s -> %s", what, u, v);
	}
	return sc_buf_detach(&out);
}

/*
 * env.c - versions of sceval and of every library it links, and facts about
 * the machine. Recorded with each run so that `sceval diff` can say what
 * changed in the environment between two results.
 */
#include "env.h"
#include "buildinfo.h"
#include "util/err.h"

#include <archive.h>
#include <cblas.h>
#include <git2.h>
#include <hdf5.h>
#include <igraph.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
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
	json_object_set_new(j, "sqlite", json_string(sqlite3_libversion()));
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

static void cpu_model(char *out, size_t n)
{
	snprintf(out, n, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "model name", 10)) {
			char *p = strchr(line, ':');
			if (p) {
				p++;
				while (*p == ' ')
					p++;
				p[strcspn(p, "\n")] = 0;
				snprintf(out, n, "%s", p);
			}
			break;
		}
	}
	fclose(f);
}

json_t *sc_env_machine(void)
{
	struct utsname u;
	char host[256] = "unknown", os[512] = "unknown", cpu[256];
	if (uname(&u) == 0) {
		snprintf(host, sizeof(host), "%s", u.nodename);
		snprintf(os, sizeof(os), "%s %s %s", u.sysname, u.release, u.machine);
	}
	cpu_model(cpu, sizeof(cpu));
	return json_pack("{s:s, s:s, s:s, s:I, s:i}", "host", host, "os", os, "cpu", cpu, "cores",
			 (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "openblas_threads",
			 openblas_get_num_threads());
}

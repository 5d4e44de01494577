/*
 * cmd_version.c - `sceval version`: what this binary is and what it links.
 */
#include "cli.h"
#include "runner/env.h"

#include <stdio.h>

static const char usage[] =
	"usage: sceval version [--json]\n\n"
	"Print sceval's version (with `git describe` when built in a checkout), the\n"
	"compiler and flags, the linked library versions, and OpenBLAS's threads and core.\n";

int cmd_version(cli_ctx *c, int argc, char **argv)
{
	while (cli_opt(c, argc, argv, usage, "", NULL, 1) != -1)
		return cli_usage_error(c, "unexpected option");
	CLI_OPTS_END(c);
	if (c->optind < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[c->optind]);
	json_t *b = sc_env_build(), *l = sc_env_libraries(), *m = sc_env_machine();
	if (c->json) {
		json_t *j = json_pack("{s:o, s:o, s:o}", "build", b, "libraries", l, "machine", m);
		json_object_set_new(j, "version", json_string(sc_env_version()));
		return cli_json_out(c, j);
	}
	json_t *ob = json_object_get(l, "openblas");
	printf("sceval %s\n", sc_env_version());
	printf("compiler: %s\n", json_string_value(json_object_get(b, "compiler")));
	printf("cflags:   %s\n", json_string_value(json_object_get(b, "cflags")));
	printf("sqlite     %s\n", json_string_value(json_object_get(l, "sqlite")));
	printf("libgit2    %s\n", json_string_value(json_object_get(l, "libgit2")));
	printf("openssl    %s\n", json_string_value(json_object_get(l, "openssl")));
	printf("hdf5       %s\n", json_string_value(json_object_get(l, "hdf5")));
	printf("openblas   %s (core %s, %d threads)\n",
	       json_string_value(json_object_get(ob, "version")),
	       json_string_value(json_object_get(ob, "core")),
	       (int)json_integer_value(json_object_get(ob, "threads")));
	printf("igraph     %s\n", json_string_value(json_object_get(l, "igraph")));
	printf("libyaml    %s\n", json_string_value(json_object_get(l, "libyaml")));
	printf("jansson    %s\n", json_string_value(json_object_get(l, "jansson")));
	printf("libarchive %s\n", json_string_value(json_object_get(l, "libarchive")));
	json_decref(b);
	json_decref(l);
	json_decref(m);
	return 0;
}

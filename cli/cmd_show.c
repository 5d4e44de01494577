/*
 * cmd_show.c - `sceval show REF`: an object (kind, size, names, sources).
 */
#include "cli.h"
#include "store/store.h"

static const char show_usage[] =
	"usage: sceval show REF [--json]\n\n"
	"Describe an object: type, kind, size, names, when and from where it was added,\n"
	"which runs and steps use it. REF is a full hash, a unique prefix of at least 6\n"
	"hex digits, or a name.\n";

int cmd_show(cli_ctx *c, int argc, char **argv)
{
	while (cli_opt(c, argc, argv, show_usage, "", NULL, 1) != -1)
		return cli_usage_error(c, "unexpected option");
	CLI_OPTS_END(c);
	if (argc - c->optind != 1)
		return cli_usage_error(c, "expected one REF");
	sc_err err;
	sc_store *s = NULL;
	if (cli_open_store(c, &s, &err))
		return cli_fail(c, &err);
	int rc = cli_show_object(c, s, argv[c->optind]);
	sc_store_free(s);
	return rc;
}

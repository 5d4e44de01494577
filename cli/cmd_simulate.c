/*
 * cmd_simulate.c - `sceval simulate`: write a simulated single-cell data set
 * (tasks/core/splat.h) as an .h5ad file, for demos, tests and benchmarks.
 */
#include "cli.h"
#include "tasks/core/splat.h"
#include "tasks/perturbation/perturbation.h"
#include "util/json.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
	"usage: sceval simulate -o FILE [--cells N] [--genes N] [--types N] [--batches N]\n"
	"                       [--seed S] [model options] [--int] [--gzip L] [--threads N] [--json]\n"
	"\n"
	"Write simulated single-cell counts (a Splatter-like model) as an .h5ad file: CSR X of\n"
	"counts, obs/cell_type and obs/batch (categorical), obs/n_counts, var/base_mean, the\n"
	"parameters in uns/simulation. The same options and seed give the same file, byte for\n"
	"byte, whatever the number of threads.\n"
	"\n"
	"  -o, --output FILE    the file to write (required)\n"
	"  --cells N            cells [2000]\n"
	"  --genes N            genes [2000]\n"
	"  --types N            cell types, equally likely [5]\n"
	"  --batches N          batches, equally likely [2]\n"
	"  --seed S             random seed [0]\n"
	"\n"
	"model (log-normal factors are exp(loc + scale * N(0,1))):\n"
	"  --mean-shape A       gene base means ~ Gamma(A, rate B) [0.6]\n"
	"  --mean-rate B        [0.3]\n"
	"  --outlier-prob P     share of genes set to median * LN(4, 0.5) [0.05]\n"
	"  --lib-loc L          library size ~ LN(L, --lib-scale) [8.5: ~5000 counts]\n"
	"  --lib-scale S        [0.4]\n"
	"  --de-prob P          share of genes differentially expressed per cell type [0.1]\n"
	"  --de-strength L      log fold change location of DE genes [0.5]\n"
	"  --de-scale S         log fold change scale of DE genes [0.4]\n"
	"  --de-down P          share of DE genes going down [0.5]\n"
	"  --batch-strength L   per batch and gene factor LN(L, --batch-scale), inverted for\n"
	"                       half the genes [0.1]\n"
	"  --batch-scale S      [0.15]\n"
	"  --bcv B              common biological coefficient of variation; a gene's is\n"
	"                       (B + 1/sqrt(mean)) * sqrt(60 / chi2_60) [0.1]\n"
	"  --dropout-mid M      dropout P = 1 / (1 + exp(-K (log mean - M))) [-1]\n"
	"  --dropout-shape K    [-1]\n"
	"  --no-dropout         no dropout\n"
	"\n"
	"output:\n"
	"  --int                int32 counts (default float32, as most real files)\n"
	"  --gzip L             deflate level of the file, 0 = none [1]\n"
	"  --threads N          generating threads [number of CPUs]; never changes the file\n"
	"  --json               print the result as JSON\n"
	"\n"
	"perturb-seq (--perturb): a gene DAG, knock-downs propagated along it, single and\n"
	"paired targets, a share of pairs non-additive, NB counts; obs/condition in GEARS's\n"
	"names, uns/interacting; --genes [200], --cells per condition [50], --seed apply:\n"
	"  --perturb            write a Perturb-seq data set instead\n"
	"  --targets N          single-gene perturbations [12]\n"
	"  --combos N           two-gene combinations [12]\n"
	"  --knockdown F        a target's mean is multiplied by F [0.2]\n"
	"  --interaction P      share of combinations with a non-additive change [0.5]\n"
	"  --expected           X = log of the expected means (no sampling)\n";

enum {
	O_CELLS = 0x100, O_GENES, O_TYPES, O_BATCHES, O_SEED, O_MSHAPE, O_MRATE, O_OUT, O_LIBLOC,
	O_LIBSCALE, O_DEPROB, O_DELOC, O_DESCALE, O_DEDOWN, O_BLOC, O_BSCALE, O_BCV, O_DMID,
	O_DSHAPE, O_NODROP, O_INT, O_GZIP, O_THREADS, O_PERTURB, O_TARGETS, O_COMBOS, O_KNOCK,
	O_INTER, O_EXPECTED,
};

int cmd_simulate(cli_ctx *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "cells", required_argument, NULL, O_CELLS },
		{ "genes", required_argument, NULL, O_GENES },
		{ "types", required_argument, NULL, O_TYPES },
		{ "batches", required_argument, NULL, O_BATCHES },
		{ "seed", required_argument, NULL, O_SEED },
		{ "mean-shape", required_argument, NULL, O_MSHAPE },
		{ "mean-rate", required_argument, NULL, O_MRATE },
		{ "outlier-prob", required_argument, NULL, O_OUT },
		{ "lib-loc", required_argument, NULL, O_LIBLOC },
		{ "lib-scale", required_argument, NULL, O_LIBSCALE },
		{ "de-prob", required_argument, NULL, O_DEPROB },
		{ "de-strength", required_argument, NULL, O_DELOC },
		{ "de-scale", required_argument, NULL, O_DESCALE },
		{ "de-down", required_argument, NULL, O_DEDOWN },
		{ "batch-strength", required_argument, NULL, O_BLOC },
		{ "batch-scale", required_argument, NULL, O_BSCALE },
		{ "bcv", required_argument, NULL, O_BCV },
		{ "dropout-mid", required_argument, NULL, O_DMID },
		{ "dropout-shape", required_argument, NULL, O_DSHAPE },
		{ "no-dropout", no_argument, NULL, O_NODROP },
		{ "int", no_argument, NULL, O_INT },
		{ "gzip", required_argument, NULL, O_GZIP },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "perturb", no_argument, NULL, O_PERTURB },
		{ "targets", required_argument, NULL, O_TARGETS },
		{ "combos", required_argument, NULL, O_COMBOS },
		{ "knockdown", required_argument, NULL, O_KNOCK },
		{ "interaction", required_argument, NULL, O_INTER },
		{ "expected", no_argument, NULL, O_EXPECTED },
		{ NULL, 0, NULL, 0 },
	};
	sc_splat_params p;
	sc_splat_defaults(&p);
	sc_pert_sim_params pp;
	sc_pert_sim_defaults(&pp);
	int perturb = 0, cells_given = 0, genes_given = 0;
	const char *out = NULL;
	long v;
	int o;
	while ((o = cli_opt(c, argc, argv, usage, "o:", lo, 1)) != -1) {
		int bad = 0;
		switch (o) {
		case 'o':
			out = optarg;
			break;
		case O_CELLS:
			bad = cli_parse_long(c, "--cells", optarg, 1, 1000000000L, &v);
			p.cells = (size_t)v;
			cells_given = 1;
			break;
		case O_GENES:
			bad = cli_parse_long(c, "--genes", optarg, 1, 1000000L, &v);
			p.genes = (size_t)v;
			genes_given = 1;
			break;
		case O_TYPES:
			bad = cli_parse_long(c, "--types", optarg, 1, 1000, &v);
			p.types = (size_t)v;
			break;
		case O_BATCHES:
			bad = cli_parse_long(c, "--batches", optarg, 1, 1000, &v);
			p.batches = (size_t)v;
			break;
		case O_SEED:
			bad = cli_parse_long(c, "--seed", optarg, 0, 0x7fffffffffffffffL, &v);
			p.seed = (uint64_t)v;
			break;
		case O_THREADS:
			bad = cli_parse_long(c, "--threads", optarg, 1, 64, &v);
			p.threads = (int)v;
			break;
		case O_GZIP:
			bad = cli_parse_long(c, "--gzip", optarg, 0, 9, &v);
			p.gzip = (int)v;
			break;
		case O_PERTURB:
			perturb = 1;
			break;
		case O_EXPECTED:
			pp.expected = 1;
			break;
		case O_TARGETS:
			bad = cli_parse_long(c, "--targets", optarg, 2, 100000, &v);
			pp.targets = (size_t)v;
			break;
		case O_COMBOS:
			bad = cli_parse_long(c, "--combos", optarg, 0, 1000000, &v);
			pp.combos = (size_t)v;
			break;
		case O_KNOCK:
			bad = cli_parse_double(c, "--knockdown", optarg, &pp.knockdown);
			break;
		case O_INTER:
			bad = cli_parse_double(c, "--interaction", optarg, &pp.interaction);
			break;
		case O_NODROP:
			p.dropout = 0;
			break;
		case O_INT:
			p.integer = 1;
			break;
		default: {
			double *dst = o == O_MSHAPE	? &p.mean_shape
				      : o == O_MRATE	? &p.mean_rate
				      : o == O_OUT	? &p.out_prob
				      : o == O_LIBLOC	? &p.lib_loc
				      : o == O_LIBSCALE ? &p.lib_scale
				      : o == O_DEPROB	? &p.de_prob
				      : o == O_DELOC	? &p.de_loc
				      : o == O_DESCALE	? &p.de_scale
				      : o == O_DEDOWN	? &p.de_down
				      : o == O_BLOC	? &p.batch_loc
				      : o == O_BSCALE	? &p.batch_scale
				      : o == O_BCV	? &p.bcv_common
				      : o == O_DMID	? &p.dropout_mid
				      : o == O_DSHAPE	? &p.dropout_shape
							: NULL;
			if (!dst)
				return cli_usage_error(c, "unexpected option");
			const char *name = "option";
			for (const struct option *q = lo; q->name; q++)
				if (q->val == o)
					name = q->name;
			char opt[64];
			snprintf(opt, sizeof(opt), "--%s", name);
			bad = cli_parse_double(c, opt, optarg, dst);
		}
		}
		if (bad)
			return bad;
	}
	CLI_OPTS_END(c);
	if (c->optind < argc)
		return cli_usage_error(c, "unexpected argument '%s'", argv[c->optind]);
	if (!out)
		return cli_usage_error(c, "missing -o FILE");
	sc_err err = { 0, "" };
	if (perturb) {
		pp.seed = p.seed;
		if (cells_given)
			pp.cells = p.cells;
		if (genes_given)
			pp.genes = p.genes;
		if (sc_pert_sim_write(&pp, out, &err))
			return cli_fail(c, &err);
		if (!c->json)
			printf("%s: %zu conditions x %zu cells, %zu genes\n", out, 1 + pp.targets + pp.combos,
			       pp.cells, pp.genes);
		return c->json ? cli_json_out(c, json_pack("{s:s, s:I, s:I}", "path", out, "n_obs",
							   (json_int_t)((1 + pp.targets + pp.combos) * pp.cells),
							   "n_vars", (json_int_t)pp.genes))
			       : 0;
	}
	if (sc_splat_check(&p, &err))
		return cli_usage_error(c, "%s", err.msg);
	sc_splat_stats st;
	if (sc_splat_write(&p, out, &st, &err))
		return cli_fail(c, &err);
	double cells = (double)p.cells * (double)p.genes;
	if (c->json) {
		json_t *j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "path", out, "n_obs",
				      (json_int_t)p.cells, "n_vars", (json_int_t)p.genes, "types", (json_int_t)p.types,
				      "batches", (json_int_t)p.batches, "seed", (json_int_t)p.seed, "nnz",
				      (json_int_t)st.nnz, "total_counts", sc_json_real(st.total));
		return cli_json_out(c, j);
	}
	printf("%s: %zu cells x %zu genes, %zu types, %zu batches, %zu non-zero (%.1f%%)\n", out, p.cells,
	       p.genes, p.types, p.batches, st.nnz, 100.0 * (double)st.nnz / cells);
	return 0;
}

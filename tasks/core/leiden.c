/*
 * leiden.c - the Leiden algorithm exactly as leidenalg 0.9 runs it.
 *
 * Why a reimplementation: scib's NMI/ARI are computed on clusters from
 * scanpy.tl.leiden, i.e. leidenalg's Optimiser with RBConfiguration
 * quality, not igraph's igraph_community_leiden (a different refinement and
 * random stream). Matching scib's numbers means matching leidenalg's
 * partition, so every choice leidenalg makes is reproduced here:
 *
 *  - the graph: igraph's edge storage (an undirected edge keeps its larger
 *    endpoint as "from"), its incidence order (by other endpoint, then by
 *    decreasing edge id, as igraph's two-pass radix sort leaves ties; for
 *    mode ALL on a directed graph the out- and in-lists merged), node
 *    strengths and the total weight summed in edge order;
 *  - the random stream: one libigraph MT19937 generator, seeded once, drawn
 *    with igraph_rng_get_integer by every Fisher-Yates shuffle (our own
 *    igraph_rng_t, never igraph's global default);
 *  - move_nodes: a queue in shuffled order, candidate communities the
 *    neighbours' in order of first appearance plus one empty community,
 *    the strictly best gain above 10 * DBL_EPSILON, neighbours re-queued;
 *  - refinement: merge_nodes_constrained, a singleton node joining the
 *    last community of best gain >= 0 within its move_nodes community;
 *  - aggregation: leidenalg's collapse_graph edge order and weights;
 *  - the community bookkeeping updated incrementally with leidenalg's
 *    operation order (the sums are not recomputed where leidenalg does
 *    not recompute them), the "empty community" stack, and renumbering by
 *    decreasing size, then node count, then label;
 *  - the outer loop: optimise_partition repeated while it improves.
 *
 * The gain expression keeps leidenalg's association order. The file is
 * compiled with -ffp-contract=off (see the Makefile) so no multiply-add is
 * fused where the C++ build does not fuse it.
 *
 * Verified membership for membership against python3-leidenalg
 * (tests/unit/test_core_leiden.c): any change here must keep every
 * operation's order, or it changes partitions.
 *
 * Workload: 15-NN UMAP graphs of 1e3..1e6 cells, ten resolutions per scib
 * sweep sharing one prepared graph; time and memory are linear in the
 * edges per level. Where leidenalg makes three passes over a node's
 * neighbours (candidates, out-weights, in-weights) one pass over the
 * merged list suffices, which keeps each list's own order. About 2.5 times
 * faster than leidenalg, 2 to 3 times slower than igraph's own Leiden.
 */
#include "leiden.h"

#include <float.h>
#include <igraph.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- graph in igraph's layout ---- */

typedef struct sc_leiden_graph {
	size_t n, m;
	int directed;
	int32_t *from, *to;    /* undirected: from >= to, as igraph stores them */
	double *w, *size, *self_w;
	double *str_in, *str_out; /* str_out aliases str_in when undirected */
	double total_w;
	/* incidence lists: at[v]..at[v+1] index nb (other endpoint), eid */
	int64_t *out_at, *in_at, *all_at;
	int32_t *out_nb, *in_nb, *all_nb, *out_e, *in_e, *all_e;
	double *all_w;          /* the weight of each ALL entry */
	unsigned char *all_in;  /* directed: 1 for an in-entry of the ALL list */
} lg_graph; /* read-only once built: runs may share it */

static void graph_free(lg_graph *g)
{
	if (!g)
		return;
	if (g->out_at != g->all_at) {
		free(g->out_at), free(g->out_nb), free(g->out_e);
		free(g->in_at), free(g->in_nb), free(g->in_e);
	}
	free(g->all_at), free(g->all_nb), free(g->all_e), free(g->all_w), free(g->all_in);
	if (g->str_out != g->str_in)
		free(g->str_out);
	free(g->str_in), free(g->from), free(g->to), free(g->w), free(g->size), free(g->self_w);
	free(g);
}

/* Stable counting sort of the edge ids in src by key[eid] into dst. */
static void sort_by(int32_t *dst, const int32_t *src, const int32_t *key, size_t m, size_t n,
		    int64_t *cnt)
{
	memset(cnt, 0, (n + 1) * sizeof(int64_t));
	for (size_t i = 0; i < m; i++)
		cnt[key[src[i]] + 1]++;
	for (size_t v = 0; v < n; v++)
		cnt[v + 1] += cnt[v];
	for (size_t i = 0; i < m; i++)
		dst[cnt[key[src[i]]]++] = src[i];
}

/* One incidence index: edges grouped by major[e], ordered within a group by
 * minor[e] ascending then edge id descending (igraph_vector_int_pair_order). */
static void build_index(int64_t **at_out, int32_t **nb_out, int32_t **e_out, const lg_graph *g,
			const int32_t *major, const int32_t *minor)
{
	size_t n = g->n, m = g->m;
	int64_t *cnt = sc_xmalloc((n + 1) * sizeof(int64_t));
	int32_t *a = sc_xmalloc((m ? m : 1) * sizeof(int32_t));
	int32_t *b = sc_xmalloc((m ? m : 1) * sizeof(int32_t));
	int64_t *at = sc_xcalloc(n + 1, sizeof(int64_t));
	int32_t *nb = sc_xmalloc((m ? m : 1) * sizeof(int32_t));
	for (size_t i = 0; i < m; i++)
		a[i] = (int32_t)(m - 1 - i);
	sort_by(b, a, minor, m, n, cnt);
	sort_by(a, b, major, m, n, cnt);
	for (size_t i = 0; i < m; i++) {
		at[major[a[i]] + 1]++;
		nb[i] = minor[a[i]];
	}
	for (size_t v = 0; v < n; v++)
		at[v + 1] += at[v];
	free(cnt);
	free(b);
	*at_out = at;
	*nb_out = nb;
	*e_out = a;
}

/* Mode ALL: undirected, the out-list then the in-list (igraph keeps them
 * sorted that way); directed, the two lists merged by other endpoint, an
 * out-entry before an in-entry with the same endpoint. */
static void build_all(lg_graph *g)
{
	size_t n = g->n, tot = 2 * g->m, k = 0;
	g->all_at = sc_xcalloc(n + 1, sizeof(int64_t));
	g->all_nb = sc_xmalloc((tot ? tot : 1) * sizeof(int32_t));
	g->all_e = sc_xmalloc((tot ? tot : 1) * sizeof(int32_t));
	g->all_w = sc_xmalloc((tot ? tot : 1) * sizeof(double));
	g->all_in = g->directed ? sc_xmalloc(tot ? tot : 1) : NULL;
	for (size_t v = 0; v < n; v++) {
		int64_t i1 = g->out_at[v], j1 = g->out_at[v + 1];
		int64_t i2 = g->in_at[v], j2 = g->in_at[v + 1];
#define PUT(nbv, ev, in)                                                                    \
	do {                                                                                \
		g->all_nb[k] = (nbv);                                                       \
		g->all_w[k] = g->w[ev];                                                     \
		if (g->all_in)                                                              \
			g->all_in[k] = (in);                                                \
		g->all_e[k++] = (ev);                                                       \
	} while (0)
		if (g->directed) {
			while (i1 < j1 && i2 < j2) {
				int32_t n1 = g->out_nb[i1], n2 = g->in_nb[i2];
				if (n1 <= n2) {
					PUT(n1, g->out_e[i1], 0);
					i1++;
				}
				if (n2 <= n1) {
					PUT(n2, g->in_e[i2], 1);
					i2++;
				}
			}
		}
		for (; i1 < j1; i1++)
			PUT(g->out_nb[i1], g->out_e[i1], 0);
		for (; i2 < j2; i2++)
			PUT(g->in_nb[i2], g->in_e[i2], 1);
#undef PUT
		g->all_at[v + 1] = (int64_t)k;
	}
}

/* Completes a graph whose n, m, directed, from, to, w and size are set:
 * leidenalg's Graph::init_admin and set_self_weights. */
static void graph_finish(lg_graph *g)
{
	size_t n = g->n, m = g->m;
	build_index(&g->out_at, &g->out_nb, &g->out_e, g, g->from, g->to);
	build_index(&g->in_at, &g->in_nb, &g->in_e, g, g->to, g->from);
	build_all(g);
	if (!g->directed) {
		/* igraph ignores the mode: every list is the ALL list */
		free(g->out_at), free(g->out_nb), free(g->out_e);
		free(g->in_at), free(g->in_nb), free(g->in_e);
		g->out_at = g->in_at = g->all_at;
		g->out_nb = g->in_nb = g->all_nb;
		g->out_e = g->in_e = g->all_e;
	}
	g->str_in = sc_xcalloc(n ? n : 1, sizeof(double));
	g->str_out = g->directed ? sc_xcalloc(n ? n : 1, sizeof(double)) : g->str_in;
	g->total_w = 0.0;
	for (size_t e = 0; e < m; e++) {
		double w = g->w[e];
		g->total_w += w;
		if (g->directed) {
			g->str_in[g->to[e]] += w;
			g->str_out[g->from[e]] += w;
		} else {
			g->str_in[g->to[e]] += w;
			g->str_in[g->from[e]] += w;
		}
	}
	/* self weight: the weight of the node's loop (there is at most one) */
	g->self_w = sc_xcalloc(n ? n : 1, sizeof(double));
	for (size_t v = 0; v < n; v++)
		for (int64_t q = g->out_at[v]; q < g->out_at[v + 1]; q++)
			if (g->out_nb[q] == (int32_t)v) {
				g->self_w[v] = g->w[g->out_e[q]];
				break;
			}
}

/* scanpy's get_igraph_from_adjacency: an edge per stored non-zero entry in
 * storage order, weight the entry; node sizes 1. */
static int graph_from_csr(lg_graph **out, const sc_csr *a, int directed, sc_err *err)
{
	size_t n = a->rows, m = 0;
	for (size_t i = 0; i < n; i++)
		for (int64_t q = a->indptr[i]; q < a->indptr[i + 1]; q++) {
			double v = a->data[q];
			if (!(v >= 0) || !isfinite(v))
				return sc_errf(err, SC_EINVAL, "graph weight '%g' at row %zu is not a finite "
					       "non-negative number", v, i);
			if (a->indices[q] < 0 || (size_t)a->indices[q] >= n)
				return sc_errf(err, SC_EINVAL, "graph column '%d' at row %zu is out of range",
					       a->indices[q], i);
			m += v != 0;
		}
	if (m >= INT32_MAX)
		return sc_errf(err, SC_EINVAL, "graph has too many edges (%zu)", m);
	lg_graph *g = sc_xcalloc(1, sizeof(*g));
	g->n = n;
	g->m = m;
	g->directed = directed;
	g->from = sc_xmalloc((m ? m : 1) * sizeof(int32_t));
	g->to = sc_xmalloc((m ? m : 1) * sizeof(int32_t));
	g->w = sc_xmalloc((m ? m : 1) * sizeof(double));
	g->size = sc_xmalloc((n ? n : 1) * sizeof(double));
	size_t e = 0;
	for (size_t i = 0; i < n; i++) {
		g->size[i] = 1.0;
		for (int64_t q = a->indptr[i]; q < a->indptr[i + 1]; q++) {
			if (a->data[q] == 0)
				continue;
			int32_t j = a->indices[q];
			int swap = !directed && j > (int32_t)i;
			g->from[e] = swap ? j : (int32_t)i;
			g->to[e] = swap ? (int32_t)i : j;
			g->w[e++] = a->data[q];
		}
	}
	graph_finish(g);
	*out = g;
	return 0;
}

/* ---- partition (leidenalg's MutableVertexPartition, RBConfiguration) ---- */

typedef struct lg_part {
	const lg_graph *g;
	size_t nc;                 /* communities, labels [0, nc) */
	int32_t *memb;
	double *csize, *w_from, *w_to; /* per community, capacity g->n */
	size_t *cnodes;
	int32_t *empty;            /* leidenalg's _empty_communities, a stack */
	size_t n_empty;
} lg_part;

/* Scratch of one node's evaluation: weights from the node to (out-arcs)
 * and from (in-arcs) each community, the neighbour communities in order of
 * first appearance, and flags; all zero between uses. */
typedef struct lg_scratch {
	double *wt, *wf;
	int32_t *comms, *touched;
	size_t n_comms, n_touched;
	unsigned char *added, *marked;
} lg_scratch;

static void part_free(lg_part *p)
{
	if (!p)
		return;
	free(p->memb), free(p->csize), free(p->w_from), free(p->w_to), free(p->cnodes), free(p->empty);
	free(p);
}

/* init_admin: community sums recomputed from the edges, in edge order. */
static void part_init_admin(lg_part *p)
{
	const lg_graph *g = p->g;
	size_t n = g->n;
	p->nc = 0;
	for (size_t v = 0; v < n; v++)
		if ((size_t)p->memb[v] >= p->nc)
			p->nc = (size_t)p->memb[v] + 1;
	memset(p->csize, 0, n * sizeof(double));
	memset(p->w_from, 0, n * sizeof(double));
	memset(p->w_to, 0, n * sizeof(double));
	memset(p->cnodes, 0, n * sizeof(size_t));
	for (size_t v = 0; v < n; v++) {
		p->csize[p->memb[v]] += g->size[v];
		p->cnodes[p->memb[v]] += 1;
	}
	for (size_t e = 0; e < g->m; e++) {
		int32_t cv = p->memb[g->from[e]], cu = p->memb[g->to[e]];
		double w = g->w[e];
		p->w_from[cv] += w;
		p->w_to[cu] += w;
		if (!g->directed) {
			p->w_from[cu] += w;
			p->w_to[cv] += w;
		}
	}
	p->n_empty = 0;
	for (size_t c = 0; c < p->nc; c++)
		if (p->cnodes[c] == 0)
			p->empty[p->n_empty++] = (int32_t)c;
}

/* A partition of g; memb NULL means singletons. */
static lg_part *part_new(const lg_graph *g, const int32_t *memb)
{
	size_t n = g->n ? g->n : 1;
	lg_part *p = sc_xcalloc(1, sizeof(*p));
	p->g = g;
	p->memb = sc_xmalloc(n * sizeof(int32_t));
	p->csize = sc_xmalloc(n * sizeof(double));
	p->w_from = sc_xmalloc(n * sizeof(double));
	p->w_to = sc_xmalloc(n * sizeof(double));
	p->cnodes = sc_xmalloc(n * sizeof(size_t));
	p->empty = sc_xmalloc(n * sizeof(int32_t));
	for (size_t v = 0; v < g->n; v++)
		p->memb[v] = memb ? memb[v] : (int32_t)v;
	part_init_admin(p);
	return p;
}

static int32_t part_empty_community(lg_part *p)
{
	if (p->n_empty == 0) {
		/* add_empty_community; a node not alone in its community
		 * guarantees nc < n here */
		size_t c = p->nc++;
		p->csize[c] = p->w_from[c] = p->w_to[c] = 0;
		p->cnodes[c] = 0;
		p->empty[p->n_empty++] = (int32_t)c;
	}
	return p->empty[p->n_empty - 1];
}

/* move_node: the sums are updated edge by edge, as leidenalg does. */
static void part_move(lg_part *p, int32_t v, int32_t to)
{
	const lg_graph *g = p->g;
	int32_t old = p->memb[v];
	p->cnodes[old] -= 1;
	p->csize[old] -= g->size[v];
	if (p->cnodes[old] == 0)
		p->empty[p->n_empty++] = old;
	if (p->cnodes[to] == 0) {
		/* drop the last occurrence of 'to' from the stack */
		for (size_t k = p->n_empty; k-- > 0;)
			if (p->empty[k] == to) {
				memmove(p->empty + k, p->empty + k + 1, (p->n_empty - k - 1) * sizeof(int32_t));
				p->n_empty--;
				break;
			}
	}
	p->cnodes[to] += 1;
	p->csize[to] += g->size[v];
	/* old != to: each sum sees leidenalg's sequence of operations, kept
	 * in registers (in memory the compiler must assume they alias) */
	double fo = p->w_from[old], ft = p->w_from[to];
	for (int64_t q = g->out_at[v]; q < g->out_at[v + 1]; q++) {
		double w = g->w[g->out_e[q]];
		fo -= w;
		ft += w;
	}
	p->w_from[old] = fo;
	p->w_from[to] = ft;
	double to_o = p->w_to[old], to_t = p->w_to[to];
	for (int64_t q = g->in_at[v]; q < g->in_at[v + 1]; q++) {
		double w = g->w[g->in_e[q]];
		to_o -= w;
		to_t += w;
	}
	p->w_to[old] = to_o;
	p->w_to[to] = to_t;
	p->memb[v] = to;
}

typedef struct csz_row {
	size_t c, size, nodes;
} csz_row;

static int csz_cmp(const void *a, const void *b)
{
	const csz_row *x = a, *y = b;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	if (x->nodes != y->nodes)
		return x->nodes > y->nodes ? -1 : 1;
	return (x->c > y->c) - (x->c < y->c);
}

/* renumber_communities: by decreasing size (truncated to an integer, as
 * leidenalg stores it), then node count, then label; the sums move with
 * their community; empty communities disappear. */
static void part_renumber(lg_part *p)
{
	size_t nc = p->nc, n = p->g->n;
	csz_row *r = sc_xmalloc((nc ? nc : 1) * sizeof(*r));
	int32_t *id = sc_xmalloc((nc ? nc : 1) * sizeof(int32_t));
	for (size_t c = 0; c < nc; c++)
		r[c] = (csz_row){ c, (size_t)p->csize[c], p->cnodes[c] };
	qsort(r, nc, sizeof(*r), csz_cmp);
	for (size_t k = 0; k < nc; k++)
		id[r[k].c] = (int32_t)k;
	size_t nn = 0;
	for (size_t v = 0; v < n; v++) {
		p->memb[v] = id[p->memb[v]];
		if ((size_t)p->memb[v] >= nn)
			nn = (size_t)p->memb[v] + 1;
	}
	/* the sums move with their community; one buffer permutes each array */
	double *tmp = sc_xmalloc((nc ? nc : 1) * sizeof(double));
	double *arr[3] = { p->csize, p->w_from, p->w_to };
	for (int a = 0; a < 3; a++) {
		for (size_t c = 0; c < nc; c++)
			if (p->cnodes[c] > 0)
				tmp[id[c]] = arr[a][c];
		memcpy(arr[a], tmp, nn * sizeof(double));
	}
	size_t *cn = (size_t *)tmp;
	for (size_t c = 0; c < nc; c++)
		if (p->cnodes[c] > 0)
			cn[id[c]] = p->cnodes[c];
	memcpy(p->cnodes, cn, nn * sizeof(size_t));
	free(tmp);
	p->nc = nn;
	p->n_empty = 0;
	for (size_t c = 0; c < nn; c++)
		if (p->cnodes[c] == 0)
			p->empty[p->n_empty++] = (int32_t)c;
	free(r);
	free(id);
}

/* ---- one node's evaluation ---- */

static void scratch_init(lg_scratch *s, size_t n)
{
	n = n ? n : 1;
	s->wt = sc_xcalloc(n, sizeof(double));
	s->wf = sc_xcalloc(n, sizeof(double));
	s->comms = sc_xmalloc((n + 1) * sizeof(int32_t));
	s->touched = sc_xmalloc(n * sizeof(int32_t));
	s->added = sc_xcalloc(n + 1, 1);
	s->marked = sc_xcalloc(n, 1);
	s->n_comms = s->n_touched = 0;
}

static void scratch_free(lg_scratch *s)
{
	free(s->wt), free(s->wf), free(s->comms), free(s->touched), free(s->added), free(s->marked);
}

/* One pass over v's ALL list gives what leidenalg gathers in three: the
 * candidate communities in order of first appearance (move_nodes' cached
 * neighbour communities; for the refinement, restricted to neighbours with
 * the same 'within' label), and its cached weight_to_comm /
 * weight_from_comm, the sums over the out- (in-) list in list order, which
 * the merged ALL list preserves; a loop is halved on an undirected graph,
 * where it is listed twice. */
static void scan(lg_scratch *s, const lg_part *p, int32_t v, const int32_t *within)
{
	const lg_graph *g = p->g;
	for (size_t k = 0; k < s->n_touched; k++) {
		int32_t c = s->touched[k];
		s->wt[c] = s->wf[c] = 0;
		s->marked[c] = 0;
	}
	s->n_touched = 0;
	s->n_comms = 0;
	for (int64_t q = g->all_at[v]; q < g->all_at[v + 1]; q++) {
		int32_t u = g->all_nb[q], c = p->memb[u];
		double w = g->all_w[q];
		if (!s->added[c] && (!within || within[u] == within[v])) {
			s->added[c] = 1;
			s->comms[s->n_comms++] = c;
		}
		if (g->all_in && g->all_in[q]) {
			s->wf[c] += w;
		} else {
			if (u == v && !g->directed)
				w /= 2.0;
			s->wt[c] += w;
		}
		if (!s->marked[c]) {
			s->marked[c] = 1;
			s->touched[s->n_touched++] = c;
		}
	}
}

/* RBConfigurationVertexPartition::diff_move, same operation order. */
static double diff_move(const lg_part *p, const lg_scratch *s, double res, int32_t v, int32_t to)
{
	const lg_graph *g = p->g;
	int32_t old = p->memb[v];
	double total = g->total_w * (2.0 - g->directed);
	if (total == 0.0 || to == old)
		return 0.0;
	const double *wf = g->directed ? s->wf : s->wt;
	double w_to_old = s->wt[old], w_from_old = wf[old];
	double w_to_new = s->wt[to], w_from_new = wf[to];
	double k_out = g->str_out[v], k_in = g->str_in[v], self = g->self_w[v];
	double K_out_old = p->w_from[old], K_in_old = p->w_to[old];
	double K_out_new = ((size_t)to < p->nc ? p->w_from[to] : 0.0) + k_out;
	double K_in_new = ((size_t)to < p->nc ? p->w_to[to] : 0.0) + k_in;
	double diff_old = (w_to_old - res * k_out * K_in_old / total) +
			  (w_from_old - res * k_in * K_out_old / total);
	double diff_new = (w_to_new + self - res * k_out * K_in_new / total) +
			  (w_from_new + self - res * k_in * K_out_new / total);
	return diff_new - diff_old;
}

/* ---- the optimiser ---- */

static void shuffle(int32_t *v, size_t n, igraph_rng_t *rng)
{
	for (size_t i = n; i-- > 1;) {
		size_t j = (size_t)igraph_rng_get_integer(rng, 0, (igraph_integer_t)i);
		int32_t t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

/* Optimiser::move_nodes (fast local moving with a queue); returns the
 * summed gain of the moves. */
static double move_nodes(lg_part *p, lg_scratch *s, double res, igraph_rng_t *rng)
{
	const lg_graph *g = p->g;
	size_t n = g->n, head = 0, len = n;
	int32_t *queue = sc_xmalloc((n ? n : 1) * sizeof(int32_t)); /* ring buffer */
	unsigned char *stable = sc_xcalloc(n ? n : 1, 1);
	double total = 0.0;
	for (size_t v = 0; v < n; v++)
		queue[v] = (int32_t)v;
	shuffle(queue, n, rng);
	while (len > 0) {
		int32_t v = queue[head];
		head = (head + 1) % n;
		len--;
		int32_t vc = p->memb[v];
		scan(s, p, v, NULL);
		if (p->cnodes[vc] > 1)
			s->comms[s->n_comms++] = part_empty_community(p);
		int32_t best = vc;
		double best_gain = 10 * DBL_EPSILON;
		for (size_t k = 0; k < s->n_comms; k++) {
			int32_t c = s->comms[k];
			s->added[c] = 0;
			double gain = 0.0; /* leidenalg's sum over layers: one, weight 1 */
			gain += 1.0 * diff_move(p, s, res, v, c);
			if (gain > best_gain) {
				best = c;
				best_gain = gain;
			}
		}
		stable[v] = 1;
		if (best == vc)
			continue;
		total += best_gain;
		part_move(p, v, best);
		for (int64_t q = g->all_at[v]; q < g->all_at[v + 1]; q++) {
			int32_t u = g->all_nb[q];
			if (stable[u] && p->memb[u] != best) {
				queue[(head + len++) % n] = u;
				stable[u] = 0;
			}
		}
	}
	part_renumber(p);
	free(queue);
	free(stable);
	return total;
}

/* Optimiser::merge_nodes_constrained: the refinement. Each node still
 * alone joins the last community of largest gain >= 0 among its
 * neighbours' inside its community of 'within'. */
static void merge_nodes(lg_part *p, lg_scratch *s, const int32_t *within, double res,
			igraph_rng_t *rng)
{
	const lg_graph *g = p->g;
	size_t n = g->n;
	int32_t *order = sc_xmalloc((n ? n : 1) * sizeof(int32_t));
	for (size_t v = 0; v < n; v++)
		order[v] = (int32_t)v;
	shuffle(order, n, rng);
	for (size_t i = 0; i < n; i++) {
		int32_t v = order[i], vc = p->memb[v];
		if (p->cnodes[vc] != 1)
			continue;
		scan(s, p, v, within);
		int32_t best = vc;
		double best_gain = 0;
		for (size_t k = 0; k < s->n_comms; k++) {
			int32_t c = s->comms[k];
			s->added[c] = 0;
			double gain = 0.0;
			gain += 1.0 * diff_move(p, s, res, v, c);
			if (gain >= best_gain) {
				best = c;
				best_gain = gain;
			}
		}
		if (best != vc)
			part_move(p, v, best);
	}
	part_renumber(p);
	free(order);
}

/* Graph::collapse_graph: one node per community of p, an edge per pair of
 * (community, neighbour community) in leidenalg's order, weights summed. */
static lg_graph *collapse(const lg_graph *g, const lg_part *p)
{
	size_t nc = p->nc, cap = 16, m = 0;
	lg_graph *h = sc_xcalloc(1, sizeof(*h));
	int32_t *first = sc_xmalloc((nc + 1) * sizeof(int32_t)), *nodes = sc_xmalloc(g->n * sizeof(int32_t));
	int32_t *nbr = sc_xmalloc(nc * sizeof(int32_t));
	double *acc = sc_xcalloc(nc, sizeof(double));
	unsigned char *added = sc_xcalloc(nc, 1);
	memset(first, 0, (nc + 1) * sizeof(int32_t));
	for (size_t v = 0; v < g->n; v++)
		first[p->memb[v] + 1]++;
	for (size_t c = 0; c < nc; c++)
		first[c + 1] += first[c];
	for (size_t v = 0; v < g->n; v++)
		nodes[first[p->memb[v]]++] = (int32_t)v;
	for (size_t c = nc; c > 0; c--)
		first[c] = first[c - 1];
	first[0] = 0;
	h->from = sc_xmalloc(cap * sizeof(int32_t));
	h->to = sc_xmalloc(cap * sizeof(int32_t));
	h->w = sc_xmalloc(cap * sizeof(double));
	for (size_t c = 0; c < nc; c++) {
		size_t k = 0;
		for (int32_t i = first[c]; i < first[c + 1]; i++) {
			int32_t v = nodes[i];
			for (int64_t q = g->out_at[v]; q < g->out_at[v + 1]; q++) {
				int32_t e = g->out_e[q];
				if (g->from[e] != v)
					continue; /* undirected: each edge from its "from" end */
				int32_t uc = p->memb[g->to[e]];
				double w = g->w[e];
				if (g->from[e] == g->to[e] && !g->directed)
					w /= 2.0;
				if (!added[uc]) {
					added[uc] = 1;
					nbr[k++] = uc;
				}
				acc[uc] += w;
			}
		}
		if (m + k > cap) {
			while (m + k > cap)
				cap *= 2;
			h->from = sc_xrealloc(h->from, cap * sizeof(int32_t));
			h->to = sc_xrealloc(h->to, cap * sizeof(int32_t));
			h->w = sc_xrealloc(h->w, cap * sizeof(double));
		}
		for (size_t j = 0; j < k; j++) {
			int32_t uc = nbr[j];
			int swap = !g->directed && uc > (int32_t)c; /* igraph_create's storage */
			h->from[m] = swap ? uc : (int32_t)c;
			h->to[m] = swap ? (int32_t)c : uc;
			h->w[m++] = acc[uc];
			acc[uc] = 0.0;
			added[uc] = 0;
		}
	}
	h->n = nc;
	h->m = m;
	h->directed = g->directed;
	h->size = sc_xmalloc((nc ? nc : 1) * sizeof(double));
	memcpy(h->size, p->csize, nc * sizeof(double));
	graph_finish(h);
	free(first), free(nodes), free(nbr), free(acc), free(added);
	return h;
}

/* Optimiser::optimise_partition, one call: move, refine, aggregate until
 * aggregation no longer shrinks the graph; p (on g) receives the result.
 * Returns the summed gain of the moves. */
static double optimise(lg_part *p, const lg_graph *g, lg_scratch *s, double res, igraph_rng_t *rng)
{
	size_t n = g->n;
	const lg_graph *cg = g;
	lg_part *cp = p;
	int32_t *agg = sc_xmalloc((n ? n : 1) * sizeof(int32_t));
	int32_t *memb = sc_xmalloc((n ? n : 1) * sizeof(int32_t));
	double improv = 0.0;
	int further, coarse = 0;
	for (size_t v = 0; v < n; v++)
		agg[v] = (int32_t)v;
	do {
		improv += move_nodes(cp, s, res, rng);
		if (cp != p) {
			/* from_coarse_partition; its sums, recomputed from the
			 * edges, are needed only after the last level */
			for (size_t v = 0; v < n; v++)
				p->memb[v] = cp->memb[agg[v]];
			coarse = 1;
		}
		lg_part *sub = part_new(cg, NULL);
		merge_nodes(sub, s, cp->memb, res, rng);
		for (size_t v = 0; v < n; v++)
			agg[v] = sub->memb[agg[v]];
		lg_graph *ng = collapse(cg, sub);
		for (size_t v = 0; v < cg->n; v++)
			memb[sub->memb[v]] = cp->memb[v];
		lg_part *np = part_new(ng, memb);
		further = ng->n < cg->n && cg->n > cp->nc;
		part_free(sub);
		if (cp != p)
			part_free(cp);
		if (cg != g)
			graph_free((lg_graph *)cg);
		cg = ng;
		cp = np;
	} while (further);
	part_free(cp);
	graph_free((lg_graph *)cg);
	if (coarse)
		part_init_admin(p);
	part_renumber(p);
	free(agg);
	free(memb);
	return improv;
}

int sc_leiden_graph_new(sc_leiden_graph **out, const sc_csr *adj, int directed, sc_err *err)
{
	*out = NULL;
	if (adj->cols != adj->rows)
		return sc_errf(err, SC_EINVAL, "leiden needs a square graph, got %zu x %zu", adj->rows,
			       adj->cols);
	if (adj->rows >= INT32_MAX)
		return sc_errf(err, SC_EINVAL, "graph has too many nodes (%zu)", adj->rows);
	return graph_from_csr(out, adj, !!directed, err);
}

void sc_leiden_graph_free(sc_leiden_graph *g)
{
	graph_free(g);
}

int sc_leiden_graph_run(int32_t *membership, size_t *n_clusters, const sc_leiden_graph *g,
			const sc_leiden_opts *o, sc_err *err)
{
	size_t n = g->n;
	if (!(o->resolution > 0) || !isfinite(o->resolution))
		return sc_errf(err, SC_EINVAL, "leiden resolution must be positive, got '%g'", o->resolution);
	if (o->seed > INT32_MAX)
		return sc_errf(err, SC_EINVAL, "leiden seed '%llu' is out of range (leidenalg takes a C int)",
			       (unsigned long long)o->seed);
	*n_clusters = 0;
	if (n == 0)
		return 0;
	igraph_rng_t rng;
	if (igraph_rng_init(&rng, &igraph_rngtype_mt19937) != IGRAPH_SUCCESS)
		return sc_errf(err, SC_ERR, "cannot initialise igraph's random generator");
	igraph_rng_seed(&rng, (igraph_uint_t)o->seed);
	lg_part *p = part_new(g, NULL);
	lg_scratch s;
	scratch_init(&s, n);
	/* leidenalg's Optimiser.optimise_partition loop */
	for (int it = 0; o->n_iterations < 0 || it < o->n_iterations; it++)
		if (!(optimise(p, g, &s, o->resolution, &rng) > 0) && o->n_iterations < 0)
			break;
	memcpy(membership, p->memb, n * sizeof(int32_t));
	*n_clusters = p->nc;
	scratch_free(&s);
	part_free(p);
	igraph_rng_destroy(&rng);
	return 0;
}

int sc_leiden_run(int32_t *membership, size_t *n_clusters, const sc_csr *adj,
		  const sc_leiden_opts *o, sc_err *err)
{
	sc_leiden_graph *g = NULL;
	int rc = sc_leiden_graph_new(&g, adj, o->directed, err);
	if (rc == 0)
		rc = sc_leiden_graph_run(membership, n_clusters, g, o, err);
	sc_leiden_graph_free(g);
	return rc;
}

int sc_leiden(int32_t *membership, size_t *n_clusters, const sc_csr *adj, double resolution,
	      uint64_t seed, sc_err *err)
{
	sc_leiden_opts o = SC_LEIDEN_OPTS_SCANPY;
	o.resolution = resolution;
	o.seed = seed;
	return sc_leiden_run(membership, n_clusters, adj, &o, err);
}

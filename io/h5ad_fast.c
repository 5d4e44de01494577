/*
 * h5ad_fast.c - parallel decompression of the big 1-D arrays of a sparse
 * matrix (data, indices), the part of reading X that costs time.
 *
 * Through H5Dread, every chunk is inflated, unshuffled and converted on one
 * thread while the other cores wait; for X of 100k cells x 2000 genes that
 * is about a second of zlib. Here the main thread fetches a batch of raw
 * chunks (H5Dread_chunk: no filters, just I/O, under HDF5's own lock) and
 * worker threads inflate, unshuffle and convert them straight into the
 * destination array. The result is the same bytes whatever the thread
 * count. Inflating uses libdeflate, two to three times faster than zlib on
 * whole buffers, which HDF5 chunks are. Only the common case is taken: a chunked 1-D dataset, filters
 * among shuffle and deflate, little-endian 4- or 8-byte numbers, all chunks
 * allocated; anything else returns "not handled" and the caller uses
 * H5Dread. Memory: one batch of compressed chunks plus one chunk buffer
 * per thread. SCEVAL_H5AD_NOFAST=1 in the environment turns this path off,
 * so that the tests can check both paths against anndata.
 */
#include "h5ad_impl.h"
#include "util/par.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libdeflate.h>

#define BATCH 64 /* chunks fetched per round */

typedef struct fjob {
	unsigned char *raw;
	size_t rawlen;
	unsigned mask; /* filters skipped for this chunk */
	size_t k;      /* chunk index */
} fjob;

typedef struct fctx {
	fjob *jobs;
	size_t njobs;
	size_t C, esize;        /* elements per chunk, bytes per element */
	int fkind;              /* 0 signed int, 1 float */
	int dest;               /* H5AD_DEST_* */
	void *out;
	size_t off, cnt;        /* requested range */
	int shuffle_at, deflate_at; /* filter positions in the pipeline, -1 when absent */
	atomic_int failed;
} fctx;

static void convert(const fctx *c, const unsigned char *src, size_t k)
{
	size_t a = k * c->C, b = a + c->C;
	size_t lo = a > c->off ? a : c->off, hi = b < c->off + c->cnt ? b : c->off + c->cnt;
	const unsigned char *s = src + (lo - a) * c->esize;
	size_t n = hi - lo, at = lo - c->off;
	if (c->dest == H5AD_DEST_I32) {
		memcpy((int32_t *)c->out + at, s, n * 4);
		return;
	}
	double *d = (double *)c->out + at;
	if (c->fkind == 1 && c->esize == 8) {
		memcpy(d, s, n * 8);
	} else if (c->fkind == 1) {
		const float *f = (const float *)(const void *)s;
		for (size_t i = 0; i < n; i++)
			d[i] = f[i];
	} else if (c->esize == 4) {
		const int32_t *v = (const int32_t *)(const void *)s;
		for (size_t i = 0; i < n; i++)
			d[i] = v[i];
	} else {
		const int64_t *v = (const int64_t *)(const void *)s;
		for (size_t i = 0; i < n; i++)
			d[i] = (double)v[i];
	}
}

/* Shuffled chunk: byte plane b holds byte b of every element. Elements are
 * put together from the planes and converted in one pass (no unshuffled
 * copy): the bytes are little-endian, as applicable() checked. */
static void unshuffle_convert(const fctx *c, const unsigned char *src, size_t k)
{
	size_t a = k * c->C, b = a + c->C, n = c->C;
	size_t lo = a > c->off ? a : c->off, hi = b < c->off + c->cnt ? b : c->off + c->cnt;
	size_t i0 = lo - a, cntn = hi - lo, at = lo - c->off;
	if (c->esize == 4) {
		const unsigned char *p0 = src + i0, *p1 = p0 + n, *p2 = p1 + n, *p3 = p2 + n;
		if (c->dest == H5AD_DEST_I32) {
			int32_t *d = (int32_t *)c->out + at;
			for (size_t i = 0; i < cntn; i++)
				d[i] = (int32_t)((uint32_t)p0[i] | (uint32_t)p1[i] << 8 | (uint32_t)p2[i] << 16 |
						 (uint32_t)p3[i] << 24);
			return;
		}
		double *d = (double *)c->out + at;
		for (size_t i = 0; i < cntn; i++) {
			uint32_t u = (uint32_t)p0[i] | (uint32_t)p1[i] << 8 | (uint32_t)p2[i] << 16 | (uint32_t)p3[i] << 24;
			if (c->fkind == 1) {
				float f;
				memcpy(&f, &u, 4);
				d[i] = f;
			} else {
				d[i] = (int32_t)u;
			}
		}
		return;
	}
	double *d = (double *)c->out + at;
	for (size_t i = 0; i < cntn; i++) {
		uint64_t u = 0;
		for (size_t bb = 0; bb < 8; bb++)
			u |= (uint64_t)src[bb * n + i0 + i] << (8 * bb);
		if (c->fkind == 1)
			memcpy(&d[i], &u, 8);
		else
			d[i] = (double)(int64_t)u;
	}
}

/* A worker's inflate buffer and decompressor (NULL members: allocation
 * failed, and the read falls back to HDF5). */
typedef struct fscratch {
	unsigned char *t1;
	struct libdeflate_decompressor *dec;
} fscratch;

static void *fworker_init(void *ctx)
{
	fctx *c = ctx;
	size_t bytes = c->C * c->esize;
	fscratch *w = calloc(1, sizeof(*w));
	if (w) {
		w->t1 = malloc(bytes ? bytes : 1);
		w->dec = libdeflate_alloc_decompressor();
	}
	if (!w || !w->t1 || !w->dec)
		atomic_store(&c->failed, 1);
	return w;
}

static void fworker_fini(void *scratch)
{
	fscratch *w = scratch;
	if (!w)
		return;
	free(w->t1);
	if (w->dec)
		libdeflate_free_decompressor(w->dec);
	free(w);
}

/* Jobs [j0, j1): inflate (when the chunk is deflated), then unshuffle or
 * convert into the output; a bad chunk stops every worker. */
static void fworker_run(void *ctx, void *scratch, size_t j0, size_t j1)
{
	fctx *c = ctx;
	fscratch *w = scratch;
	size_t bytes = c->C * c->esize;
	for (size_t j = j0; j < j1 && !atomic_load(&c->failed); j++) {
		fjob *jb = &c->jobs[j];
		const unsigned char *cur = jb->raw;
		size_t len = jb->rawlen;
		int bad = 0;
		if (c->deflate_at >= 0 && !(jb->mask & (1u << c->deflate_at))) {
			size_t got = 0;
			/* HDF5's deflate filter writes zlib streams. */
			bad = libdeflate_zlib_decompress(w->dec, cur, len, w->t1, bytes, &got) !=
				      LIBDEFLATE_SUCCESS ||
			      got != bytes;
			cur = w->t1;
			len = got;
		}
		if (!bad && len != bytes)
			bad = 1;
		if (bad) {
			atomic_store(&c->failed, 1);
			return;
		}
		if (c->shuffle_at >= 0 && !(jb->mask & (1u << c->shuffle_at)))
			unshuffle_convert(c, cur, jb->k);
		else
			convert(c, cur, jb->k);
	}
}

/* Whether the fast path applies; fills C, esize, fkind and filter slots. */
static int applicable(fctx *c, hid_t ds)
{
	int ok = 0;
	hid_t dcpl = H5Dget_create_plist(ds), t = H5Dget_type(ds), sp = H5Dget_space(ds);
	if (dcpl < 0 || t < 0 || sp < 0)
		goto out;
	if (H5Pget_layout(dcpl) != H5D_CHUNKED || H5Sget_simple_extent_ndims(sp) != 1)
		goto out;
	hsize_t cd[4];
	if (H5Pget_chunk(dcpl, 4, cd) != 1 || cd[0] == 0)
		goto out;
	c->C = (size_t)cd[0];
	c->shuffle_at = c->deflate_at = -1;
	int nf = H5Pget_nfilters(dcpl);
	if (nf < 1 || nf > 2)
		goto out;
	for (int i = 0; i < nf; i++) {
		unsigned fl;
		size_t ncd = 0;
		H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &fl, &ncd, NULL, 0, NULL, NULL);
		if (id == H5Z_FILTER_SHUFFLE && c->shuffle_at < 0 && c->deflate_at < 0)
			c->shuffle_at = i;
		else if (id == H5Z_FILTER_DEFLATE && c->deflate_at < 0)
			c->deflate_at = i;
		else
			goto out;
	}
	H5T_class_t cl = H5Tget_class(t);
	c->esize = H5Tget_size(t);
	if (H5Tget_order(t) != H5T_ORDER_LE || H5Tget_order(H5T_NATIVE_INT) != H5T_ORDER_LE)
		goto out;
	if (c->esize != 4 && c->esize != 8)
		goto out;
	if (cl == H5T_FLOAT) {
		c->fkind = 1;
		/* IEEE binary32/binary64 only. */
		if (!(H5Tequal(t, H5T_IEEE_F32LE) > 0 || H5Tequal(t, H5T_IEEE_F64LE) > 0))
			goto out;
	} else if (cl == H5T_INTEGER && H5Tget_sign(t) == H5T_SGN_2) {
		c->fkind = 0;
	} else {
		goto out;
	}
	if (c->dest == H5AD_DEST_I32 && !(c->fkind == 0 && c->esize == 4))
		goto out;
	ok = 1;
out:
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (t >= 0)
		H5Tclose(t);
	if (sp >= 0)
		H5Sclose(sp);
	H5Eclear2(H5E_DEFAULT);
	return ok;
}

int sc_h5ad_fast_read(void *out, int dest, hid_t ds, size_t off, size_t cnt)
{
	if (cnt == 0)
		return 0;
	fctx c;
	memset(&c, 0, sizeof(c));
	c.dest = dest;
	if (getenv("SCEVAL_H5AD_NOFAST") || !applicable(&c, ds))
		return 1;
	c.out = out;
	c.off = off;
	c.cnt = cnt;
	size_t k0 = off / c.C, k1 = (off + cnt - 1) / c.C;
	fjob jobs[BATCH];
	int rc = 0;
	for (size_t k = k0; k <= k1 && !rc; k += BATCH) {
		size_t nj = 0;
		for (; nj < BATCH && k + nj <= k1; nj++) {
			fjob *jb = &jobs[nj];
			hsize_t o = (hsize_t)(k + nj) * c.C, sz = 0;
			jb->k = k + nj;
			jb->raw = NULL;
			if (H5Dget_chunk_storage_size(ds, &o, &sz) < 0 || sz == 0) {
				rc = 1; /* unallocated (fill value): leave it to H5Dread */
				break;
			}
			jb->raw = malloc((size_t)sz);
			jb->rawlen = (size_t)sz;
			uint32_t mask = 0;
			if (!jb->raw || H5Dread_chunk(ds, H5P_DEFAULT, &o, &mask, jb->raw) < 0) {
				free(jb->raw);
				rc = -1;
				break;
			}
			jb->mask = mask;
		}
		if (!rc) {
			c.jobs = jobs;
			c.njobs = nj;
			int nt = sc_par_default_threads();
			sc_par_for job = { .ctx = &c, .worker_init = fworker_init,
					   .worker_fini = fworker_fini, .run = fworker_run };
			sc_par_for_run(nj, 1, nt > 8 ? 8 : nt, &job);
			if (atomic_load(&c.failed))
				rc = -1;
		}
		for (size_t j = 0; j < nj; j++)
			free(jobs[j].raw);
		if (rc == 1 && k > k0) {
			/* Part done: finish the rest through HDF5. */
			size_t from = k * c.C > off ? k * c.C : off;
			hid_t mt = dest == H5AD_DEST_I32 ? H5T_NATIVE_INT32 : H5T_NATIVE_DOUBLE;
			size_t es = dest == H5AD_DEST_I32 ? 4 : 8;
			rc = sc_h5ad_read_slab((char *)out + (from - off) * es, mt, ds, from, off + cnt - from) < 0 ? -1 : 0;
			break;
		}
	}
	H5Eclear2(H5E_DEFAULT);
	return rc;
}

/*
 * test_report.c - the report's building blocks against hand calculations
 * and naive references: mean and sample sd, average ranks, page names, the
 * scIB summary (min-max scaling and aggregation worked out by hand), the
 * CSV reader (RFC 4180 cases, and a round trip through the writer on
 * random fields), round-trip number printing, cell formatting and colours.
 */
#include "unit.h"
#include "reports/csv.h"
#include "reports/report_impl.h"
#include "tasks/core/rng.h"
#include "util/buf.h"

static void test_mean_sd(void)
{
	double v[] = { 1, 2, 3, NAN, INFINITY };
	double mean, sd;
	size_t k;
	sc_report_mean_sd(v, 5, &mean, &sd, &k);
	OK(k == 3, "mean_sd counts the finite values (%zu)", k);
	NEAR(mean, 2.0, 1e-15, "mean of 1, 2, 3 is 2");
	NEAR(sd, 1.0, 1e-15, "sample sd of 1, 2, 3 is 1 (ddof 1)");
	double w[] = { 0.5 };
	sc_report_mean_sd(w, 1, &mean, &sd, &k);
	OK(k == 1 && mean == 0.5 && isnan(sd), "one value: its mean, sd undefined");
	sc_report_mean_sd(v + 3, 2, &mean, &sd, &k);
	OK(k == 0 && isnan(mean) && isnan(sd), "no finite value: NaN mean and sd");
	/* Naive reference on random values. */
	sc_rng r;
	sc_rng_seed(&r, 7);
	double x[37], s = 0, q = 0;
	for (int i = 0; i < 37; i++) {
		x[i] = sc_rng_uniform(&r) * 10 - 3;
		s += x[i];
	}
	for (int i = 0; i < 37; i++)
		q += (x[i] - s / 37) * (x[i] - s / 37);
	sc_report_mean_sd(x, 37, &mean, &sd, &k);
	NEAR(mean, s / 37, 1e-14, "mean equals the plain loop");
	NEAR(sd, sqrt(q / 36), 1e-14, "sd equals the plain loop");
}

static void test_rank(void)
{
	double v[] = { 3, 1, 3, NAN, 2 }, r[5];
	sc_report_rank(v, 5, 1, r);
	OK(r[0] == 1.5 && r[2] == 1.5 && r[4] == 3 && r[1] == 4 && isnan(r[3]),
	   "higher is better: ties share 1.5, NaN unranked (%g %g %g %g %g)", r[0], r[1], r[2], r[3],
	   r[4]);
	sc_report_rank(v, 5, 0, r);
	OK(r[1] == 1 && r[4] == 2 && r[0] == 3.5 && r[2] == 3.5 && isnan(r[3]),
	   "lower is better: 1, 2, then the tie at 3.5");
	double one = 0.7, r1;
	sc_report_rank(&one, 1, 1, &r1);
	OK(r1 == 1, "a single method ranks 1");
}

static void test_page_name(void)
{
	char *a = sc_report_page_name("annotation", NULL, 0);
	OK(!strcmp(a, "annotation.html"), "plain task name kept (%s)", a);
	char *taken[] = { a };
	char *b = sc_report_page_name("Annotation", taken, 1);
	OK(!strcmp(b, "Annotation-2.html"), "a name differing only in case gets -2 (%s)", b);
	char *c = sc_report_page_name("index", NULL, 0);
	OK(!strcmp(c, "index-task.html"), "never index.html (%s)", c);
	char *d = sc_report_page_name("../<b>x</b> é", NULL, 0);
	OK(!strcmp(d, "____b_x__b____.html"), "anything but [A-Za-z0-9_-] becomes _ (%s)", d);
	char *e = sc_report_page_name("", NULL, 0);
	OK(!strcmp(e, "task.html"), "empty name: task.html (%s)", e);
	char longname[200];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[199] = 0;
	char *f = sc_report_page_name(longname, NULL, 0);
	OK(strlen(f) == 60 + 5, "long names cut to 60 bytes (%zu)", strlen(f));
	char *t3[] = { a, b };
	char *g = sc_report_page_name("annotation", t3, 2);
	OK(!strcmp(g, "annotation-3.html"), "next free suffix (%s)", g);
	free(a);
	free(b);
	free(c);
	free(d);
	free(e);
	free(f);
	free(g);
}

static void test_scib(void)
{
	/* 3 methods; metrics sorted by name as the model keeps them. foo is not
	 * an scIB metric and must be left out. */
	char *metric[] = { "ari", "asw_batch", "foo", "nmi" };
	int hib[] = { 1, 1, 1, 1 };
	double means[3][4] = { { 0.2, 0.9, 5, 0.5 }, { 0.6, 0.7, 6, 0.5 }, { 1.0, 0.8, 7, 0.5 } };
	sc_report_method m[3];
	memset(m, 0, sizeof(m));
	for (int i = 0; i < 3; i++)
		m[i].mean = means[i];
	sc_report_table t;
	memset(&t, 0, sizeof(t));
	t.metric = metric;
	t.hib = hib;
	t.nk = 4;
	t.m = m;
	t.nm = 3;
	sc_report_scib x;
	sc_err err;
	int rc = sc_report_scib_compute(&x, &t, &err);
	OK(rc == 0, "scib summary computes");
	OK(x.nc == 3 && x.col[0] == 0 && x.col[1] == 3 && x.col[2] == 1,
	   "columns: bio (ari, nmi) then batch (asw_batch); foo left out");
	/* By hand: scaled ari 0, .5, 1; nmi constant -> 0; asw_batch 1, 0, .5. */
	double sc[3][3] = { { 0, 0, 1 }, { 0.5, 0, 0 }, { 1, 0, 0.5 } };
	double bio_s[] = { 0, 0.25, 0.5 }, batch_s[] = { 1, 0, 0.5 };
	double bio_r[] = { 0.35, 0.55, 0.75 }, batch_r[] = { 0.9, 0.7, 0.8 };
	int bad = 0;
	for (int i = 0; i < 3; i++) {
		for (int c = 0; c < 3; c++)
			bad += fabs(x.scaled[i * 3 + c] - sc[i][c]) > 1e-12;
		bad += fabs(x.bio[1][i] - bio_s[i]) > 1e-12;
		bad += fabs(x.batch[1][i] - batch_s[i]) > 1e-12;
		bad += fabs(x.overall[1][i] - (0.6 * bio_s[i] + 0.4 * batch_s[i])) > 1e-12;
		bad += fabs(x.bio[0][i] - bio_r[i]) > 1e-12;
		bad += fabs(x.batch[0][i] - batch_r[i]) > 1e-12;
		bad += fabs(x.overall[0][i] - (0.6 * bio_r[i] + 0.4 * batch_r[i])) > 1e-12;
	}
	OK(bad == 0, "scaled and raw bio, batch, overall equal the hand calculation (%d off)", bad);
	sc_report_scib_free(&x);
}

static void test_csv_cases(void)
{
	sc_csv t;
	sc_err err;
	const char *s = "a,b,c\r\n1,\"x,y\",\"he said \"\"hi\"\"\"\r\n2,\"two\nlines\",\r\n3\n";
	int rc = sc_csv_parse(&t, s, strlen(s), "t", &err);
	OK(rc == 0 && t.rows == 4 && t.cols == 3, "RFC 4180 table parses (%zu x %zu)", t.rows, t.cols);
	OK(!strcmp(sc_csv_at(&t, 1, 1), "x,y"), "quoted comma");
	OK(!strcmp(sc_csv_at(&t, 1, 2), "he said \"hi\""), "doubled quotes");
	OK(!strcmp(sc_csv_at(&t, 2, 1), "two\nlines"), "quoted line break");
	OK(!strcmp(sc_csv_at(&t, 2, 2), ""), "trailing empty field");
	OK(!strcmp(sc_csv_at(&t, 3, 0), "3") && !strcmp(sc_csv_at(&t, 3, 2), ""),
	   "short row padded, LF line end");
	OK(sc_csv_col(&t, "c") == 2 && sc_csv_col(&t, "z") == -1, "column lookup");
	sc_csv_free(&t);
	sc_csv_free(&t);
	const char *bad1 = "a,b\n1,\"open\n";
	OK(sc_csv_parse(&t, bad1, strlen(bad1), "t", &err) == SC_ECORRUPT && strstr(err.msg, "never closed"),
	   "unterminated quote is an error (%s)", err.msg);
	const char *bad2 = "a,b\n1,2,3\n";
	OK(sc_csv_parse(&t, bad2, strlen(bad2), "t", &err) == SC_ECORRUPT, "row wider than header");
	const char *bad3 = "a,b\n\"x\"y,2\n";
	OK(sc_csv_parse(&t, bad3, strlen(bad3), "t", &err) == SC_ECORRUPT, "text after a closing quote");
	OK(sc_csv_parse(&t, "", 0, "t", &err) == 0 && t.rows == 0, "empty input: no rows");
	sc_csv_free(&t);
}

static void test_csv_roundtrip(void)
{
	/* Random fields made of CSV's special characters, written by the
	 * writer the steps use, read back unchanged. */
	static const char alpha[] = "ab,\"\r\n <>&'x=+-@\t1.";
	sc_rng r;
	sc_rng_seed(&r, 11);
	int bad = 0;
	for (int trial = 0; trial < 200; trial++) {
		char f[4][12];
		sc_buf b = SC_BUF_INIT;
		sc_buf_init(&b);
		sc_buf_puts(&b, "h1,h2,h3,h4\r\n");
		for (int c = 0; c < 4; c++) {
			size_t n = (size_t)(sc_rng_uniform(&r) * 11);
			for (size_t i = 0; i < n; i++)
				f[c][i] = alpha[(size_t)(sc_rng_uniform(&r) * (sizeof(alpha) - 1))];
			f[c][n] = 0;
			if (c)
				sc_buf_putc(&b, ',');
			sc_buf_csv(&b, f[c]);
		}
		sc_buf_puts(&b, "\r\n");
		sc_csv t;
		sc_err err;
		if (sc_csv_parse(&t, b.s, b.len, "t", &err) || t.rows != 2) {
			bad++;
		} else {
			for (int c = 0; c < 4; c++)
				bad += strcmp(sc_csv_at(&t, 1, (size_t)c), f[c]) != 0;
		}
		sc_csv_free(&t);
		sc_buf_free(&b);
	}
	OK(bad == 0, "200 random rows of special characters round-trip (%d bad)", bad);
}

static void test_csv_formula(void)
{
	/* OWASP's advice for CSV injection: a cell starting with = + - @ tab
	 * or CR gets a single quote inside a quoted field; numbers stay. */
	static const char *const cases[][2] = {
		{ "=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" },
		{ "+cmd|' /C calc'!A0", "\"'+cmd|' /C calc'!A0\"" },
		{ "-2+3", "\"'-2+3\"" },
		{ "@SUM(A1)", "\"'@SUM(A1)\"" },
		{ "\tx", "\"'\tx\"" },
		{ "\rx", "\"'\rx\"" },
		{ "'=x", "\"''=x\"" },
		{ "-0.5", "-0.5" },
		{ "+1e-3", "+1e-3" },
		{ "-inf", "-inf" },
		{ "a=b", "a=b" },
		{ "'plain", "'plain" },
		{ "", "" },
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sc_buf b = SC_BUF_INIT;
		sc_buf_init(&b);
		sc_buf_csv(&b, cases[i][0]);
		if (strcmp(b.s ? b.s : "", cases[i][1])) {
			bad++;
			printf("# %s -> %s\n", cases[i][0], b.s ? b.s : "");
		}
		sc_buf_free(&b);
	}
	OK(bad == 0, "formula cells are neutralised, numbers are not (%d bad)", bad);
}

static void test_num(void)
{
	sc_buf b = SC_BUF_INIT;
	sc_buf_init(&b);
	sc_buf_num(&b, 0.1);
	OK(!strcmp(b.s, "0.1"), "0.1 prints as 0.1 (%s)", b.s);
	sc_buf_reset(&b);
	sc_buf_num(&b, 1.0 / 3);
	OK(!strcmp(b.s, "0.3333333333333333"), "1/3 needs 16 digits, as Python's repr (%s)", b.s);
	sc_buf_reset(&b);
	volatile double p1 = 0.1, p2 = 0.2;
	sc_buf_num(&b, p1 + p2);
	OK(!strcmp(b.s, "0.30000000000000004"), "0.1 + 0.2 needs 17, as Python's repr (%s)", b.s);
	sc_buf_reset(&b);
	sc_buf_num(&b, NAN);
	OK(!strcmp(b.s, "nan"), "NaN prints nan");
	sc_rng r;
	sc_rng_seed(&r, 3);
	int bad = 0;
	for (int i = 0; i < 10000; i++) {
		double v = (sc_rng_uniform(&r) - 0.5) * pow(10, (int)(sc_rng_uniform(&r) * 40) - 20);
		sc_buf_reset(&b);
		sc_buf_num(&b, v);
		bad += strtod(b.s, NULL) != v;
	}
	OK(bad == 0, "10000 random doubles read back exactly (%d bad)", bad);
	struct {
		double v;
		const char *want;
	} cases[] = { { 0.99, "0.9900" }, { 12.34, "12.34" }, { 1234.4, "1234" }, { 1e-5, "1.000e-05" },
		      { 0, "0" }, { -0.5, "-0.5000" }, { 0.99999999, "1.000" }, { 9.99996, "10.00" },
		      { NAN, "&mdash;" } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sc_buf_reset(&b);
		sc_report_num(&b, cases[i].v);
		OK(!strcmp(b.s, cases[i].want), "display of %g is %s (%s)", cases[i].v, cases[i].want, b.s);
	}
	sc_buf_reset(&b);
	sc_report_mean_cell(&b, 0.25, 0.01, 3, 1);
	OK(!strcmp(b.s, "<td class=\"num best\" data-v=\"0.25\">0.2500 <span class=\"sd\">&plusmn;&nbsp;0.01"
			"</span></td>"),
	   "mean cell: best class, exact data-v, mean and sd (%s)", b.s);
	sc_buf_reset(&b);
	sc_report_heat(&b, 0, 0);
	OK(!strcmp(b.s, " style=\"background:#ffffff\""), "heat 0 is white (%s)", b.s);
	sc_buf_reset(&b);
	sc_report_heat(&b, 1, 0);
	OK(!strcmp(b.s, " style=\"background:#1a5fb4;color:#fff\""), "heat 1 is the accent, white text (%s)",
	   b.s);
	sc_buf_reset(&b);
	sc_report_heat(&b, NAN, 0);
	OK(b.len == 0, "no colour for NaN");
	sc_buf_free(&b);
}

/* Axes worked out by hand from the rule in report_impl.h. */
static void test_axis(void)
{
	struct {
		double lo, hi, a, z, step;
		int zero;
	} c[] = {
		{ 0.78, 0.83, 0.76, 0.84, 0.02, 0 },   /* cut: 0 would be 16x the spread */
		{ 0.2, 0.9, 0, 1, 0.5, 1 },            /* 0 at most doubles the axis */
		{ -3, 5, -4, 6, 2, 1 },                /* 0 inside */
		{ -0.83, -0.78, -0.84, -0.76, 0.02, 0 }, /* cut on the negative side */
		{ 0.5, 0.5, 0.48, 0.5, 0.02, 0 },      /* one value: a tenth of it */
		{ 120, 180, 100, 180, 20, 0 },         /* 120 on a tick: a step more */
		{ 0, 0, 0, 1, 0.5, 1 },                /* all zero: the unit axis */
		{ NAN, 1, 0, 1, 0.5, 1 },              /* nothing finite */
		{ 0.61, 0.8, 0.55, 0.8, 0.05, 0 },     /* 0.0475 -> 0.05; 0.61 a fifth past 0.6 */
		{ 0.64, 0.8, 0.6, 0.8, 0.05, 0 },      /* 0.64: clear of 0.6 */
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		sc_report_axis_t ax;
		sc_report_axis(&ax, c[i].lo, c[i].hi);
		OK(fabs(ax.lo - c[i].a) < 1e-12 && fabs(ax.hi - c[i].z) < 1e-12 &&
			   fabs(ax.step - c[i].step) < 1e-12 && ax.from_zero == c[i].zero,
		   "axis of [%g, %g] is [%g, %g] by %g%s (%g, %g, %g, %d)", c[i].lo, c[i].hi, c[i].a,
		   c[i].z, c[i].step, c[i].zero ? " from 0" : ", cut", ax.lo, ax.hi, ax.step,
		   ax.from_zero);
	}
}

int main(void)
{
	test_axis();
	test_mean_sd();
	test_rank();
	test_page_name();
	test_scib();
	test_csv_cases();
	test_csv_roundtrip();
	test_csv_formula();
	test_num();
	return unit_done();
}

/*
 * fuzz_spec.c - the YAML spec loader (runner/yaml.c, runner/spec.c): an
 * input is a spec file, loaded and checked as `sceval run` would before it
 * plans anything. Loading runs nothing and writes nothing; method files
 * are only resolved (realpath), inside the scratch folder.
 *
 * Invariants: a failure has a message and a named code; a loaded spec has
 * at least one dataset and one task, every task names a dataset the spec
 * defines, and its seeds are distinct.
 */
#include "fuzz.h"
#include "runner/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p = fuzz_write("spec.yaml", data, size);
	sc_spec *s = NULL;
	sc_err err;
	memset(&err, 0, sizeof(err));
	int rc = sc_spec_load(&s, p, 0, &err);
	if (rc) {
		fuzz_check_err(rc, &err, "sc_spec_load");
	} else {
		if (!s->n_datasets || !s->n_tasks)
			fuzz_fail("a spec without datasets or tasks was accepted");
		for (size_t i = 0; i < s->n_tasks; i++) {
			const sc_spec_task *t = &s->tasks[i];
			if (!sc_spec_find_dataset(s, t->dataset))
				fuzz_fail("task %zu names an unknown dataset", i);
			if (!t->n_seeds)
				fuzz_fail("task %zu has no seed", i);
			for (size_t a = 0; a < t->n_seeds; a++)
				for (size_t b = a + 1; b < t->n_seeds; b++)
					if (t->seeds[a] == t->seeds[b])
						fuzz_fail("task %zu repeats a seed", i);
			for (size_t m = 0; m < t->n_methods; m++)
				(void)sc_spec_find_method(s, t->methods[m]);
		}
		for (size_t i = 0; i < s->n_datasets; i++)
			if ((s->datasets[i].path == NULL) == (s->datasets[i].ref == NULL))
				fuzz_fail("dataset %zu has both or neither of path and ref", i);
		sc_spec_free(s);
	}
	free(p);
	return 0;
}

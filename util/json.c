/*
 * json.c - canonical JSON and typed accessors over jansson.
 */
#include "json.h"

#include <math.h>

char *sc_json_canonical(const json_t *j)
{
	return json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(17) |
				     JSON_ENCODE_ANY);
}

int sc_json_print(FILE *f, const json_t *j)
{
	int rc = json_dumpf(j, f, JSON_SORT_KEYS | JSON_INDENT(2) | JSON_REAL_PRECISION(17));
	fputc('\n', f);
	return rc;
}

const char *sc_json_str(const json_t *obj, const char *key, const char *dflt)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : dflt;
}

double sc_json_num(const json_t *obj, const char *key, double dflt)
{
	json_t *v = json_object_get(obj, key);
	return json_is_number(v) ? json_number_value(v) : dflt;
}

long long sc_json_int(const json_t *obj, const char *key, long long dflt)
{
	json_t *v = json_object_get(obj, key);
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v) && json_real_value(v) == (double)(long long)json_real_value(v))
		return (long long)json_real_value(v);
	return dflt;
}

int sc_json_bool(const json_t *obj, const char *key, int dflt)
{
	json_t *v = json_object_get(obj, key);
	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

json_t *sc_json_real(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

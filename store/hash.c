/*
 * hash.c - SHA-256 through OpenSSL's EVP interface (which picks the SHA-NI
 * or AVX2 code path on this CPU: about 1.5 GB/s on one core), and the hex
 * forms of object ids.
 */
#include "hash.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <string.h>

struct sc_hasher {
	EVP_MD_CTX *ctx;
};

sc_hasher *sc_hasher_new(void)
{
	sc_hasher *h = sc_xmalloc(sizeof(*h));
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		/* Only fails on allocation failure inside OpenSSL. */
		sc_xmalloc((size_t)-1);
	}
	return h;
}

void sc_hasher_update(sc_hasher *h, const void *p, size_t n)
{
	EVP_DigestUpdate(h->ctx, p, n);
}

void sc_hasher_final(sc_hasher *h, sc_oid *out)
{
	unsigned int len = 0;
	EVP_DigestFinal_ex(h->ctx, out->b, &len);
}

void sc_hasher_free(sc_hasher *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void sc_hash_buf(sc_oid *out, const void *p, size_t n)
{
	unsigned int len = 0;
	EVP_Digest(p, n, out->b, &len, EVP_sha256(), NULL);
}

void sc_oid_hex(const sc_oid *id, char out[SC_OID_HEXLEN + 1])
{
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < SC_OID_RAW; i++) {
		out[2 * i] = hx[id->b[i] >> 4];
		out[2 * i + 1] = hx[id->b[i] & 15];
	}
	out[SC_OID_HEXLEN] = 0;
}

void sc_oid_id(const sc_oid *id, char out[SC_OID_IDLEN])
{
	memcpy(out, SC_OID_PREFIX, SC_OID_PREFIX_LEN);
	sc_oid_hex(id, out + SC_OID_PREFIX_LEN);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sc_oid_parse(sc_oid *out, const char *s)
{
	s = sc_oid_hex_of(s);
	if (strlen(s) != SC_OID_HEXLEN)
		return SC_EINVAL;
	for (int i = 0; i < SC_OID_RAW; i++) {
		int a = hexval((unsigned char)s[2 * i]), b = hexval((unsigned char)s[2 * i + 1]);
		if (a < 0 || b < 0)
			return SC_EINVAL;
		out->b[i] = (unsigned char)(a << 4 | b);
	}
	return 0;
}

const char *sc_oid_hex_of(const char *s)
{
	return s && !strncmp(s, SC_OID_PREFIX, SC_OID_PREFIX_LEN) ? s + SC_OID_PREFIX_LEN : s;
}

int sc_oid_parse_prefix(char out[SC_OID_HEXLEN + 1], const char *s)
{
	s = sc_oid_hex_of(s);
	size_t n = strlen(s);
	if (!n || n > SC_OID_HEXLEN)
		return SC_EINVAL;
	for (size_t i = 0; i < n; i++) {
		int v = hexval((unsigned char)s[i]);
		if (v < 0)
			return SC_EINVAL;
		out[i] = "0123456789abcdef"[v];
	}
	out[n] = 0;
	return (int)n;
}

int sc_oid_eq(const sc_oid *a, const sc_oid *b)
{
	return !memcmp(a->b, b->b, SC_OID_RAW);
}

int sc_is_hex(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (hexval((unsigned char)*s) < 0)
			return 0;
	return 1;
}

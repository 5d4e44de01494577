/*
 * hash.h - object identifiers: SHA-256 digests (OpenSSL EVP), hex forms.
 *
 * The hash scheme is versioned from day one: records in the catalog and in
 * manifests spell an id "sha256:<64 hex>"; the CLI prints bare hex like
 * sha256sum. A future scheme gets a new prefix and coexists.
 */
#ifndef SC_HASH_H
#define SC_HASH_H

#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

#define SC_OID_RAW 32
#define SC_OID_HEXLEN 64
#define SC_OID_PREFIX "sha256:"
#define SC_OID_PREFIX_LEN (sizeof(SC_OID_PREFIX) - 1)
/* "sha256:" + 64 hex + NUL */
#define SC_OID_IDLEN (SC_OID_PREFIX_LEN + 64 + 1)

typedef struct sc_oid {
	unsigned char b[SC_OID_RAW];
} sc_oid;

typedef struct sc_hasher sc_hasher;

sc_hasher *sc_hasher_new(void);
void sc_hasher_update(sc_hasher *h, const void *p, size_t n);
void sc_hasher_final(sc_hasher *h, sc_oid *out);
void sc_hasher_free(sc_hasher *h);
void sc_hash_buf(sc_oid *out, const void *p, size_t n);

/* 64 hex chars + NUL into out. */
void sc_oid_hex(const sc_oid *id, char out[SC_OID_HEXLEN + 1]);
/* "sha256:<hex>" + NUL into out. */
void sc_oid_id(const sc_oid *id, char out[SC_OID_IDLEN]);
/* The one reader of object ids. Both spellings are accepted everywhere:
 * "sha256:<hex>" (catalog rows, manifests, bundles) and bare "<hex>" (what
 * the CLI prints and users type). */
/* A full id, 64 hex digits in either case, either spelling; 0 or SC_EINVAL. */
int sc_oid_parse(sc_oid *out, const char *s);
/* A full id or a prefix of one, either spelling: its hex digits lowercased
 * into out (NUL-terminated), and their number returned; SC_EINVAL when s
 * has no hex digit, a non-hex one or more than 64. */
int sc_oid_parse_prefix(char out[SC_OID_HEXLEN + 1], const char *s);
/* The hex part of a recorded id for display: s past "sha256:", or s itself
 * when it has no scheme (already bare, or not an id at all: never indexed
 * past its end); NULL stays NULL. */
const char *sc_oid_hex_of(const char *s);
int sc_oid_eq(const sc_oid *a, const sc_oid *b);
/* True when s is all lowercase or uppercase hex digits (len >= 1). */
int sc_is_hex(const char *s);

#endif

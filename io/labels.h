/*
 * labels.h - a label vector from a file of its own, the way a user has the
 * labels or batches of an embedding computed outside sceval (`sceval
 * scib`): a text file with one value per line, or a .npy vector of
 * non-negative integer codes.
 */
#ifndef SC_IO_LABELS_H
#define SC_IO_LABELS_H

#include "util/err.h"
#include "util/mat.h"

/* Text: one label a line (CR LF accepted), categories sorted by byte value
 * (as pandas' Categorical); an empty line is an error naming it. .npy (by
 * the name's suffix): integer or bool codes, a vector or an n x 1 matrix;
 * category k is named by its decimal code. what ("labels", "batches")
 * names the vector in messages. out is released with sc_labels_free. */
int sc_labels_read_file(sc_labels *out, const char *path, const char *what, sc_err *err) SC_WUR;

#endif

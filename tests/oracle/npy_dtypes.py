"""Write .npy files of every dtype numpy saves, for tests/unit/test_npy.c.

usage: npy_dtypes.py DIR

For each readable case DIR/NAME.npy is np.save's file and DIR/NAME.want the
values numpy reads back, converted by numpy itself (astype(float64)), in C
order: a line "ndim rows cols fortran kind" and then one value a line
(repr of a Python float: 17 significant digits, 'nan', 'inf'). Cases that
must be refused are listed in DIR/refused.txt as "NAME<TAB>text the error
must contain".
"""
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(3)


def values(dtype, shape):
    """Values that use the dtype's range: extremes, zero, random."""
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    if dt.kind == "b":
        v = rng.integers(0, 2, n).astype(bool)
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        v = rng.integers(info.min, info.max, n, dtype=dt.newbyteorder("="), endpoint=True)
        v[:3] = [info.min, info.max, 0][: min(3, n)]
    else:
        v = (rng.standard_normal(n) * 100).astype(dt.newbyteorder("="))
        special = [np.nan, np.inf, -np.inf, 0.0, -0.0]
        if dt.itemsize == 2:
            special += [6.1e-5, 5.96e-8, 65504.0]  # smallest normal, subnormal, largest half
        k = min(len(special), n)
        v[:k] = special[:k]
    return v.reshape(shape).astype(dt)


def save(name, a):
    np.save(os.path.join(out, name + ".npy"), a)
    back = np.load(os.path.join(out, name + ".npy"))
    assert back.dtype == a.dtype and back.flags.f_contiguous == a.flags.f_contiguous
    rows = back.shape[0]
    cols = back.shape[1] if back.ndim == 2 else 1
    fortran = int(back.ndim == 2 and back.flags.f_contiguous and not back.flags.c_contiguous)
    with open(os.path.join(out, name + ".want"), "w") as f:
        f.write(f"{back.ndim} {rows} {cols} {fortran} {back.dtype.kind}\n")
        for x in np.ascontiguousarray(back).astype(np.float64).ravel():
            f.write(repr(float(x)) + "\n")


codes = ["b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8"]
for code in codes:
    for order in ("<", ">"):
        if code in ("b1", "i1", "u1") and order == ">":
            continue  # one byte: numpy writes '|' whatever was asked
        dt = np.dtype(order + code)
        tag = code + ("le" if order == "<" else "be")
        save(tag + "_c", values(dt, (7, 5)))
        save(tag + "_f", np.asfortranarray(values(dt, (6, 4))))
        save(tag + "_1d", values(dt, (9,)))
# A transposed array is what np.save writes as Fortran order.
save("f8_transposed", values("<f8", (5, 3)).T)
save("f4_empty", np.zeros((0, 4), "<f4"))
np.save(os.path.join(out, "v2.npy"), values("<f8", (3, 2)))  # format chosen by numpy

refused = {
    "c16": (np.ones((2, 2), np.complex128), "'<c16' (complex"),
    "c8": (np.ones((2, 2), np.complex64), "'<c8' (complex"),
    "object": (np.array([[1, "a"]], dtype=object), "'|O' (Python objects"),
    "unicode": (np.array([["ab", "c"]]), "'<U2' (strings"),
    "bytes": (np.array([[b"ab", b"c"]]), "'|S2' (strings"),
    "structured": (np.zeros((3,), dtype=[("a", "<i4"), ("b", "<f8")]), "structured array"),
    "datetime": (np.array([["2020-01-01"]], dtype="datetime64[D]"), "'<M8[D]' (dates"),
    "longdouble": (np.ones((2, 2), np.longdouble), "unsupported dtype '<f16'"),
    "scalar": (np.float64(3.0), "expected a 1-D or 2-D array"),
    "three_d": (np.zeros((2, 2, 2)), "expected a 1-D or 2-D array"),
}
with open(os.path.join(out, "refused.txt"), "w") as f:
    for name, (a, msg) in refused.items():
        np.save(os.path.join(out, name + ".npy"), a, allow_pickle=True)
        f.write(f"{name}\t{msg}\n")

"""binio - the raw binary files the C tests and the Python oracles exchange.

A file is a 32-byte header, then the values row-major, little-endian:
  bytes 0-7   magic b"SCBIN001"
  bytes 8-15  rows  (uint64)
  bytes 16-23 cols  (uint64)
  bytes 24-31 dtype (uint64): 1 float64, 2 int32
A vector is stored as rows x 1. Read by tests/unit/binio.h.
"""
import numpy as np

MAGIC = b"SCBIN001"
CODES = {1: np.dtype("<f8"), 2: np.dtype("<i4")}


def write(path, arr):
    arr = np.asarray(arr)
    if arr.dtype.kind == "f":
        code, arr = 1, arr.astype("<f8")
    elif arr.dtype.kind in "iub":
        code, arr = 2, arr.astype("<i4")
    else:
        raise TypeError(f"unsupported dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError("only vectors and matrices")
    arr = np.ascontiguousarray(arr)
    with open(path, "wb") as f:
        f.write(MAGIC)
        f.write(np.array([arr.shape[0], arr.shape[1], code], dtype="<u8").tobytes())
        f.write(arr.tobytes())


def read(path):
    with open(path, "rb") as f:
        head = f.read(32)
        if head[:8] != MAGIC:
            raise ValueError(f"{path}: not a binio file")
        rows, cols, code = np.frombuffer(head[8:], dtype="<u8")
        data = np.frombuffer(f.read(), dtype=CODES[int(code)])
    return data.reshape(int(rows), int(cols)).copy()

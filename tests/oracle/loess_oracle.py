#!/usr/bin/python3
"""Oracle of sceval's interpolated loess and of its seurat_v3 genes
(tests/unit/test_core_loess.c), with R's loess() as the reference fit.

usage: loess_oracle.py OUTDIR DATADIR|- [SIMFILE]

scanpy's seurat_v3 fits skmisc.loess(log10 mean, log10 var, span=0.3,
degree=2) with surface='interpolate'; skmisc does not install here, R's
loess() runs the same dloess Fortran with the same defaults
(tests/oracle/loess_ref.R). This writes into OUTDIR, in the layouts of
tests/unit/core_oracle.h:

  cases.txt     one line per problem:
                  loess NAME SPAN PINV LIMITED
                                         NAME.xy (x, y) and NAME.fit (R's
                                         fitted values, NaN where R has none);
                                         PINV 1 when R used the pseudo-inverse,
                                         LIMITED 1 when its k-d tree was full
                  hvg TAG MODE RAISES    TAG.counts (CSR), TAG.batch (codes,
                                         -1 = none) and, from scanpy's
                                         seurat_v3 (tests/oracle/hvg_ref.py)
                                         with R's fit, n_top_genes=2000,
                                         without (MODE n) or with (b) the
                                         batches: TAG.MODE.sel, .rank, .score;
                                         RAISES 1 when a fit needed the
                                         pseudo-inverse or a full tree,
                                         where skmisc (so scanpy) raises
Inputs: edge cases (ties, few points, many equal x) drawn here; every .h5ad
in DATADIR with raw counts (layers['counts'], else X when it holds
non-negative integers), without and with its batch column; SIMFILE (from
`sceval simulate`) likewise. Every fit these need goes to one R process.
Exits 3 when Rscript is missing.
"""
import glob
import os
import shutil
import subprocess
import sys
import warnings

import numpy as np
import scipy.sparse as sp

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import hvg_ref as H  # noqa: E402
from core_oracle import write_csr, write_d, write_i  # noqa: E402

BATCH_KEYS = ("batch", "sample", "replicate", "bio_rep")


def edge_cases(rng):
    """(name, span, x, y): ties, small n, many duplicate x."""
    out = []
    x = np.round(rng.normal(size=300), 1)  # ~60 distinct values
    out.append(("ties_round1", 0.3, x, np.sin(x) + 0.2 * rng.normal(size=300)))
    x = np.repeat(np.arange(40.0), 5)  # every value five times: splits land on ties
    out.append(("ties_x5", 0.3, x, np.log1p(x) + 0.1 * rng.normal(size=200)))
    for n, span in ((8, 0.75), (8, 1.0), (9, 0.5), (15, 0.3), (20, 0.3)):
        x = rng.normal(size=n)
        out.append((f"small{n}_{span}", span, x, x * x + 0.1 * rng.normal(size=n)))
    x = rng.normal(size=500)
    x[rng.random(500) < 0.2] = 0.25  # a run of 20% of the points at one value
    out.append(("dup20", 0.3, x, np.cos(x) + 0.1 * rng.normal(size=500)))
    x = rng.integers(0, 4, size=200).astype(float)  # 4 values: rank-deficient fits
    out.append(("fourvals", 0.3, x, x + rng.normal(size=200)))
    x = rng.normal(size=500)
    x[rng.random(500) < 0.4] = 0.25  # 40% at one value: zero-width neighbourhoods
    out.append(("dup40", 0.3, x, np.cos(x) + 0.1 * rng.normal(size=500)))
    for n, span in ((200, 0.05), (150, 0.1)):  # cells of 2 or 3 points: the tree fills up
        x = rng.uniform(size=n)
        out.append((f"full{n}_{span}", span, x, np.sin(6 * x) + 0.1 * rng.normal(size=n)))
    return out


def counts_of(path):
    import anndata
    a = anndata.read_h5ad(path)
    if "counts" in a.layers:
        x = a.layers["counts"]
    else:
        x = a.X
        d = x.data if sp.issparse(x) else np.asarray(x).ravel()
        if not (np.all(d >= 0) and np.all(d == np.round(d))):
            return None, None
    x = sp.csr_matrix(x, dtype=np.float64)
    batch = None
    for k in BATCH_KEYS:
        if k in a.obs.columns:
            import pandas as pd
            batch = pd.Categorical(a.obs[k]).codes.astype(int)
            break
    return x, batch


class Recorder:
    """A loess 'fit' that records its inputs (first pass) or replays R's
    fitted values for them in the same order (second pass)."""

    def __init__(self):
        self.problems = []
        self.replay = None

    def __call__(self, x, y):
        if self.replay is None:
            self.problems.append((x.copy(), y.copy()))
            return np.zeros(len(x))
        return self.replay.pop(0)


def run_r(out, jobs):
    """jobs: (name, span); NAME.xy exist. Returns {name: (pinv, limited)}."""
    rscript = os.environ.get("RSCRIPT") or shutil.which("Rscript") or "/usr/bin/Rscript"
    args = [rscript, os.path.join(HERE, "loess_ref.R"), "2"]
    for name, span in jobs:
        args += [repr(span), f"{out}/{name}.xy", f"{out}/{name}.fit"]
    r = subprocess.run(args, capture_output=True, text=True, check=True)
    flags = {}
    for line in r.stdout.splitlines():
        path, _, pinv, limited = line.split()
        flags[os.path.basename(path)[:-4]] = (int(pinv.split("=")[1]), int(limited.split("=")[1]))
    return flags


def read_fit(path):
    with open(path, "rb") as f:
        assert f.read(4) == b"SCD1"
        rows, cols = np.fromfile(f, dtype="<i8", count=2)
        return np.fromfile(f, dtype="<f8", count=int(rows * cols))


def main():
    out, data = sys.argv[1], sys.argv[2]
    sim = sys.argv[3] if len(sys.argv) > 3 else None
    rscript = os.environ.get("RSCRIPT") or shutil.which("Rscript") or "/usr/bin/Rscript"
    if not os.access(rscript, os.X_OK):
        print("loess_oracle: no Rscript (apt-get install r-base-core)", file=sys.stderr)
        sys.exit(3)
    jobs, lines = [], []
    for name, span, x, y in edge_cases(np.random.default_rng(11)):
        write_d(f"{out}/{name}.xy", np.column_stack([x, y]))
        jobs.append((name, span))
    paths = sorted(glob.glob(os.path.join(data, "*.h5ad"))) if data != "-" else []
    if sim:
        paths.append(sim)
    rec = Recorder()
    hvg = []  # (tag, counts, batch or None)
    for p in paths:
        x, batch = counts_of(p)
        if x is None:
            continue
        tag = os.path.basename(p)[:-5]
        write_csr(f"{out}/{tag}.counts", x)
        write_i(f"{out}/{tag}.batch", batch if batch is not None else np.zeros(x.shape[0], int))
        for b in (None, batch) if batch is not None else (None,):
            t = f"{tag}.{'b' if b is not None else 'n'}"
            first = len(rec.problems)
            H.hvg_seurat_v3_full(x, 2000, batch=b, fit=rec)
            for i in range(first, len(rec.problems)):
                name = f"{t}.fit{i - first}"
                write_d(f"{out}/{name}.xy", np.column_stack(rec.problems[i]))
                jobs.append((name, 0.3))
            hvg.append((tag, t, x, b, first, len(rec.problems)))
    flags = run_r(out, jobs)
    for name, span in jobs:
        lines.append(f"loess {name} {span!r} {flags[name][0]} {flags[name][1]}")
    rec.replay = []
    for tag, t, x, b, lo, hi in hvg:
        rec.replay = [read_fit(f"{out}/{t}.fit{i - lo}.fit") for i in range(lo, hi)]
        r = H.hvg_seurat_v3_full(x, 2000, batch=b, fit=rec)
        write_i(f"{out}/{t}.sel", r["sel"].astype(int))
        write_d(f"{out}/{t}.rank", r["rank"].astype(np.float64))
        write_d(f"{out}/{t}.score", r["score"])
        raises = any(any(flags[f"{t}.fit{i - lo}"]) for i in range(lo, hi))
        lines.append(f"hvg {tag} {'b' if b is not None else 'n'} {int(raises)}")
    with open(f"{out}/cases.txt", "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

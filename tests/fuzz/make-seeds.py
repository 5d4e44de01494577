#!/usr/bin/python3
"""make-seeds.py - writes the seed corpora of the fuzz targets into
tests/fuzz/corpus/<target>/ (run from anywhere; existing seeds are
overwritten). Seeds are tiny, made here from scratch: no data from
../shared/data. Needs numpy and h5py (python3-numpy, python3-h5py).
"""
import gzip, hashlib, io, json, os, struct, sys, tarfile
import numpy as np
import h5py

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(TOP, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# ---- spec ------------------------------------------------------------------
put("spec", "basic.yaml", """name: tiny
datasets:
  sim: sim.h5ad
  other: {ref: 3f2a9c1b0d4e}
methods:
  lr: {builtin: logreg, params: {max_iter: 100}, grid: {C: [0.1, 1.0, 10]}}
tasks:
  - task: annotation
    dataset: sim
    label_key: cell_type
    methods: [lr, knn]
    seeds: [0, 1, 2]
""")
put("spec", "external.yaml", """datasets:
  d: {path: data/x.h5ad, description: "a dataset"}
methods:
  m:
    command: [/usr/bin/python3, "{file:script}", "{input}", "{output}", --seed, "{seed}", 3]
    files: {script: model.py}
    output: embedding.npy
    provides: {obsm: X_m}
    env: {OMP_NUM_THREADS: "1"}
    timeout: 600
    deterministic: false
allow_outside: false
version: 1
tasks:
  - {task: batch, dataset: d, methods: [m], seeds: 7, batch_key: batch}
""")
put("spec", "anchors.yaml", """base: &b {builtin: knn, params: {n_neighbors: 5}}
datasets: {a: a.h5ad}
methods:
  k1: *b
  k2: &g {builtin: logreg, grid: {C: &cs [1, 2, 3]}}
tasks:
  - &t {task: annotation, dataset: a, methods: [k1, k2], seeds: [0]}
  - *t
""")
put("spec", "laughs.yaml", "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n")
put("spec", "numbers.yaml", """datasets: {a: a.h5ad}
methods: {m: {builtin: logreg, params: {C: 1e308, tol: -0.0, max_iter: 99999999999999999999, x: 0x1F, y: .5, z: +12}}}
tasks: [{task: annotation, dataset: a, methods: [m], seeds: [9223372036854775807, 0]}]
""")
put("spec", "deep.yaml", "datasets: {a: a}\nx: " + "[" * 63 + "1" + "]" * 63 + "\n")
put("spec", "flow.yaml", '{"datasets": {"a": "a.h5ad"}, "tasks": [{"task": "gene-function", '
    '"dataset": "a", "methods": ["logreg"], "gene_labels": "a", "folds": 5}]}\n')
put("spec", "bad.yaml", "datasets:\n  a: a.h5ad\n  a: b.h5ad\ntasks: [1, {task: x}]\n"
    "methods: {m: {builtin: .nan}}\n...\n---\nsecond: doc\n")

# ---- npy -------------------------------------------------------------------
def npy(arr, version=None):
    b = io.BytesIO()
    if version is None:
        np.save(b, arr)
    else:
        np.lib.format.write_array(b, arr, version=version)
    return b.getvalue()

put("npy", "f32.npy", npy(np.arange(6, dtype=np.float32).reshape(3, 2)))
put("npy", "f64.npy", npy(np.linspace(-1, 1, 8).reshape(4, 2)))
put("npy", "i32.npy", npy(np.arange(4, dtype=np.int32).reshape(2, 2)))
put("npy", "i64_v2.npy", npy(np.arange(6, dtype=np.int64).reshape(2, 3), version=(2, 0)))
put("npy", "v3.npy", npy(np.ones((1, 3), dtype=np.float32), version=(3, 0)))
put("npy", "fortran.npy", npy(np.asfortranarray(np.ones((2, 3)))))
put("npy", "1d.npy", npy(np.ones(3)))
put("npy", "3d.npy", npy(np.ones((3, 2, 4), dtype=np.float32)))
put("npy", "empty.npy", npy(np.zeros((0, 4), dtype=np.float32)))
put("npy", "big_endian.npy", npy(np.ones((2, 2), dtype=">f8")))

# ---- table (first byte: bit 0 = labels, bits 1-2 = suffix csv/tsv/txt/none) --
def table(labels, suffix, text):
    return bytes([(1 if labels else 0) | (suffix << 1)]) + text.encode()

put("table", "labels.csv", table(1, 0, 'gene,label,other\nTP53,"tumour, suppressor",1\n'
    'BRCA1,repair,2\nTP53,"tumour, suppressor",3\nMYC,NA,4\n"say ""hi""",x,5\n'))
put("table", "labels.tsv", table(1, 1, "\ufeffgene\tlabel\r\nA\tx\r\n\r\nB\ty\r\nC\tx\r\n"))
put("table", "labels_guess", table(1, 3, "id,gene,label\n1,G1,a\n2,G2,b\n3,G3,\n"))
put("table", "labels_conflict.csv", table(1, 0, "gene,label\nA,x\nA,y\n"))
put("table", "matrix.csv", table(0, 0, ",f1,f2\ng1,1.5,2\ng2,NaN,-3e4\ng3,inf,0x10\n"))
put("table", "matrix_r.tsv", table(0, 1, "f1\tf2\tf3\ng1\t1\t2\t3\ng2\t4\t5\t6\n"))
put("table", "matrix_guess", table(0, 3, "id\ta\tb\n\"x\"\t1\t\ng\"y\t2\t3\n"))
put("table", "matrix_dup.txt", table(0, 2, "id\ta\nr\t1\nr\t2\n"))

# ---- ref (one ref per line) ---------------------------------------------------
put("ref", "names", "pbmc\nv1.0\nabc\nsha256\na/b=c,d@e+f\n-x\n.x\nna me\n")
put("ref", "prefixes", "000000\n00000000a\n1111111111111111111\nFFFFFF\nffffffffffff"
    "ffffffffffffffffffffffffffffffffffffffffffffffffffff\nsha256:11111111\nsha256:\n")
put("ref", "full", "sha256:1111111111111111111100000000000000000000000000000000000000000001\n"
    "1111111111111111111100000000000000000000000000000000000000000000\n"
    "11111111111111111111000000000000000000000000000000000000000000000\n"
    "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n")
put("ref", "odd", "g00000\n12345\nsha256:sha256:abcdef\n\t\n" + "a" * 300 + "\n")

# ---- bundle ------------------------------------------------------------------
def sha(b):
    return hashlib.sha256(b).hexdigest()

def canon(o):
    return json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

def tar_of(entries, kind=tarfile.USTAR_FORMAT):
    """entries: (name, bytes) or (name, None, tarinfo-type, linkname)."""
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=kind) as t:
        for e in entries:
            ti = tarfile.TarInfo(e[0])
            ti.mtime = 0
            ti.mode = 0o444
            if e[1] is None:
                ti.type, ti.linkname = e[2], e[3]
                t.addfile(ti)
            else:
                ti.size = len(e[1])
                t.addfile(ti, io.BytesIO(e[1]))
    return b.getvalue()

def bundle(objs, result_steps, step_rows, runs, extra=(), kind=tarfile.USTAR_FORMAT):
    """objs: [(kind, type, bytes)]; returns the tar bytes of a consistent bundle."""
    result = canon({"format": "sceval-result", "steps": result_steps, "version": 1}).encode()
    objs = list(objs) + [("result", "blob", result)]
    rid = "sha256:" + sha(result)
    for r in runs:
        r["result"] = rid
    listing = sorted(({"id": "sha256:" + sha(v), "kind": k, "size": len(v), "type": t}
                      for k, t, v in objs), key=lambda o: o["id"])
    man = {"format": "sceval-bundle", "objects": listing, "result": rid, "runs": runs,
           "steps": step_rows, "version": 1}
    ents = [("sceval-bundle.json", json.dumps(man, indent=1, sort_keys=True).encode())]
    for o in listing:
        h = o["id"][7:]
        data = next(v for _, _, v in objs if sha(v) == h)
        ents.append(("objects/%s/%s" % (h[:2], h[2:]), data))
    return tar_of(ents + list(extra), kind)

data = b"not really an h5ad, but the importer does not read datasets\n"
pred = b"predictions\n"
report = b"class,precision\na,0.5\n"
spec = b"datasets: {sim: sim.h5ad}\ntasks: [{task: annotation, dataset: sim, methods: [knn]}]\n"
ID = lambda b: "sha256:" + sha(b)
fit_desc = {"inputs": {"data": ID(data)}, "kind": "annotation.fit",
            "params": {"label_key": "cell_type", "split": {"kind": "stratified", "test_size": 0.5}},
            "seed": 0, "version": "3"}
ev_desc = {"inputs": {"predictions": ID(pred)}, "kind": "annotation.eval", "params": {},
           "seed": 0, "version": "2"}
steps, rows, run_steps = [], [], []
for n, (desc, outs, mets) in enumerate([(fit_desc, {"predictions.h5ad": ID(pred)}, {}),
                                        (ev_desc, {"report.csv": ID(report)},
                                         {"accuracy": 0.5, "kappa": -0.25})]):
    kj = canon(desc)
    key = sha(kj.encode())
    st = dict(desc, key=key, dataset="sim", method="knn", task="annotation", deterministic=True,
              outputs=outs, metrics={m: {"higher_is_better": True, "value": v}
                                     for m, v in mets.items()})
    steps.append(st)
    rows.append({"key": key, "key_json": kj, "kind": desc["kind"], "impl_version": desc["version"],
                 "status": "done", "exit_status": 0, "error": None, "deterministic": 1,
                 "created_at": 1, "wall_s": 0.1, "cpu_s": 0.1, "maxrss_kb": 1, "notes": None,
                 "environment": None, "stdout_log": None, "stderr_log": None,
                 "inputs": [{"object": o, "role": r} for r, o in desc["inputs"].items()],
                 "outputs": [{"object": o, "role": r} for r, o in outs.items()],
                 "metrics": [{"name": m, "value": v, "higher_is_better": 1, "detail": None}
                             for m, v in mets.items()]})
    run_steps.append({"step": key, "ord": n, "task": "annotation", "dataset": "sim",
                      "method": "knn", "seed": 0, "label": "%s sim/knn seed=0" % desc["kind"],
                      "status": "done", "cached": 0, "error": None, "wall_s": 0.1, "cpu_s": 0.1,
                      "maxrss_kb": 1, "stdout_log": None, "stderr_log": None})
steps.sort(key=lambda s: s["key"])
run = {"id": 1, "spec": ID(spec), "spec_path": "/x/spec.yaml", "argv": '["run","spec.yaml"]',
       "cwd": "/x", "status": "done", "started_at": 1, "ended_at": 2, "host": "h", "pid": 1,
       "jobs": 1, "threads": 1, "sceval_version": "0.1.0", "n_steps": 2, "n_cached": 0, "n_failed": 0, "build": "{}", "libraries": "{}",
       "machine": "{}", "provenance": [{"run": 1, "repo": None, "commit_id": None, "branch": None,
       "remote": None, "dirty": 0, "dirty_files": "[]", "diff": None, "note": "no git"}],
       "run_steps": run_steps}
objs = [("dataset", "blob", data), ("output", "blob", pred), ("output", "blob", report),
        ("spec", "blob", spec)]
full = bundle(objs, steps, rows, [run])
put("bundle", "full.tar", full)
put("bundle", "full.tar.gz", gzip.compress(full, mtime=0))
put("bundle", "empty_result.tar", bundle([], [], [], []))
tree = ("sceval-tree 1\n100644 blob %s %d a.txt\n" % (ID(pred), len(pred))).encode()
put("bundle", "tree.tar", bundle([("dataset", "tree", tree), ("dataset", "blob", pred)], [], [], []))
put("bundle", "pax.tar", bundle([], [], [], [], kind=tarfile.PAX_FORMAT))
put("bundle", "symlink.tar", tar_of([("sceval-bundle.json", b"{}"),
                                     ("objects/aa/x", None, tarfile.SYMTYPE, "/etc/passwd")]))
put("bundle", "dotdot.tar", tar_of([("sceval-bundle.json", b'{"format":"sceval-bundle","version":1}'),
                                    ("../objects/x", b"x")]))

# ---- h5ad (small files written with h5py as anndata lays them out) -------------
def attrs(o, kind, version):
    o.attrs["encoding-type"] = kind
    o.attrs["encoding-version"] = version

def frame(g, index, cols):
    attrs(g, "dataframe", "0.2.0")
    g.attrs["_index"] = "_index"
    g.attrs["column-order"] = np.array(list(cols), dtype=object) if cols else np.zeros(0, "f8")
    str_t = h5py.string_dtype()
    g.create_dataset("_index", data=np.array(index, dtype=object), dtype=str_t)
    for name, (kind, v) in cols.items():
        if kind == "cat":
            c = g.create_group(name)
            attrs(c, "categorical", "0.2.0")
            c.attrs["ordered"] = False
            c.create_dataset("codes", data=np.array(v[0], dtype=np.int8))
            c.create_dataset("categories", data=np.array(v[1], dtype=object), dtype=str_t)
        elif kind == "str":
            d = g.create_dataset(name, data=np.array(v, dtype=object), dtype=str_t)
            attrs(d, "string-array", "0.2.0")
        else:
            d = g.create_dataset(name, data=np.array(v))
            attrs(d, "array", "0.2.0")

def h5ad(name, X="csr", extra=None, libver="latest"):
    b = io.BytesIO()
    with h5py.File(b, "w", libver=libver) as f:
        attrs(f, "anndata", "0.1.0")
        frame(f.create_group("obs"), ["c0", "c1", "c2", "c3"],
              {"cell_type": ("cat", ([0, 1, -1, 0], ["B", "T"])), "n": ("num", [1.0, 2, 3, 4]),
               "batch": ("str", ["a", "b", "a", "b"])})
        frame(f.create_group("var"), ["g0", "g1", "g2"], {})
        x = np.array([[1, 0, 2], [0, 0, 3], [4, 5, 0], [0, 1, 0]], dtype=np.float32)
        if X == "csr":
            g = f.create_group("X")
            attrs(g, "csr_matrix", "0.1.0")
            g.attrs["shape"] = np.array(x.shape)
            nz = x != 0
            g.create_dataset("data", data=x[nz])
            g.create_dataset("indices", data=np.nonzero(nz)[1].astype(np.int32))
            g.create_dataset("indptr", data=np.concatenate([[0], np.cumsum(nz.sum(1))]).astype(np.int64))
        else:
            d = f.create_dataset("X", data=x)
            attrs(d, "array", "0.2.0")
        for grp in ("layers", "obsm", "varm", "obsp", "varp", "uns"):
            attrs(f.create_group(grp), "dict", "0.1.0")
        if extra:
            extra(f)
    put("h5ad", name, b.getvalue())

def more(f):
    d = f["obsm"].create_dataset("X_emb", data=np.arange(8.0).reshape(4, 2))
    attrs(d, "array", "0.2.0")
    s = f["uns"].create_dataset("title", data="tiny", dtype=h5py.string_dtype())
    attrs(s, "string", "0.2.0")
    n = f["uns"].create_dataset("seed", data=np.int64(3))
    attrs(n, "numeric-scalar", "0.2.0")
    c = f["layers"].create_dataset("counts", data=np.ones((4, 3), dtype=np.int32))
    attrs(c, "array", "0.2.0")

h5ad("csr.h5ad")
h5ad("dense.h5ad", X="dense", extra=more)
h5ad("csr_v110.h5ad", libver="earliest")

# ---- bundle, as "#sections" text (see fuzz_bundle.c): the manifest and the
# result object with "@N" ids, "%N" keys, "#N" sizes and "$N" key JSON, so
# that mutations keep every hash right -----------------------------------------
def sections_bundle(with_run=True):
    blobs = {1: data, 2: pred, 3: report, 4: spec}
    fit = {"inputs": {"data": "@1"}, "kind": "annotation.fit",
           "params": {"label_key": "cell_type", "split": {"kind": "stratified", "test_size": 0.5}},
           "seed": 0, "version": "3"}
    ev = {"inputs": {"predictions": "@2"}, "kind": "annotation.eval", "params": {}, "seed": 0,
          "version": "2"}
    descs = [(6, fit, {"predictions.h5ad": "@2"}, {}),
             (7, ev, {"report.csv": "@3"}, {"accuracy": 0.5, "kappa": -0.25})]
    rsteps, srows, rs = [], [], []
    for n, (sec, d, outs, mets) in enumerate(descs):
        rsteps.append(dict(d, key="%%%d" % sec, dataset="sim", method="knn", task="annotation",
                           deterministic=True, outputs=outs,
                           metrics={m: {"higher_is_better": True, "value": v}
                                    for m, v in mets.items()}))
        srows.append({"key": "%%%d" % sec, "key_json": "$%d" % sec, "kind": d["kind"],
                      "impl_version": d["version"], "status": "done", "exit_status": 0,
                      "deterministic": 1, "created_at": 1,
                      "inputs": [{"object": o, "role": r} for r, o in d["inputs"].items()],
                      "outputs": [{"object": o, "role": r} for r, o in outs.items()],
                      "metrics": [{"name": m, "value": v, "higher_is_better": 1, "detail": None}
                                  for m, v in mets.items()]})
        rs.append({"step": "%%%d" % sec, "ord": n, "task": "annotation", "dataset": "sim",
                   "method": "knn", "seed": 0, "label": "%s sim/knn seed=0" % d["kind"],
                   "status": "done", "cached": 0})
    result = canon({"format": "sceval-result", "steps": rsteps, "version": 1})
    objects = [{"id": "@%d" % i, "kind": k, "size": "#%d" % i, "type": "blob"}
               for i, k in ((1, "dataset"), (2, "output"), (3, "output"), (4, "spec"), (5, "result"))]
    runs = [{"spec": "@4", "argv": "[]", "status": "done", "started_at": 1, "result": "@5",
             "sceval_version": "0.1.0", "host": "h", "pid": 1, "provenance": [{"note": "x"}],
             "run_steps": rs}] if with_run else []
    man = json.dumps({"format": "sceval-bundle", "version": 1, "result": "@5",
                      "objects": objects, "steps": srows, "runs": runs}, indent=1)
    man = man.replace('"#1"', "#1").replace('"#2"', "#2").replace('"#3"', "#3") \
             .replace('"#4"', "#4").replace('"#5"', "#5")
    secs = [man, blobs[1].decode(), blobs[2].decode(), blobs[3].decode(), blobs[4].decode(),
            result, canon(fit), canon(ev)]
    return "#sections\n" + "\n@@\n".join(secs)

put("bundle", "sections_full.txt", sections_bundle())
put("bundle", "sections_norun.txt", sections_bundle(with_run=False))

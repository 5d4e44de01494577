#!/usr/bin/python3
"""check_store.py STORE_DIR: the checks made after every injected fault and
every kill, independently of sceval (Python's sqlite3 and hashlib only).

Prints one line per problem and exits 1 when there is any:
  - the catalog fails PRAGMA integrity_check or foreign_key_check;
  - a file under objects/ does not hash (SHA-256) to its name;
  - an object the catalog lists has no file;
  - a step recorded as done lacks an output or log object;
  - a run recorded as done lacks its result, or lists a step that is not
    recorded as done.
Temporary files (tmp/) are not problems: they are leftovers gc removes.
"""
import hashlib
import os
import sqlite3
import sys


def object_path(root, oid):
    oid = oid.split(":", 1)[-1]  # catalog ids are "sha256:HEX"
    return os.path.join(root, "objects", oid[:2], oid[2:])


def check_files(root, problems):
    objs = os.path.join(root, "objects")
    for sub in sorted(os.listdir(objs)):
        d = os.path.join(objs, sub)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            h = hashlib.sha256()
            with open(os.path.join(d, name), "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            if h.hexdigest() != sub + name:
                problems.append("object %s%s: content hashes to %s" % (sub, name, h.hexdigest()))


def check_catalog(root, problems):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(root, "catalog.db"), uri=True)
    ic = [r[0] for r in db.execute("PRAGMA integrity_check")]
    if ic != ["ok"]:
        problems.append("catalog: integrity_check: %s" % "; ".join(ic[:5]))
        return
    for r in db.execute("PRAGMA foreign_key_check"):
        problems.append("catalog: foreign key: %r" % (r,))
    have = lambda oid: oid is None or os.path.isfile(object_path(root, oid))
    for (oid,) in db.execute("SELECT id FROM objects"):
        if not have(oid):
            problems.append("object %s: listed in the catalog, no file" % oid)
    q = ("SELECT s.key, o.object, s.stdout_log, s.stderr_log FROM steps s "
         "LEFT JOIN step_outputs o ON o.step = s.key WHERE s.status = 'done'")
    for key, out, log1, log2 in db.execute(q):
        for oid in (out, log1, log2):
            if not have(oid):
                problems.append("step %s: done, but object %s is missing" % (key[:12], oid))
    for run, result in db.execute("SELECT id, result FROM runs WHERE status = 'done'"):
        if result is None or not have(result):
            problems.append("run %d: done, but its result %s is missing" % (run, result))
        q = ("SELECT rs.step FROM run_steps rs LEFT JOIN steps s ON s.key = rs.step "
             "WHERE rs.run = ? AND (s.status IS NULL OR s.status != 'done')")
        for (step,) in db.execute(q, (run,)):
            problems.append("run %d: done, but step %s is not" % (run, step[:12]))
    db.close()


def main():
    root = os.path.join(sys.argv[1], ".sceval")
    problems = []
    check_files(root, problems)
    check_catalog(root, problems)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


main()

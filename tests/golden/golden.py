"""Golden hashes: the output bytes and metric values of a fixed spec in
portable mode, pinned, so that a change of a step's output without a bump
of that step's version fails the suite (the policy of tasks/step.h).

  golden.py table SHOW.json > TABLE     one line per step output and metric
  golden.py compare EXPECTED ACTUAL     'ok'/'not ok' lines, one per step

A step is identified by its task and label. Its line records the kind's
version and the hash of its inputs: when either differs from the pinned
line, new outputs are expected (the version was bumped, or an upstream step
changed) and the step is reported as 'changed on purpose' for review; when
both match, every output hash and metric value must match too. Either way a
difference fails: a deliberate change updates the pinned file in its commit
(tests/golden/update.sh), so the file always describes the code.
"""
import hashlib
import json
import sys


def table(show):
    d = json.load(open(show))
    metrics = {}
    for m in d["metrics"]:
        v = m["value"]
        metrics.setdefault(m["step"], []).append(
            (m["metric"], "nan" if v is None else repr(float(v))))
    rows = []
    for s in d["step_list"]:
        ident = f'{s["task"]}|{s["label"]}'
        inputs = hashlib.sha256(json.dumps(s["inputs"], sort_keys=True).encode()).hexdigest()
        head = f'{ident}\t{s["kind"]}@{s["version"]}\t{inputs[:16]}'
        for name, h in sorted((s["outputs"] or {}).items()):
            rows.append(f"{head}\toutput {name}\t{h}")
        for name, v in sorted(metrics.get(s["key"], [])):
            rows.append(f"{head}\tmetric {name}\t{v}")
    return sorted(rows)


def load(path):
    steps = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        ident, ver, inputs, what, value = line.rstrip("\n").split("\t")
        st = steps.setdefault(ident, {"ver": ver, "inputs": inputs, "values": {}})
        st["values"][what] = value
    return steps


def compare(expected, actual):
    exp, act = load(expected), load(actual)
    bad = 0
    for ident in sorted(set(exp) | set(act)):
        e, a = exp.get(ident), act.get(ident)
        if e is None or a is None:
            print(f"# {ident}: {'new step' if e is None else 'step gone'}: "
                  "run tests/golden/update.sh")
            bad += 1
            continue
        if e["ver"] != a["ver"] or e["inputs"] != a["inputs"]:
            why = f"version {e['ver']} -> {a['ver']}" if e["ver"] != a["ver"] else "new inputs"
            print(f"not ok - {ident}: {why}: run tests/golden/update.sh in the same commit")
            bad += 1
            continue
        diff = [w for w in sorted(set(e["values"]) | set(a["values"]))
                if e["values"].get(w) != a["values"].get(w)]
        if diff:
            print(f"not ok - {ident} ({a['ver']}): {', '.join(diff)} changed without a version bump")
            bad += 1
    print(f"# {len(act)} steps compared, {bad} unexpected")
    return bad


if __name__ == "__main__":
    if sys.argv[1] == "table":
        print("\n".join(table(sys.argv[2])))
    elif sys.argv[1] == "compare":
        sys.exit(1 if compare(sys.argv[2], sys.argv[3]) else 0)

"""integrate_peer - the Python side of bench/integrate.sh: times the numpy
transcriptions of scanpy's pp.combat (tests/oracle/combat_ref.py) and of
harmonypy (tests/oracle/harmony_ref.py, with sklearn's KMeans for the initial
centroids as harmonypy does) on the driver's simulated inputs. These are
transcriptions of the reference algorithms, not the packages themselves
(scanpy and harmonypy are not installed here).

  integrate_peer.py combat DIR    -> DIR/combat_py.bin; prints seconds and
                                     the largest relative difference from
                                     DIR/combat_c.bin when present
  integrate_peer.py harmony DIR   -> prints seconds, rounds, k-means steps
"""
import os
import sys
import time

import numpy as np

sys.dont_write_bytecode = True
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "oracle"))
import binio  # noqa: E402
import combat_ref  # noqa: E402
import harmony_ref  # noqa: E402


def main(argv):
    mode, d = argv
    batch = binio.read(os.path.join(d, "batch.bin")).ravel()
    if mode == "combat":
        x = binio.read(os.path.join(d, "x.bin"))
        t0 = time.perf_counter()
        out, _, it = combat_ref.combat(x, batch)
        t = time.perf_counter() - t0
        msg = f"seconds={t:.3f} iterations={it}"
        cp = os.path.join(d, "combat_c.bin")
        if os.path.exists(cp):
            c = binio.read(cp)
            rel = np.max(np.abs(c - out) / np.maximum(1, np.abs(out)))
            msg += f" max_rel_diff={rel:.2e}"
        print(msg)
    elif mode == "harmony":
        pcs = binio.read(os.path.join(d, "pcs.bin"))
        t0 = time.perf_counter()
        _, run = harmony_ref.harmonypy_default(pcs, batch)
        t = time.perf_counter() - t0
        steps = sum(r + 1 for r in run.rounds)
        print(f"seconds={t:.3f} rounds={len(run.rounds)} kmeans_steps={steps}")
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/bin/sh
# Install the Debian packages sceval needs to build and test, and nothing else.
# Idempotent: when everything is present it only queries dpkg and returns quickly.
# As root it runs apt-get itself (updating the package lists first); otherwise it
# prints the exact command to run.
set -eu

PKGS="gcc make pkg-config git openssl
libsqlite3-dev libgit2-dev libssl-dev libhdf5-dev libdeflate-dev libopenblas-dev
libigraph-dev libyaml-dev libjansson-dev libarchive-dev
python3 python3-numpy python3-sklearn python3-anndata python3-scipy python3-h5py python3-pandas
python3-igraph python3-leidenalg python3-statsmodels python3-torch python3-yaml
chromium sqlite3 r-base-core r-cran-mass tmux
slurm-wlm munge"

# `deps.sh fuzz` checks the optional list for `make fuzz` instead: libFuzzer
# comes with clang's runtime. `make check` never needs these.
if [ "${1:-}" = fuzz ]; then
  PKGS="clang libclang-rt-14-dev"
fi
# `deps.sh long` adds what only `make check-long` needs: the Gene Ontology
# annotation of Bioconductor's org.Hs.eg.db and GO.db (about 420 MB), read
# by `sceval genesets import` (tests/cli/t0631).
if [ "${1:-}" = long ]; then
  PKGS="$PKGS r-bioc-org.hs.eg.db r-bioc-go.db"
fi

missing=""
for p in $PKGS; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$st" in
    *"install ok installed"*) ;;
    *) missing="$missing $p" ;;
  esac
done

if [ -z "$missing" ]; then
  exit 0
fi

echo "deps: missing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  # shellcheck disable=SC2086
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"
    echo "deps: apt-get failed" >&2
    exit 1
  fi
  rm -f "$log"
  echo "deps: installed$missing" >&2
else
  echo "deps: run as root:  apt-get update && apt-get install -y$missing" >&2
  exit 1
fi

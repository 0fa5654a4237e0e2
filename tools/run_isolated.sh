#!/usr/bin/env bash
# Run a notebook RUNS times headless inside a network namespace that has only loopback (no other
# network), each run limited to RUN_TIMEOUT seconds, and print one line per run and a summary.
#
#   tools/run_isolated.sh notebooks/05_optimizers.ipynb 10           # the course's runner (the fix)
#   tools/run_isolated.sh notebooks/05_optimizers.ipynb 10 --no-fix  # plain papermill, for comparison
#
# As root it uses `unshare -n`; otherwise a user namespace (`unshare -rn`), where the kernel allows it.
# Extra arguments after --no-fix (or after RUNS) go to papermill, e.g. `-p surface_steps 100`.
# Outputs go to build/isolated/. Exit status: the number of runs that hung or failed.
set -u
cd "$(dirname "$0")/.."
notebook=${1:?usage: tools/run_isolated.sh NOTEBOOK [RUNS] [--no-fix] [papermill args...]}
runs=${2:-10}
shift $(( $# >= 2 ? 2 : 1 ))
runner=(.venv/bin/python tools/run_notebook.py)
if [ "${1:-}" = "--no-fix" ]; then runner=(.venv/bin/papermill); shift; fi
timeout_s=${RUN_TIMEOUT:-300}
mkdir -p build/isolated
if [ "$(id -u)" = 0 ]; then ns=(unshare -n); else ns=(unshare -rn); fi
name=$(basename "$notebook" .ipynb)
"${ns[@]}" bash -s -- "$notebook" "$runs" "$timeout_s" "$name" "${runner[@]}" -- "$@" <<'INSIDE'
notebook=$1; runs=$2; timeout_s=$3; name=$4; shift 4
runner=(); while [ "$1" != "--" ]; do runner+=("$1"); shift; done; shift
ip link set lo up 2>/dev/null || true
echo "network inside: $(ip -brief link | awk '{print $1, $2}' | tr '\n' ' ')"
bad=0
for i in $(seq "$runs"); do
  start=$(date +%s)
  timeout "$timeout_s" "${runner[@]}" "$notebook" "build/isolated/${name}_run$i.ipynb" \
      --cwd "$(dirname "$notebook")" -k python3 --no-progress-bar "$@" > "build/isolated/${name}_run$i.log" 2>&1
  rc=$?
  case $rc in 0) what=ok;; 124) what="HUNG (killed after ${timeout_s} s)";; *) what="failed (exit $rc)";; esac
  [ $rc = 0 ] || bad=$((bad + 1))
  echo "run $i: $what in $(( $(date +%s) - start )) s"
done
echo "$(( runs - bad )) of $runs runs finished; logs in build/isolated/"
exit $bad
INSIDE

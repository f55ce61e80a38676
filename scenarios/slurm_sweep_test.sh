#!/bin/bash
# A 200-seed sweep through a real single-node Slurm cluster (tools/slurm_cluster.sh): four
# array tasks, merged by `mqsim collect`, must give exactly the runs of the same sweep on
# this machine (every seed's result and trace hash). Skipped, saying why, only where this
# machine cannot run the cluster (not root, or Slurm not installed); a cluster that fails
# to start is a failure.
set -u
mqsim=$(pwd)/$1
cluster=$(pwd)/$2
scenario=slow-gc
seeds=1..200
dir=${TEST_TMPDIR:-/tmp}/slurm-sweep
rm -rf "$dir"
mkdir -p "$dir"

start=$("$cluster" start "$dir/cluster" 2>"$dir/start.err")
case $? in
  0) ;;
  3) echo "SKIPPED: $(cat "$dir/start.err")"; exit 0 ;;
  *) echo "FAIL: the Slurm cluster did not start:"; cat "$dir/start.err"; exit 1 ;;
esac
trap '"$cluster" stop "$dir/cluster"' EXIT
eval "$start"  # SLURM_CONF

fail() { echo "FAIL: $*"; exit 1; }

timeout 600 "$mqsim" sweep "$scenario" --seeds "$seeds" --slurm --array-size 4 \
  --out "$dir/slurm" --wait || fail "the Slurm sweep did not pass (exit $?)"
for i in 0 1 2 3; do
  [ -f "$dir/slurm/shard-$i-of-4.jsonl" ] || fail "shard $i of 4 is missing"
done
timeout 600 "$mqsim" sweep "$scenario" --seeds "$seeds" --jobs 2 --out "$dir/local" \
  >/dev/null || fail "the local sweep did not pass"
"$mqsim" collect "$dir/local" >/dev/null || fail "collecting the local sweep failed"

# Each summary's runs (seed, result, hash), in seed order.
runs() { sed -n '/"runs": \[/,/^  \]/p' "$1/summary.json"; }
[ "$(runs "$dir/slurm" | grep -c '"seed"')" -eq 200 ] || fail "the Slurm summary has not 200 runs"
diff <(runs "$dir/slurm") <(runs "$dir/local") || fail "Slurm and local runs differ"
grep -q '"shards": 4' "$dir/slurm/summary.json" || fail "the Slurm summary is not of 4 shards"
echo "PASS: 200 seeds of $scenario through Slurm (4 array tasks) equal the local sweep"

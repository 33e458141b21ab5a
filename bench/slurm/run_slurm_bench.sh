#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Scheduling benchmark on real Slurm daemons (contrib/cluster/tflops-cluster, the worked example's
# 200-block pool on 4 local slurmds), on the Slurm release BUILD's plugins were built for (22.05,
# 24.11 or 26.05: BUILD/slurm-plugins/slurm-series; stock is that release's own cons_tres). The same seeded stream of short jobs (--gres=tflops:1..8) runs on each
# configuration, one after the other in one run:
#
#   a  stock    select/cons_tres, count-only tflops GRES (gres_tflops.so not loaded: no block numbers)
#   b  gres     select/cons_tres + gres_tflops.so
#   c  tflops   select/cons_tres_tflops (contiguous placement) + gres_tflops.so, the example
#               inventory's MigrationPolicy=compact (skipped when the build lacks the plugin)
#   d  tflops, MigrationPolicy=minimal   (move as few running jobs as give one run)
#   e  tflops, MigrationPolicy=none      (never move: one run where a free run holds the job)
#
# Moving a running job to other cards costs it Slurm's suspension (SIGTSTP, 2 s, SIGSTOP, then the
# resume), so d and e show what the contiguity that moves buy costs in throughput. A move that
# keeps the job on the same cards with the same share of each only renumbers its blocks: it keeps
# running, and is counted apart.
#
# Measured per configuration: jobs started per second (all jobs are submitted held, then released
# at once; rate = jobs / time until the last one started) and the mean number of contiguous runs
# per allocation (node-local block numbers of every job, read with `scontrol -d show job` while
# the jobs run: the same text on every release); slurmctld's CPU time per job started (user + system, release to last start); for
# c, d and e also how many running jobs the select plugin moved (stopping them), how many it
# renumbered (without stopping them), and how many allocations it split because no free run held
# them (its log says why for each). Writes DIR/slurm_bench.json and slurm_bench.png
# (bench/slurm/plot_slurm_bench.py).
#
#   bench/slurm/run_slurm_bench.sh [--build DIR] [--out DIR] [--jobs N] [--seed S] [--port P]
#                                  [--configs a,b,c,d,e] [--max-sleep SECONDS] [--rounds R]
#
#   --build DIR      build with gres_tflops.so and tflops-gres-lines (and select_cons_tres_tflops.so
#                    for c, d, e); default build-live. A build for another release
#                    (build-slurm-24.11, build-slurm-26.05: contrib/run-tests.sh --slurm) runs
#                    on that release's daemons (contrib/cluster/slurm-version prepare RELEASE)
#   --out DIR        results (default: BUILD/results)
#   --jobs N         jobs per configuration (default 2000)
#   --seed S         seed of the job stream (default 1)
#   --port P         first slurmctld port tried (default 7400; 5 ports from there must be free)
#   --max-sleep S    job run time is uniform in [0.2, S] seconds (default 2)
#   --rounds R       run every configuration R times, round after round (default 1); each
#                    figure is the median over the rounds, each ratio the median of the rounds'
#                    ratios to stock's rate in the same round (rates drift between rounds on a
#                    shared machine). Even rounds run the configurations in reverse order, so
#                    that a drift within a round favours none of them over the rounds
# Needs root (slurmd), Slurm and munge. Each cluster runs in its own temporary directory and is
# stopped by pid (tflops-cluster stop) when its configuration ends, failure included.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cluster=$repo/contrib/cluster/tflops-cluster
build=$repo/build-live
out=
jobs=2000
seed=1
port=7400
configs=a,b,c
max_sleep=2
rounds=1
while (($#)); do
  case $1 in
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --configs) configs=$2; shift 2 ;;
    --max-sleep) max_sleep=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    -h|--help) awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"; exit 0 ;;
    *) echo "run_slurm_bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
out=${out:-$build/results}
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ "$(id -u)" = 0 ] || { echo "run_slurm_bench.sh: needs root (slurmd runs the jobs)" >&2; exit 2; }
for f in "$build/slurm-plugins/gres_tflops.so" "$build/gres_plugin/tflops-gres-lines"; do
  [ -e "$f" ] || { echo "run_slurm_bench.sh: no $f: build gres_tflops tflops-gres-lines in $build" >&2; exit 2; }
done
# The release the plugins were built for, and its own plugin directory (stock cons_tres), as its
# daemons see it.
release=$(tr -d '[:space:]' < "$build/slurm-plugins/slurm-series" 2>/dev/null || true)
[ -n "$release" ] || { echo "run_slurm_bench.sh: $build/slurm-plugins/slurm-series is missing: reconfigure $build" >&2; exit 2; }
slurm_env=$("$repo/contrib/cluster/slurm-version" env "$release") ||
  { echo "run_slurm_bench.sh: Slurm $release is not ready: run contrib/cluster/slurm-version prepare $release" >&2; exit 2; }
eval "$slurm_env"
echo "Slurm $SLURM_VERSION ($SLURM_MODE), plugins of $build"

# The job stream: "blocks seconds" per job, the same for every configuration.
stream=$out/slurm_bench_jobs.txt
/usr/bin/python3 - "$jobs" "$seed" "$max_sleep" > "$stream" <<'PY'
import random, sys
jobs, seed, top = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
rng = random.Random(seed)
for _ in range(jobs):
    print(rng.randint(1, 8), f"{rng.uniform(0.2, top):.2f}")
PY

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_ports() {
  local p i ok
  for ((p = port; p < 7900; p += 10)); do
    ok=1
    for ((i = 0; i < 5; i++)); do port_free $((p + i)) || { ok=0; break; }; done
    [ $ok = 1 ] && { echo $p; return; }
  done
  return 1
}

# Scheduling settings shared by all configurations, so that only the plugins differ: a main
# scheduler pass at least every second over the whole queue, backfill every second, partition
# preemption as the tflops configurations run it (tflops-cluster), and a partition that lets jobs
# share cores (4 CPUs per node would otherwise cap the run at 16 jobs, and blocks would never be
# short).
common_conf() {
  cat <<CONF
SchedulerParameters=default_queue_depth=10000,sched_interval=1,sched_min_interval=100000,bf_interval=1,bf_max_job_test=10000
PreemptType=preempt/partition_prio
PreemptMode=REQUEUE
PartitionName=bench Nodes=ALL OverSubscribe=FORCE:64 MaxTime=INFINITE State=UP
CONF
}

# Appends the running jobs' node-local block numbers to $live as one JSON line: [[job id, "IDX"],
# ...] where IDX is each node's GRES index list (the block numbers), nodes joined by ';' and empty
# where Slurm numbers none (configuration a's count-only GRES).
snapshot() {
  scontrol -d -o show job 2>> "$dir/live.err" | awk '
    BEGIN { printf "[" }
    /JobState=RUNNING/ {
      match($0, /JobId=[0-9]+/); id = substr($0, RSTART + 6, RLENGTH - 6)
      nodes = split($0, part, / Nodes=/); idx = ""
      for (i = 2; i <= nodes; i++) {
        blocks = ""; rest = part[i]
        while (match(rest, /IDX:[0-9,-]+/)) {
          blocks = blocks (blocks == "" ? "" : ",") substr(rest, RSTART + 4, RLENGTH - 4)
          rest = substr(rest, RSTART + RLENGTH)
        }
        if (blocks != "") idx = idx (idx == "" ? "" : ";") blocks
      }
      printf "%s[%s,\"%s\"]", (n++ ? "," : ""), id, idx
    }
    END { print "]" }' >> "$live"
}

# CPU seconds (user + system) a process has used so far.
cpu_seconds() { awk -v tck="$(getconf CLK_TCK)" '{print ($14 + $15) / tck}' "/proc/$1/stat"; }

results=()
run_config() {  # key name select extra-conf-lines [MigrationPolicy]
  local key=$1 name=$2 select=$3 extra=$4 policy=${5:-}
  local p
  if [ "$select" = tflops ] && [ ! -f "$build/slurm-plugins/select_cons_tres_tflops.so" ]; then
    echo "== $key ($name): SKIPPED: no $build/slurm-plugins/select_cons_tres_tflops.so (build target select_cons_tres_tflops)"
    results+=("{\"key\":\"$key\",\"name\":\"$name\",\"skipped\":\"select plugin not built\"}")
    return
  fi
  p=$(free_ports) || { echo "run_slurm_bench.sh: no 5 free ports from $port" >&2; exit 1; }
  dir=$(mktemp -d /tmp/tflops-bench.XXXXXX)
  { common_conf; printf '%s\n' "$extra"; } > "$dir/extra.conf"
  local inventory=$repo/contrib/examples/tflops.conf
  if [ -n "$policy" ]; then
    sed "s/^MigrationPolicy=.*/MigrationPolicy=$policy/" "$repo/contrib/examples/tflops.conf" > "$dir/tflops.conf"
    inventory=$dir/tflops.conf
  fi
  # shellcheck disable=SC2064
  trap "'$cluster' stop '$dir' >/dev/null 2>&1 || true" EXIT
  echo "== round $round/$rounds, $key ($name): cluster in $dir, port $p"
  "$cluster" start "$dir" --build "$build" --port "$p" --extra-conf "$dir/extra.conf" \
    --tflops-conf "$inventory" --select "$select" >/dev/null
  export SLURM_CONF=$dir/etc/slurm.conf
  # That release's clients (tflops-cluster writes them into DIR/bin for another than Debian's).
  local path_before=$PATH
  PATH=$dir/bin:$PATH
  if [ "$key" = a ] && grep -q 'gres_tflops' /proc/"$(cat "$dir/run/slurmd-node0.pid")"/maps; then
    echo "run_slurm_bench.sh: configuration a loaded gres_tflops.so; the PluginDir override did not take" >&2
    exit 1
  fi

  # Submit held, with progress.
  local ids=() n=0 blocks secs id
  while read -r blocks secs; do
    id=$(sbatch --parsable -H -p bench --gres="tflops:$blocks" -o /dev/null -J "b$blocks" --wrap "sleep $secs")
    ids+=("$id")
    n=$((n + 1))
    ((n % 100 == 0)) && printf '   submitted %d/%d\r' "$n" "$jobs"
  done < "$stream"
  echo "   submitted $n jobs (held)          "

  # Release all at once, then watch: how many have started, and every running job's blocks.
  live=$dir/live.jsonl
  local t0 t1 pending started=0 last=-1
  : > "$live"
  local ctld cpu0 cpu1
  ctld=$(cat "$dir/run/slurmctld.pid")
  cpu0=$(cpu_seconds "$ctld")
  t0=$(date +%s.%N)
  scontrol release "$(IFS=,; echo "${ids[*]}")"
  while :; do
    snapshot
    pending=$(squeue -h -t PD -o %i | wc -l)
    started=$((jobs - pending))
    if [ "$started" != "$last" ]; then printf '   started %d/%d\r' "$started" "$jobs"; last=$started; fi
    [ "$pending" = 0 ] && break
    sleep 0.2
  done
  t1=$(date +%s.%N)
  cpu1=$(cpu_seconds "$ctld")
  echo "   started $jobs jobs in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b - a}') s          "
  # Jobs still running are read a few more times so that late starters are seen too.
  for _ in 1 2 3 4 5; do
    snapshot
    sleep 0.5
  done
  # Running jobs the select plugin moved (stopped) or renumbered (kept running) so that a request
  # got one run (0 for stock), and allocations it split because no free run held them and no move
  # made one.
  local moves renumbered splits
  moves=$(grep -c 'moves on' "$dir/log/slurmctld.log" || true)
  renumbered=$(grep -c 'is renumbered on' "$dir/log/slurmctld.log" || true)
  splits=$(grep -c 'runs on .*no free run' "$dir/log/slurmctld.log" || true)
  results+=("$(/usr/bin/python3 - "$key" "$name" "$jobs" "$t0" "$t1" "$live" "${ids[0]}" "${ids[-1]}" "$moves" "$renumbered" "$splits" "$cpu0" "$cpu1" "$round" <<'PY'
import json, sys
key, name, jobs, t0, t1, live, first, last, moves, renumbered, splits, cpu0, cpu1, round_ = sys.argv[1:]

def runs(node_idx):
    """Contiguous runs in one node's index list ("6-9,10,12-13" has 2)."""
    ranges = sorted(tuple(map(int, (r.split("-") * 2)[:2])) for r in node_idx.split(","))
    count, end = 0, None
    for lo, hi in ranges:
        if end is None or lo > end + 1:
            count += 1
        end = hi if end is None else max(end, hi)
    return count

seen = {}
for line in open(live):
    for job_id, idx in json.loads(line):
        if int(first) <= job_id <= int(last) and job_id not in seen and idx:
            seen[job_id] = sum(runs(node) for node in idx.split(";"))
runs = list(seen.values())
print(json.dumps({
    "key": key, "name": name, "round": int(round_), "jobs": int(jobs),
    "seconds": float(t1) - float(t0),
    "jobs_per_second": int(jobs) / (float(t1) - float(t0)),
    "allocations_seen": len(runs),
    "mean_runs_per_allocation": (sum(runs) / len(runs)) if runs else None,
    "fragmented_share": (sum(r > 1 for r in runs) / len(runs)) if runs else None,
    "jobs_moved": int(moves),
    "jobs_renumbered": int(renumbered),
    "splits_without_free_run": int(splits),
    "slurmctld_cpu_ms_per_job": 1000 * (float(cpu1) - float(cpu0)) / int(jobs),
}))
PY
)")
  echo "   ${results[-1]}"
  if [ -s "$dir/live.err" ]; then
    cp "$dir/live.err" "$out/slurm_bench_$key.err"
    echo "   scontrol show job failed sometimes; see $out/slurm_bench_$key.err: $(head -1 "$dir/live.err")"
  fi
  PATH=$path_before
  "$cluster" stop "$dir" >/dev/null 2>&1 || true
  trap - EXIT
  rm -rf "$dir"
}

IFS=, read -ra wanted <<< "$configs"
for ((round = 1; round <= rounds; round++)); do
  order=("${wanted[@]}")
  if ((round % 2 == 0)); then
    order=()
    for ((i = ${#wanted[@]} - 1; i >= 0; i--)); do order+=("${wanted[i]}"); done
  fi
  for key in "${order[@]}"; do
    case $key in
      # No gres_tflops.so: PluginDir (the last one in slurm.conf wins) names the release's own
      # directory only, so Slurm finds no gres/tflops plugin and counts the GRES only.
      a) run_config a "stock cons_tres, count-only GRES" cons_tres "PluginDir=$SLURM_PLUGIN_DIR" ;;
      b) run_config b "stock cons_tres + gres_tflops.so" cons_tres "" ;;
      c) run_config c "select/cons_tres_tflops + gres_tflops.so" tflops "" ;;
      d) run_config d "cons_tres_tflops, MigrationPolicy=minimal" tflops "" minimal ;;
      e) run_config e "cons_tres_tflops, MigrationPolicy=none" tflops "" none ;;
      *) echo "run_slurm_bench.sh: unknown configuration '$key' (use a, b, c, d, e)" >&2; exit 2 ;;
    esac
  done
done

{
  echo "{\"slurm\": \"$SLURM_VERSION\", \"jobs\": $jobs, \"seed\": $seed, \"max_sleep\": $max_sleep, \"rounds\": $rounds, \"host_cpus\": $(nproc),"
  echo " \"configurations\": [$(IFS=,; echo "${results[*]}")]}"
} > "$out/slurm_bench.json"
/usr/bin/python3 "$repo/bench/slurm/plot_slurm_bench.py" "$out/slurm_bench.json" "$out/slurm_bench.png"

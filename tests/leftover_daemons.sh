#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Slurm and munge daemons that the integration tests of a build left running: contrib/run-tests.sh
# calls it after ctest. Reads /proc only; stops nothing.
#
#   tests/leftover_daemons.sh BUILD_DIR [WAIT_SECONDS [SINCE]]
#
# A daemon (slurmctld, slurmd, slurmstepd, munged) is the tests' when its command line, working
# directory or an open file points into a test cluster's directory, /tmp/tflops-it.*, and that
# directory's .tflops-build (written by tests/integration/lib.sh) names BUILD_DIR, or the directory
# is gone (then no running test owns it) and the daemon started at or after SINCE (seconds since
# the epoch; default 0), i.e. during this run. Clusters of other builds (another engineer's tests)
# are left out. Waits up to WAIT_SECONDS (default 60) for such daemons to end (a watchdog may be
# stopping them), then prints one line per daemon still there and exits 1; exits 0 when none.
set -uo pipefail
build=$(cd "${1:?usage: leftover_daemons.sh BUILD_DIR [WAIT_SECONDS [SINCE]]}" && pwd)
wait_s=${2:-60}
since=${3:-0}
boot=$(sed -n 's/^btime //p' /proc/stat)
hz=$(getconf CLK_TCK)
# When process $1 started, in seconds since the epoch (field 22 of its stat, after the comm).
started() { local f; f=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1; set -- $f; echo $((boot + ${20} / hz)); }

# Prints "PID NAME DIR" for each of this build's test daemons.
scan() {
  local p pid name dir f target marker
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    name=$(cat "$p/comm" 2>/dev/null) || continue
    case $name in slurmctld|slurmd|slurmstepd|munged) ;; *) continue ;; esac
    dir=$(tr '\0' '\n' < "$p/cmdline" 2>/dev/null | grep -o '/tmp/tflops-it\.[A-Za-z0-9]*' | head -1)
    if [ -z "$dir" ]; then
      for f in "$p/cwd" "$p"/fd/*; do
        target=$(readlink "$f" 2>/dev/null) || continue
        case $target in /tmp/tflops-it.*) dir=$(grep -o '^/tmp/tflops-it\.[A-Za-z0-9]*' <<< "$target"); break ;; esac
      done
    fi
    [ -n "$dir" ] || continue
    marker=$(cat "$dir/.tflops-build" 2>/dev/null) || marker=
    if [ "$marker" = "$build" ]; then
      echo "$pid $name $dir"
    elif [ ! -d "$dir" ] && [ "$(started "$pid" || echo 0)" -ge "$since" ]; then
      echo "$pid $name $dir"
    fi
  done
}

found=$(scan)
for ((i = 0; i < wait_s && ${#found} > 0; i++)); do
  sleep 1
  found=$(scan)
done
[ -z "$found" ] && exit 0
while read -r pid name dir; do
  why="its cluster's directory is gone"
  [ -d "$dir" ] && why="watchdog log: $(tail -1 "$dir/watchdog.log" 2>/dev/null || echo none)"
  echo "run-tests: daemon left running after ctest: pid $pid ($name) of the test cluster $dir ($why). Stop it by pid: contrib/cluster/tflops-cluster stop $dir (or kill $pid)"
done <<< "$found"
exit 1

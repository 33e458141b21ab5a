#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs every test of tflops, as CI does (.ci/run calls this script), and fails when one that must
# run on this machine did not.
#
#   1. installs what is missing (contrib/install-deps.sh; needs root only when something is),
#   2. normal build: g++, Release, in build/, then its ctest,
#   3. sanitizer build: clang with AddressSanitizer + UndefinedBehaviorSanitizer and the
#      libFuzzer targets, asserts on (Debug at -O1), in build-asan/, then its ctest, which
#      includes the time-bounded fuzz run of the inventory parser.
#   Each build first checks its prerequisites (root, Slurm's daemons, the Fashion-MNIST dataset,
#   PoCL's OpenCL device; after configure, the Slurm plugins): a missing one is an error naming
#   the fix, not a skip. After its ctest, tests/expected-tests.txt is checked against what ran (a
#   test missing, skipped without its listed condition absent, or passing with no case is an
#   error), and no daemon of its integration tests may still run.
#
#   4. the Slurm releases: the integration tests run on real daemons of Slurm 22.05 (Debian 12's,
#      in the normal build), 24.11 (Debian 13's packages in a chroot) and 26.05 (built from
#      SchedMD's source), each of the last two in a build of the plugins against that release's
#      source (build-slurm-<release>/, ../shared/slurm-src), which runs only the Slurm tests:
#      integration.*, the exported-symbol and hook-signature checks. 24.11's build is made and
#      run inside its Debian 13 chroot, against Debian 13's libraries, and also runs tflops.torch's
#      tests (python_*) there, on Debian 13's PyTorch 2.6. Their daemons are prepared once and
#      cached (contrib/cluster/slurm-version).
#
#   contrib/run-tests.sh                  everything: both builds and the three Slurm releases
#   contrib/run-tests.sh normal           only the normal build  (or: asan)
#   contrib/run-tests.sh --slurm 24.11    only that release's Slurm tests (22.05: the normal build;
#                                         all: the normal build, 24.11 and 26.05); combines with
#                                         normal and asan
#
# Environment: TFLOPS_JOBS (parallel compile and test jobs, default 2),
#              TFLOPS_SKIP_DEPS=1 (do not call install-deps.sh),
#              TFLOPS_BUILD_DIR, TFLOPS_ASAN_BUILD_DIR (default build, build-asan),
#              TFLOPS_CMAKE_ARGS (more configure arguments for both builds, split on spaces),
#              TFLOPS_ALIBABA_TRACE (the Alibaba trace's folder; default ../shared/data/alibaba-gpu-v2023
#              beside the repository: where either is there, the trace tests must run).
# Exits non-zero when any step fails; the last line counts the tests that passed, failed and
# were skipped, over both builds (a configure or build step that fails, a missing prerequisite and
# each problem the expected-tests check finds count as one failed).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
jobs=${TFLOPS_JOBS:-2}
if ! [[ $jobs =~ ^[1-9][0-9]*$ ]]; then
  echo "run-tests: TFLOPS_JOBS='$jobs' is not a positive number (example: TFLOPS_JOBS=4)" >&2
  exit 2
fi

builds=()
slurms=()
while (($#)); do
  case "$1" in
    normal|asan) builds+=("$1") ;;
    --slurm)
      case "${2:-}" in
        all) slurms+=(22.05 24.11 26.05) ;;
        22.05|24.11|26.05) slurms+=("$2") ;;
        *) echo "run-tests: --slurm '${2:-}': use 22.05, 24.11, 26.05 or all" >&2; exit 2 ;;
      esac
      shift ;;
    -h|--help) awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"; exit 0 ;;
    *) echo "run-tests: unknown argument '$1' (use: normal, asan, --slurm RELEASE, or nothing for all)" >&2; exit 2 ;;
  esac
  shift
done
if ((${#builds[@]} == 0 && ${#slurms[@]} == 0)); then builds=(normal asan); slurms=(22.05 24.11 26.05); fi
# 22.05's Slurm tests are the normal build's.
if [[ " ${slurms[*]} " == *" 22.05 "* && " ${builds[*]} " != *" normal "* ]]; then builds+=(normal); fi
read -r -a extra_cmake_args <<< "${TFLOPS_CMAKE_ARGS:-}"

# shellcheck source=../tests/conditions.sh
source tests/conditions.sh
PY=/usr/bin/python3  # Debian's (another python3 may come first on PATH)

# Sanitizer reports stop the test that triggers them, with a stack trace.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# PoCL is a prerequisite: tests that would skip a part without an OpenCL device fail instead.
export TFLOPS_REQUIRE_POCL=1

start_all=$SECONDS
summary=()
tests_passed=0
tests_failed=0
tests_skipped=0
failed_steps=0

fmt_time() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# step NAME COMMAND...: runs one step, records its outcome and time.
step() {
  local name=$1; shift
  local t0=$SECONDS rc=0
  echo "=== run-tests: $name"
  "$@" || rc=$?
  local took; took=$(fmt_time $((SECONDS - t0)))
  if ((rc == 0)); then
    summary+=("ok      $took  $name")
    echo "=== run-tests: $name: ok ($took)"
  else
    summary+=("FAILED  $took  $name (exit $rc)")
    echo "=== run-tests: $name: FAILED, exit $rc ($took)"
  fi
  return "$rc"
}

# The conditions a test may skip for (tests/expected-tests.txt, requires=), detected once.
condition_args=()
detect_conditions() {
  local c state
  if trace_dir=$(tflops_alibaba_trace_dir); then export TFLOPS_ALIBABA_TRACE=$trace_dir; fi
  for c in $TFLOPS_CONDITIONS; do
    if tflops_condition "$c"; then state=present; else state=absent; fi
    condition_args+=(--condition "$c=$state")
    case $c:$state in
      alibaba-trace:present) echo "run-tests: condition $c: present ($TFLOPS_ALIBABA_TRACE): its tests must run" ;;
      *:present) echo "run-tests: condition $c: present: its tests must run" ;;
      *) echo "run-tests: condition $c: absent: its tests may skip" ;;
    esac
  done
}

# plugins_configured DIR: the Slurm plugins are in DIR's build system (their Slurm source was
# found and configured); else one line naming the prerequisite and the fix.
plugins_configured() {
  local dir=$1 t missing=() why
  for t in gres_plugin/CMakeFiles/gres_tflops.dir select_plugin/CMakeFiles/select_cons_tres_tflops.dir \
           select_plugin/CMakeFiles/job_submit_tflops.dir; do
    grep -q "/$t\$" "$dir/CMakeFiles/TargetDirectories.txt" 2>/dev/null || missing+=("$(basename "$t" .dir)")
  done
  ((${#missing[@]} == 0)) && return 0
  # Its "skipping gres_plugin/..." message: a status line, or a warning wrapped on indented lines.
  why=$(awk '/skipping (gres|select)_plugin\// { on = 1; sub(/^(-- )? */, ""); print; next }
             on && /^  +[^ ]/ { sub(/^ +/, ""); print; next } { on = 0 }' "$dir/run-tests-configure.log" 2>/dev/null |
        paste -sd' ' - | cut -c1-600 || true)
  echo "run-tests: prerequisite missing: the Slurm plugins (${missing[*]} not configured in $dir, so the integration tests and the symbol check are not registered): the Slurm source could not be found or fetched${why:+ (configure said: $why)}. Fix: contrib/install-deps.sh (libslurm-dev, dpkg-dev and a deb-src entry for apt-get source), or configure with -DTFLOPS_SLURM_SOURCE=<Slurm tarball or tree> (TFLOPS_CMAKE_ARGS)"
  return 1
}

# run_ctest DIR [CTEST_ARGS...]: ctest in DIR with JUnit results, adding its counts to the totals.
run_ctest() {
  local dir=$1 log rc=0
  shift
  log="$dir/run-tests-ctest.log"
  rm -f "$dir/run-tests-junit.xml"
  ctest_started=$(date +%s)
  # Whole outputs in the JUnit file: the expected-tests check looks there for the line that proves
  # a case ran.
  # An absolute path: ctest takes a relative one from inside the test directory.
  ${in_release[@]+"${in_release[@]}"} ctest --test-dir "$dir" --output-on-failure -j "$jobs" --output-junit "$(cd "$dir" && pwd)/run-tests-junit.xml" \
    --test-output-size-passed 4000000 --test-output-size-failed 4000000 "$@" 2>&1 | tee "$log" || rc=$?
  # "100% tests passed, 0 tests failed out of 42"
  local line total failed
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
  if [[ $line =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
    failed=${BASH_REMATCH[1]}; total=${BASH_REMATCH[2]}
    # ctest counts skipped and disabled tests as passed; they are listed under "did not run".
    local skipped
    skipped=$(grep -cE '^[[:space:]]+[0-9]+ - .* \((Skipped|Disabled)\)$' "$log" || true)
    tests_passed=$((tests_passed + total - failed - skipped))
    tests_failed=$((tests_failed + failed))
    tests_skipped=$((tests_skipped + skipped))
  elif ((rc == 0)); then
    echo "run-tests: ctest in $dir ran no test" >&2
    rc=1
    failed_steps=$((failed_steps + 1))
  else
    failed_steps=$((failed_steps + 1))
  fi
  return "$rc"
}

# check_expected KIND DIR [CTEST_ARGS...]: what DIR's ctest ran (of the tests CTEST_ARGS select)
# against tests/expected-tests.txt; each problem counts as one failure, and each allowed skip goes
# into the summary with its condition.
check_expected() {
  local kind=$1 dir=$2 out rc=0 n
  shift 2
  if [[ ! -s $dir/run-tests-junit.xml ]]; then
    echo "run-tests: no ctest results in $dir/run-tests-junit.xml"; failed_steps=$((failed_steps + 1)); return 1
  fi
  ${in_release[@]+"${in_release[@]}"} ctest --test-dir "$dir" --show-only=json-v1 "$@" > "$dir/run-tests-registered.json"
  out=$("$PY" tests/check_expected_tests.py --build "$kind" --registered "$dir/run-tests-registered.json" \
          --junit "$dir/run-tests-junit.xml" "${condition_args[@]}") || rc=$?
  echo "$out"
  while IFS= read -r line; do
    [[ $line == "expected-tests: allowed skip "* ]] && summary+=("                $kind: ${line#expected-tests: }")
  done <<< "$out"
  if ((rc != 0)); then
    n=$(sed -n 's/.* \([0-9][0-9]*\) problem(s)$/\1/p' <<< "$out" | tail -1)
    failed_steps=$((failed_steps + ${n:-1}))
  fi
  return "$rc"
}

# failure_digest KIND DIR: the end of each failed test's output into the closing summary, so that
# a log cut to its head and tail (CI's) still says why a test failed.
failure_digest() {
  local line
  while IFS= read -r line; do summary+=("                $1: $line"); done \
    < <("$PY" tests/failure_digest.py "$2/run-tests-junit.xml" 2> /dev/null)
}

# leftover_daemons DIR: no daemon of DIR's integration tests outlives ctest (waits up to 60 s for
# a watchdog that is stopping one).
leftover_daemons() {
  if ! tests/leftover_daemons.sh "$1" 60 "${ctest_started:-0}"; then failed_steps=$((failed_steps + 1)); return 1; fi
}

# build KIND DIR CMAKE_ARGS...: prerequisites, configure, build, test, then the checks of what
# ran; stops at the first failing step before the tests. Called once per build (and Slurm version).
build() {
  local kind=$1 dir=$2; shift 2
  local lacking=0
  step "$kind: prerequisites" tflops_prerequisites "$kind" || lacking=$?
  if ((lacking)); then
    failed_steps=$((failed_steps + lacking)); summary+=("skipped        $kind: build and test"); return
  fi
  mkdir -p "$dir"
  if ! step "$kind: configure ($dir)" \
       bash -c 'set -o pipefail; cmake "$@" 2>&1 | tee "$0/run-tests-configure.log"' "$dir" \
       -S . -B "$dir" "$@" "${extra_cmake_args[@]}"; then
    failed_steps=$((failed_steps + 1)); summary+=("skipped        $kind: build and test"); return
  fi
  if ! step "$kind: Slurm plugins configured" plugins_configured "$dir"; then
    failed_steps=$((failed_steps + 1)); summary+=("skipped        $kind: build and test"); return
  fi
  if ! step "$kind: build" cmake --build "$dir" -j "$jobs"; then
    failed_steps=$((failed_steps + 1)); summary+=("skipped        $kind: test"); return
  fi
  step "$kind: test" run_ctest "$dir" || failure_digest "$kind" "$dir"
  step "$kind: expected tests (tests/expected-tests.txt)" check_expected "$kind" "$dir" || true
  step "$kind: no test daemon left running" leftover_daemons "$dir" || true
}

# The Slurm tests: what a build of the plugins against another release's source runs, on that
# release's daemons (the integration tests register what it can run: tests/integration/).
SLURM_TESTS='^(integration\.|gres_plugin\.exported_symbols$|select\.(hook_signature|exported_symbols)$|ReservedBlocks\.)'
# What they need built: the plugins, tflops-gres-lines (the cluster's slurm.conf), tflopsctl
# (Detect=, --live), tflops-train (the training preemption test), the reserved blocks' unit test.
SLURM_TARGETS=(gres_tflops select_cons_tres_tflops job_submit_tflops tflops-gres-lines tflopsctl tflops-train
               select_reserved_blocks_tests)
# 24.11's chroot is Debian 13, whose python3-torch is 2.6 (the normal build tests Debian 12's 1.13):
# its build also makes tflops.torch and runs its tests (python_*) there.
TORCH_TESTS='^python_'
TORCH_TARGETS=(tflops_python_native)

# What the commands of a build run in: nothing here, or 24.11's Debian 13 chroot, where its build
# is made against Debian 13's libraries and runs beside its daemons (contrib/cluster/slurm-version
# run), as a Debian 13 site builds it.
in_release=()

# slurm_build RELEASE DIR: Slurm RELEASE's daemons prepared, the plugins built against its source
# in DIR, its Slurm tests run on its daemons, and the same checks of what ran as a build's.
slurm_build() {
  local release=$1 dir=$2 kind=slurm-$1 out args=() lacking=0 tests=$SLURM_TESTS targets=("${SLURM_TARGETS[@]}")
  in_release=()
  if [[ $release == 24.11 ]]; then
    in_release=(contrib/cluster/slurm-version run 24.11 --)
    tests="$SLURM_TESTS|$TORCH_TESTS" targets+=("${TORCH_TARGETS[@]}")
  fi
  step "$kind: prerequisites" tflops_prerequisites normal || lacking=$?
  if ((lacking)); then
    failed_steps=$((failed_steps + lacking)); summary+=("skipped        $kind: build and test"); return
  fi
  if ! step "$kind: daemons (contrib/cluster/slurm-version prepare $release)" \
       contrib/cluster/slurm-version prepare "$release" ||
     ! out=$(${in_release[@]+"${in_release[@]}"} contrib/cluster/slurm-version cmake-args "$release"); then
    failed_steps=$((failed_steps + 1)); summary+=("skipped        $kind: build and test"); return
  fi
  mapfile -t args <<< "$out"
  mkdir -p "$dir"
  if ! step "$kind: configure ($dir)" \
       ${in_release[@]+"${in_release[@]}"} bash -c 'set -o pipefail; cmake "$@" 2>&1 | tee "$0/run-tests-configure.log"' "$dir" \
       -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ "${args[@]}" "${extra_cmake_args[@]}"; then
    failed_steps=$((failed_steps + 1)); summary+=("skipped        $kind: build and test"); return
  fi
  if ! step "$kind: Slurm plugins configured" plugins_configured "$dir"; then
    failed_steps=$((failed_steps + 1)); summary+=("skipped        $kind: build and test"); return
  fi
  if ! step "$kind: build (${targets[*]})" ${in_release[@]+"${in_release[@]}"} cmake --build "$dir" -j "$jobs" --target "${targets[@]}"; then
    failed_steps=$((failed_steps + 1)); summary+=("skipped        $kind: test"); return
  fi
  step "$kind: test (Slurm $release's daemons)" run_ctest "$dir" -R "$tests" || failure_digest "$kind" "$dir"
  step "$kind: expected tests (tests/expected-tests.txt)" check_expected "$kind" "$dir" -R "$tests" || true
  step "$kind: no test daemon left running" leftover_daemons "$dir" || true
  in_release=()
}

if [[ ${TFLOPS_SKIP_DEPS:-0} != 1 ]]; then
  if ! step "dependencies" contrib/install-deps.sh; then
    failed_steps=$((failed_steps + 1))
  fi
fi

if ((failed_steps == 0)); then
  detect_conditions
  for b in "${builds[@]}"; do
    case "$b" in
      normal)
        CC=gcc CXX=g++ build normal "${TFLOPS_BUILD_DIR:-build}" \
          -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ ;;
      asan)
        CC=clang CXX=clang++ build asan "${TFLOPS_ASAN_BUILD_DIR:-build-asan}" \
          -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g" -DCMAKE_CXX_COMPILER=clang++ \
          -DTFLOPS_SANITIZE=address,undefined -DTFLOPS_FUZZ=ON ;;
    esac
  done
  for release in "${slurms[@]}"; do
    [[ $release == 22.05 ]] || CC=gcc CXX=g++ slurm_build "$release" "build-slurm-$release"
  done
fi

echo
echo "=== run-tests: summary ($(fmt_time $((SECONDS - start_all))) in all, $jobs jobs)"
printf '  %s\n' "${summary[@]}"
failed=$((tests_failed + failed_steps))
if ((tests_skipped)); then
  echo "run-tests: $tests_passed passed, $failed failed, $tests_skipped skipped"
else
  echo "run-tests: $tests_passed passed, $failed failed"
fi
((failed == 0))

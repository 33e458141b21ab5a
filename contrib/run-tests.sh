#!/usr/bin/env bash
# Runs every test of tflops, as CI does (.ci/run calls this script).
#
#   1. installs what is missing (contrib/install-deps.sh; needs root only when something is),
#   2. normal build: g++, Release, in build/, then its ctest,
#   3. sanitizer build: clang with AddressSanitizer + UndefinedBehaviorSanitizer and the
#      libFuzzer targets, asserts on (Debug at -O1), in build-asan/, then its ctest, which
#      includes the time-bounded fuzz run of the inventory parser.
#
#   contrib/run-tests.sh              both builds
#   contrib/run-tests.sh normal       only the normal build  (or: asan)
#
# Environment: TFLOPS_JOBS (parallel compile and test jobs, default 2),
#              TFLOPS_SKIP_DEPS=1 (do not call install-deps.sh).
# Exits non-zero when any step fails; the last line counts the tests that passed, failed and
# were skipped, over both builds (a configure or build step that fails counts as one failed).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
jobs=${TFLOPS_JOBS:-2}
if ! [[ $jobs =~ ^[1-9][0-9]*$ ]]; then
  echo "run-tests: TFLOPS_JOBS='$jobs' is not a positive number (example: TFLOPS_JOBS=4)" >&2
  exit 2
fi

builds=()
for arg in "$@"; do
  case "$arg" in
    normal|asan) builds+=("$arg") ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-tests: unknown argument '$arg' (use: normal, asan, or nothing for both)" >&2; exit 2 ;;
  esac
done
((${#builds[@]})) || builds=(normal asan)

# Sanitizer reports stop the test that triggers them, with a stack trace.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

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

# run_ctest DIR: ctest in DIR, adding its counts to the totals.
run_ctest() {
  local dir=$1 log rc=0
  log="$dir/run-tests-ctest.log"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" 2>&1 | tee "$log" || rc=$?
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

# build KIND DIR CMAKE_ARGS...: configure, build, test; stops at the first failing step.
build() {
  local kind=$1 dir=$2; shift 2
  if ! step "$kind: configure ($dir)" cmake -S . -B "$dir" "$@"; then
    failed_steps=$((failed_steps + 1)); summary+=("skipped        $kind: build and test"); return
  fi
  if ! step "$kind: build" cmake --build "$dir" -j "$jobs"; then
    failed_steps=$((failed_steps + 1)); summary+=("skipped        $kind: test"); return
  fi
  step "$kind: test" run_ctest "$dir" || true
}

if [[ ${TFLOPS_SKIP_DEPS:-0} != 1 ]]; then
  if ! step "dependencies" contrib/install-deps.sh; then
    failed_steps=$((failed_steps + 1))
  fi
fi

if ((failed_steps == 0)); then
  for b in "${builds[@]}"; do
    case "$b" in
      normal)
        CC=gcc CXX=g++ build normal build \
          -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ ;;
      asan)
        CC=clang CXX=clang++ build asan build-asan \
          -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g" -DCMAKE_CXX_COMPILER=clang++ \
          -DTFLOPS_SANITIZE=address,undefined -DTFLOPS_FUZZ=ON ;;
    esac
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

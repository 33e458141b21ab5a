#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The house rules that a machine can check, over the repository's tracked files:
#   format  every C++ source (.cpp, .h, .cu) is as clang-format 14 writes it with the repository's
#           .clang-format (fix: clang-format-14 -i FILE);
#   spdx    every C++ source, script, Python file and CMake file carries the licence line
#           "SPDX-License-Identifier: GPL-2.0-or-later" in its first two lines (after the #! line).
# Prints one "ok - ..." or "FAIL - ..." line per check and exits 1 when any failed.
#
#   tests/style/style_check.sh [REPO]     REPO defaults to the repository holding this script
set -euo pipefail

case ${1:-} in -h|--help) sed -n '3,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
repo=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$repo"
format=${TFLOPS_CLANG_FORMAT:-clang-format-14}
if ! command -v "$format" >/dev/null; then
  echo "FAIL - format: $format not found (install it: contrib/install-deps.sh, package clang-format-14)"
  exit 1
fi

if [[ -e .git ]]; then
  mapfile -t files < <(git ls-files)
else  # an unpacked source tree without git: every file but build outputs
  mapfile -t files < <(find . -path './build*' -prune -o -type f -print | sed 's|^\./||')
fi

failed=0
check() {  # check NAME OK DETAIL
  if [[ $2 == 1 ]]; then echo "ok - $1"; else echo "FAIL - $1: $3"; failed=1; fi
}

cxx=() licensed=()
for f in "${files[@]}"; do
  case $f in
    *.cpp | *.h | *.cu) cxx+=("$f") licensed+=("$f") ;;
    *.sh | *.py | *.cmake | *.sbatch | */CMakeLists.txt | CMakeLists.txt | .ci/run | contrib/cluster/slurm-version | contrib/cluster/tflops-cluster)
      licensed+=("$f") ;;
  esac
done

unformatted=()
for f in "${cxx[@]}"; do
  "$format" --dry-run -Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
done
check "format: ${#cxx[@]} C++ sources as .clang-format writes them" $((${#unformatted[@]} == 0)) \
  "${#unformatted[@]} differ, fix with: $format -i ${unformatted[*]}"

unlicensed=()
for f in "${licensed[@]}"; do
  head -n 2 "$f" | grep -q 'SPDX-License-Identifier: GPL-2.0-or-later' || unlicensed+=("$f")
done
check "spdx: ${#licensed[@]} sources carry the licence line" $((${#unlicensed[@]} == 0)) \
  "no 'SPDX-License-Identifier: GPL-2.0-or-later' in the first two lines of: ${unlicensed[*]}"

exit "$failed"

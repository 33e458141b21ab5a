#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A hook whose signature differs from what Slurm's loader calls stops the build: compiles
# hook_signature/job_modify.cpp against the configured Slurm source, as the plugins are compiled,
# once with the loader's signature (must compile: the check itself builds) and once with the
# other generation's (must fail, naming the table's member).
#
#   hook_signature_test.sh CXX SLURM_INCLUDE_DIRS   (the plugins' Slurm include path, joined by ':')
set -uo pipefail
cxx=${1:?usage: hook_signature_test.sh CXX SLURM_INCLUDE_DIRS}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
flags=(-std=c++20 -fsyntax-only -Werror)
IFS=: read -ra dirs <<< "${2:?usage: hook_signature_test.sh CXX SLURM_INCLUDE_DIRS}"
for dir in "${dirs[@]}"; do flags+=(-isystem "$dir"); done
flags+=(-I "$here/../../slurm_common" -I "$here/../../select_plugin/src")
src=$here/hook_signature/job_modify.cpp
fails=0

if out=$("$cxx" "${flags[@]}" "$src" 2>&1); then
  echo "ok   - the loader's own signature compiles"
else
  echo "FAIL - the loader's own signature does not compile:"; echo "$out"; fails=1
fi
if out=$("$cxx" "${flags[@]}" -DWRONG_SIGNATURE "$src" 2>&1); then
  echo "FAIL - a job_modify with another signature compiled"; fails=1
elif grep -q 'modify' <<< "$out" && grep -qE 'invalid conversion|cannot initialize' <<< "$out"; then
  echo "ok   - a job_modify with another signature stops the build:"
  grep -m1 -E 'invalid conversion|cannot initialize' <<< "$out"
else
  echo "FAIL - the wrong signature failed, but not at the loader table:"; echo "$out"; fails=1
fi
exit $fails

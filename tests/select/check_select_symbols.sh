#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Slurm refuses a select or job_submit plugin unless every hook its loader lists is exported with
# C linkage (a missing one is fatal; C++ linkage hides it). Checks the built plugins against the
# hook names of the Slurm they were built for: kSelectSymbols in the generation's
# slurm_common/compat/vMM_mm/select_ops.h, which CMake names, and job_submit's two hooks.
#
#   check_select_symbols.sh SELECT_SO JOB_SUBMIT_SO SELECT_OPS_HEADER
set -eu
select_so=$1
submit_so=$2
header=$3
missing=0
# The quoted names between "kSelectSymbols[] = {" and "};", one a line.
hooks=$(sed -n '/kSelectSymbols\[\] *= *{/,/};/p' "$header" | sed -n 's/^ *"\([A-Za-z0-9_]*\)",\{0,1\} *$/\1/p')
if [ "$(echo "$hooks" | grep -c '^select_p_')" -lt 10 ]; then
  echo "$header: no list of select hooks found (kSelectSymbols[] = { \"select_p_...\", ... };)"; exit 1
fi
echo "hooks of $(basename "$(dirname "$header")"): $(echo "$hooks" | grep -c .) symbols"
# exported SO NAME...: every NAME is a defined dynamic symbol of SO.
exported() {
  so=$1; shift
  syms=$(nm -D --defined-only "$so" | awk '{print $3}')
  for s in "$@"; do
    echo "$syms" | grep -qx "$s" || { echo "$(basename "$so"): missing exported symbol: $s"; missing=1; }
  done
}
exported "$select_so" plugin_name plugin_type plugin_version init fini $hooks
exported "$submit_so" plugin_name plugin_type plugin_version init fini job_submit job_modify
# Hooks of another generation are never called: their presence means the wrong hook file was built.
for s in $(nm -D --defined-only "$select_so" | awk '{print $3}' | grep '^select_p_'); do
  echo "$hooks" | grep -qx "$s" || { echo "exported symbol not in the table of $header: $s"; missing=1; }
done
for so in "$select_so" "$submit_so"; do
  if nm -D "$so" | grep -q ' U .*slurm_\(xmalloc\|xfree\)' && ldd "$so" | grep -q libslurm; then
    echo "$so links libslurm: the host process must provide Slurm's symbols"; missing=1
  fi
done
[ "$missing" -eq 0 ] && echo "all exported"
exit $missing

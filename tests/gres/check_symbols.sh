#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Slurm refuses a GRES plugin unless every hook of its generation's table (plus plugin_name, type
# and version) is exported with C linkage: a missing one is fatal in slurmd, and C++ linkage hides
# it. Checks the built .so against the hook names of the Slurm it was built for, read from that
# generation's compat header (kGresSymbols in slurm_common/compat/vMM_mm/gres_ops.h, which CMake
# names).
#
#   check_symbols.sh GRES_TFLOPS_SO GRES_OPS_HEADER
set -eu
so=$1
header=$2
missing=0
# The quoted names between "kGresSymbols[] = {" and "};", one a line.
hooks=$(sed -n '/kGresSymbols\[\] *= *{/,/};/p' "$header" | sed -n 's/^ *"\([A-Za-z0-9_]*\)",\{0,1\} *$/\1/p')
if [ "$(echo "$hooks" | grep -c '^gres_p_')" -lt 10 ]; then
  echo "$header: no list of GRES hooks found (kGresSymbols[] = { \"gres_p_...\", ... };)"; exit 1
fi
echo "hooks of $(basename "$(dirname "$header")"): $(echo $hooks)"
syms=$(nm -D --defined-only "$so" | awk '{print $3}')
for s in plugin_name plugin_type plugin_version init fini $hooks; do
  echo "$syms" | grep -qx "$s" || { echo "missing exported symbol: $s"; missing=1; }
done
# Hooks of another generation are never called: their presence means the wrong hook file was built.
for s in $(echo "$syms" | grep '^gres_p_'); do
  echo "$hooks" | grep -qx "$s" || { echo "exported symbol not in the table of $header: $s"; missing=1; }
done
if nm -D "$so" | grep -q ' U .*slurm_\(xmalloc\|xfree\)' && ldd "$so" | grep -q libslurm; then
  echo "$so links libslurm: the host process must provide Slurm's symbols"; missing=1
fi
[ "$(strings "$so" | grep -cx 'gres/tflops')" -ge 1 ] || { echo "plugin_type is not gres/tflops"; missing=1; }
exit $missing

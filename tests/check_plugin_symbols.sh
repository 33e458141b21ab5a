#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Slurm refuses a plugin unless every hook its loader lists (plus plugin_name, plugin_type,
# plugin_version, init and fini) is exported with C linkage: a missing one is fatal in the daemon,
# and C++ linkage hides it. Checks each built plugin against the hook names of the Slurm it was
# built for, read from that generation's compat header (slurm_common/compat/vMM_mm/, which CMake
# names), and that:
#   - it exports no hook of the table's prefix (gres_p_, select_p_) outside the table: hooks of
#     another generation are never called, so their presence means the wrong hook file was built;
#   - it does not link libslurm (the daemon that loads it provides Slurm's symbols);
#   - its plugin_type is TYPE.
#
#   check_plugin_symbols.sh SO TYPE HOOKS [SO TYPE HOOKS]...
#     HOOKS  HEADER:ARRAY, the quoted names of `ARRAY[] = { "...", ... };` in HEADER (at least 10
#            of them sharing the prefix of the first X_p_ name), or NAME,NAME... (a loader's fixed hooks)
set -eu
if [ $# -eq 0 ] || [ $(($# % 3)) -ne 0 ]; then
  echo "usage: check_plugin_symbols.sh SO TYPE HOOKS [SO TYPE HOOKS]... (see the header of $0)" >&2
  exit 2
fi
missing=0
while [ $# -gt 0 ]; do
  so=$1 type=$2 spec=$3
  shift 3
  name=$(basename "$so")
  prefix=
  case $spec in
    *:*)
      header=${spec%:*} array=${spec##*:}
      # The quoted names between "ARRAY[] = {" and "};", as many a line as clang-format puts there.
      hooks=$(sed -n "/$array\[\] *= *{/,/};/p" "$header" | grep -o '"[A-Za-z0-9_]*"' | tr -d '"')
      first=$(echo "$hooks" | grep -m 1 '_p_' || true)
      prefix=${first%%_p_*}_p_
      if [ "$prefix" = "${first}_p_" ] || [ "$(echo "$hooks" | grep -c "^$prefix")" -lt 10 ]; then
        echo "$header: no list of hooks found ($array[] = { \"..._p_...\", ... };)"; exit 1
      fi
      echo "$name: $(echo "$hooks" | grep -c .) hooks of $(basename "$(dirname "$header")")" ;;
    *) hooks=$(echo "$spec" | tr ',' '\n') ;;
  esac
  syms=$(nm -D --defined-only "$so" | awk '{print $3}')
  for s in plugin_name plugin_type plugin_version init fini $hooks; do
    echo "$syms" | grep -qx "$s" || { echo "$name: missing exported symbol: $s"; missing=1; }
  done
  if [ -n "$prefix" ]; then
    for s in $(echo "$syms" | grep "^$prefix" || true); do
      echo "$hooks" | grep -qx "$s" || { echo "$name: exported symbol not in the table of $spec: $s"; missing=1; }
    done
  fi
  if nm -D "$so" | grep -q ' U .*slurm_\(xmalloc\|xfree\)' && ldd "$so" | grep -q libslurm; then
    echo "$name links libslurm: the host process must provide Slurm's symbols"; missing=1
  fi
  strings "$so" | grep -qx "$type" || { echo "$name: plugin_type is not $type"; missing=1; }
done
[ "$missing" -eq 0 ] && echo "all exported"
exit $missing

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# slurm_source_test.sh [CMAKE]: configures slurm_source_project/ (cmake/SlurmSource.cmake alone)
# with -DTFLOPS_SLURM_SOURCE naming each kind of path a user may give (a tarball, a folder that is
# no Slurm tree, a read-only tree, a missing path, a file that is no tarball, a .dsc, a tree this
# module configured) and checks that what the user gave is still there byte for byte, that nothing
# was written beside it, that the source is unpacked and configured only in the private cache
# (-DTFLOPS_CACHE_DIR) and that every refusal names the path.
#
# The Slurm sources are synthetic (a META and a configure script that writes config.h and
# slurm/slurm_version.h for Slurm 99.01.1), so the real unpack, copy and configure steps run in
# seconds; the installed Slurm is a made-up slurm_version.h of 22.05.8.
#
# SLURM_SOURCE_MODULE=FILE tests another copy of the module, e.g. an older revision's:
#   git show HEAD~1:cmake/SlurmSource.cmake > /tmp/old.cmake && SLURM_SOURCE_MODULE=/tmp/old.cmake ./slurm_source_test.sh
# KEEP=1 keeps the work folder (printed) for a look afterwards.
set -uo pipefail

CMAKE=${1:-cmake}
here=$(cd "$(dirname "$0")" && pwd)
project=$here/slurm_source_project
module=${SLURM_SOURCE_MODULE:-$here/../../cmake/SlurmSource.cmake}
work=$(mktemp -d /tmp/tflops-slurm-source.XXXXXX)
if [[ ${KEEP:-0} == 1 ]]; then
  echo "# work folder: $work"
else
  trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
fi

pass=0
fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
bad() { echo "FAIL - $*"; fail=$((fail + 1)); }
check() {  # check DESCRIPTION COMMAND...: one ok/FAIL line for the command's status
  local desc=$1
  shift
  if "$@"; then ok "$desc"; else bad "$desc"; fi
}

# Everything under DIR: each entry's path, type, mode, size, mtime and link target, then the sha256
# of every file. Two equal snapshots: nothing changed, created, or created and removed again.
snapshot() {
  (cd "$1" && find . -printf '%p %y %m %s %T@ %l\n' | LC_ALL=C sort &&
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
}
unchanged() {  # unchanged NAME DIR: DIR looks as $work/NAME.before says
  snapshot "$2" > "$work/$1.after"
  if diff -u "$work/$1.before" "$work/$1.after" > "$work/$1.diff"; then
    return 0
  fi
  sed 's/^/#   /' "$work/$1.diff" | head -20
  return 1
}

# make_tree DIR [EXIT]: a synthetic Slurm 99.01.1 source tree; its configure exits with EXIT (0).
make_tree() {
  mkdir -p "$1/src/common"
  printf '  Api_age:\t0\n  Major:\t\t99\n  Meta:\t\t1\n  Micro:\t1\n  Minor:\t01\n  Name:\t\tslurm\n  Release:\t1\n  Version:\t99.01.1\n' \
    > "$1/META"
  cat > "$1/configure" <<EOS
#!/bin/sh
# Stands in for Slurm's configure: notes the run, writes config.h and slurm/slurm_version.h.
echo "\$*" >> configure-runs
[ ${2:-0} -eq 0 ] || { echo "configure: error: something is missing" >&2; exit ${2:-0}; }
echo '#define USE_ALIAS 0' > config.h
mkdir -p slurm
echo '#define SLURM_VERSION_NUMBER 0x630101' > slurm/slurm_version.h
EOS
  chmod 755 "$1/configure"
  echo '/* gres.h */' > "$1/src/common/gres.h"
}

mkdir -p "$work/include" "$work/make"
echo '#define SLURM_VERSION_NUMBER 0x160508' > "$work/include/slurm_version.h"

# configure NAME SOURCE [ARGS...]: configures the project with its own cache $work/cache-NAME;
# the output is in $work/NAME.log, the status is cmake's.
configure() {
  local name=$1 src=$2
  shift 2
  "$CMAKE" -S "$project" -B "$work/build-$name" -DTFLOPS_SLURM_SOURCE_MODULE="$module" \
    -DTFLOPS_CACHE_DIR="$work/cache-$name" -DTFLOPS_SLURM_VERSION_HEADER="$work/include/slurm_version.h" \
    -DTFLOPS_SLURM_SOURCE="$src" "$@" > "$work/$name.log" 2>&1
}
result() { sed -n "s/^-- result $2=//p" "$work/$1.log"; }
says() { grep -qF -- "$2" "$work/$1.log"; }
flat() { tr -s ' \n' '  ' < "$work/$1.log"; }  # the output on one line (cmake wraps messages)
show_log() { sed 's/^/#   /' "$work/$1.log" | tail -25; }
# No unfinished work left in a cache (a missing cache is fine).
no_partial() { [[ -z $(find "$1" -name '*.partial' 2>/dev/null) ]]; }
# Nothing but lock files in a cache (a missing cache is fine).
only_locks() { [[ -z $(find "$1" -mindepth 1 ! -name '.tflops-*.lock' 2>/dev/null) ]]; }
short_sha() { sha256sum "$1" | cut -c1-8; }

# 1. A tarball: unpacked and configured in the cache; the tarball and its folder untouched.
make_tree "$work/make/slurm-99.01.1"
mkdir -p "$work/t1"
tar -C "$work/make" -czf "$work/t1/slurm-99.01.1.tar.gz" slurm-99.01.1
snapshot "$work/t1" > "$work/tarball.before"
configure tarball "$work/t1/slurm-99.01.1.tar.gz"
rc=$?
tree1=$work/cache-tarball/slurm-99.01.1-$(short_sha "$work/t1/slurm-99.01.1.tar.gz")
check "tarball: configure succeeds" test $rc -eq 0 || show_log tarball
check "tarball: the tarball and its folder are unchanged, nothing written beside it" unchanged tarball "$work/t1"
check "tarball: TFLOPS_SLURM_FOUND=ON, version 99.01.1 (0x630101) from the source" \
  test "$(result tarball TFLOPS_SLURM_FOUND) $(result tarball TFLOPS_SLURM_VERSION) $(result tarball TFLOPS_SLURM_VERSION_NUMBER)" = "ON 99.01.1 0x630101"
check "tarball: the tree is unpacked and configured in the cache ($tree1)" \
  test "$(result tarball TFLOPS_SLURM_SOURCE)" = "$tree1" -a -f "$tree1/config.h" -a -f "$tree1/.tflops-configured"
check "tarball: the output names the tarball" says tarball "$work/t1/slurm-99.01.1.tar.gz"
check "tarball: the daemon version is the installed header's (22.05.8)" test "$(result tarball TFLOPS_SLURM_DAEMON_VERSION)" = 22.05.8
check "tarball: a warning names both versions" \
  grep -qE 'CMake Warning.* Slurm 99\.01\.1 .* is 22\.05\.8.* Slurm 99\.01\.1 daemons' <(flat tarball)
check "tarball: no unfinished work left in the cache" no_partial "$work/cache-tarball"

# 1b. Configured again (a new build folder, the same cache): the tree is reused, not configured again.
snapshot "$work/t1" > "$work/tarball-again.before"
"$CMAKE" -S "$project" -B "$work/build-tarball-again" -DTFLOPS_SLURM_SOURCE_MODULE="$module" \
  -DTFLOPS_CACHE_DIR="$work/cache-tarball" -DTFLOPS_SLURM_VERSION_HEADER="$work/include/slurm_version.h" \
  -DTFLOPS_SLURM_SOURCE="$work/t1/slurm-99.01.1.tar.gz" > "$work/tarball-again.log" 2>&1
rc=$?
check "tarball again: configure succeeds with the same tree" \
  test $rc -eq 0 -a "$(result tarball-again TFLOPS_SLURM_SOURCE)" = "$tree1"
check "tarball again: the tree was configured once" test "$(wc -l < "$tree1/configure-runs" 2>/dev/null)" = 1
check "tarball again: the tarball and its folder are unchanged" unchanged tarball-again "$work/t1"

# 1c. The configured tree itself named: used in place, only read.
snapshot "$work/cache-tarball" > "$work/configured.before"
configure configured "$tree1"
rc=$?
check "configured tree: configure succeeds using it in place" \
  test $rc -eq 0 -a "$(result configured TFLOPS_SLURM_SOURCE)" = "$tree1" || show_log configured
check "configured tree: it and its folder are unchanged" unchanged configured "$work/cache-tarball"
check "configured tree: nothing made in the (unused) cache" test ! -e "$work/cache-configured"

# 2. A folder that is no Slurm tree: refused, naming it; its sentinel file untouched.
mkdir -p "$work/t2/not-slurm"
echo "the user's own file" > "$work/t2/not-slurm/sentinel.txt"
snapshot "$work/t2" > "$work/not-slurm.before"
configure not-slurm "$work/t2/not-slurm"
rc=$?
check "non-Slurm folder: refused" test $rc -ne 0
check "non-Slurm folder: the message names it and says what is expected" \
  grep -qzE "CMake Error.*$work/t2/not-slurm.*META" "$work/not-slurm.log" || show_log not-slurm
check "non-Slurm folder: it and its folder are unchanged (sentinel.txt byte for byte)" unchanged not-slurm "$work/t2"
check "non-Slurm folder: nothing but lock files in the cache" only_locks "$work/cache-not-slurm"

# 2b. The folder above a Slurm tree (a common slip): refused, and the message points at the tree.
mkdir -p "$work/t2b/sources"
make_tree "$work/t2b/sources/slurm-99.01.1"
echo "the user's own file" > "$work/t2b/sources/sentinel.txt"
snapshot "$work/t2b" > "$work/parent.before"
configure parent "$work/t2b/sources"
rc=$?
check "parent of a tree: refused" test $rc -ne 0
check "parent of a tree: the message names it and the tree inside" \
  grep -qzE "CMake Error.*$work/t2b/sources.*$work/t2b/sources/slurm-99.01.1" "$work/parent.log" || show_log parent
check "parent of a tree: everything in it unchanged" unchanged parent "$work/t2b"
check "parent of a tree: nothing but lock files in the cache" only_locks "$work/cache-parent"

# 3. A read-only, unconfigured Slurm tree: copied into the cache and configured there, never written.
make_tree "$work/t3/slurm-99.01.1"
chmod -R a-w "$work/t3/slurm-99.01.1"
snapshot "$work/t3" > "$work/read-only.before"
configure read-only "$work/t3/slurm-99.01.1"
rc=$?
tree3=$work/cache-read-only/slurm-99.01.1-$(printf %s "$work/t3/slurm-99.01.1" | sha256sum | cut -c1-8)
check "read-only tree: configure succeeds" test $rc -eq 0 || show_log read-only
check "read-only tree: it and its folder are unchanged (no config.h, no marker, no log)" unchanged read-only "$work/t3"
check "read-only tree: configured in its copy in the cache ($tree3)" \
  test "$(result read-only TFLOPS_SLURM_SOURCE)" = "$tree3" -a -f "$tree3/config.h" -a -f "$tree3/configure-runs"
check "read-only tree: the output names it" says read-only "$work/t3/slurm-99.01.1"
check "read-only tree: no unfinished work left in the cache" no_partial "$work/cache-read-only"
chmod -R u+w "$work/t3"

# 4. A missing path: refused, naming it; nothing made there or beside it.
mkdir -p "$work/t4"
snapshot "$work/t4" > "$work/missing.before"
configure missing "$work/t4/slurm-24.11.5"
rc=$?
check "missing path: refused" test $rc -ne 0
check "missing path: the message names it" \
  grep -qzE "CMake Error.*$work/t4/slurm-24.11.5.*does not exist" "$work/missing.log" || show_log missing
check "missing path: nothing made where it points or beside it" unchanged missing "$work/t4"
check "missing path: nothing but lock files in the cache" only_locks "$work/cache-missing"

# 5. A plain file that is no tarball: refused by its name, naming it.
mkdir -p "$work/t5"
echo "notes, not a Slurm source" > "$work/t5/notes.txt"
snapshot "$work/t5" > "$work/plain-file.before"
configure plain-file "$work/t5/notes.txt"
rc=$?
check "plain file: refused" test $rc -ne 0
check "plain file: the message names it" \
  grep -qzE "CMake Error.*$work/t5/notes.txt.*tarball" "$work/plain-file.log" || show_log plain-file
check "plain file: it and its folder are unchanged" unchanged plain-file "$work/t5"
check "plain file: nothing but lock files in the cache" only_locks "$work/cache-plain-file"

# 5b. A file named like a tarball that is none: refused after the unpack fails, nothing left.
mkdir -p "$work/t5b"
echo "not gzip data" > "$work/t5b/slurm-99.01.1.tar.gz"
snapshot "$work/t5b" > "$work/bad-tarball.before"
configure bad-tarball "$work/t5b/slurm-99.01.1.tar.gz"
rc=$?
check "broken tarball: refused" test $rc -ne 0
check "broken tarball: the message names it" \
  grep -qzE "CMake Error.*$work/t5b/slurm-99.01.1.tar.gz" "$work/bad-tarball.log" || show_log bad-tarball
check "broken tarball: it and its folder are unchanged" unchanged bad-tarball "$work/t5b"
check "broken tarball: nothing but lock files in the cache" only_locks "$work/cache-bad-tarball"

# 5c. A tarball whose configure fails: refused; only the unfinished tree in the cache is removed.
make_tree "$work/make/failing/slurm-99.01.1" 1
mkdir -p "$work/t5c"
tar -C "$work/make/failing" -czf "$work/t5c/slurm-99.01.1.tar.gz" slurm-99.01.1
snapshot "$work/t5c" > "$work/configure-fails.before"
configure configure-fails "$work/t5c/slurm-99.01.1.tar.gz"
rc=$?
check "failing configure: refused" test $rc -ne 0
check "failing configure: the message says what was removed and where the log is" \
  grep -qzE "CMake Error.*configure.*failed.*$work/build-configure-fails/tflops-slurm-99.01.1-configure.log.*removed" \
  "$work/configure-fails.log" || show_log configure-fails
check "failing configure: the log is kept in the build folder" \
  grep -q "something is missing" "$work/build-configure-fails/tflops-slurm-99.01.1-configure.log"
check "failing configure: the tarball and its folder are unchanged" unchanged configure-fails "$work/t5c"
check "failing configure: nothing but lock files in the cache" only_locks "$work/cache-configure-fails"

# 5d. A cache that cannot be written (here: a file): refused, naming the cache; the tarball untouched.
echo "not a folder" > "$work/cache-file"
snapshot "$work/t1" > "$work/cache-is-file.before"
"$CMAKE" -S "$project" -B "$work/build-cache-is-file" -DTFLOPS_SLURM_SOURCE_MODULE="$module" \
  -DTFLOPS_CACHE_DIR="$work/cache-file" -DTFLOPS_SLURM_VERSION_HEADER="$work/include/slurm_version.h" \
  -DTFLOPS_SLURM_SOURCE="$work/t1/slurm-99.01.1.tar.gz" > "$work/cache-is-file.log" 2>&1
rc=$?
check "unwritable cache: refused" test $rc -ne 0
check "unwritable cache: the message names the cache and TFLOPS_CACHE_DIR" \
  grep -qzE "CMake Error.*$work/cache-file.*TFLOPS_CACHE_DIR" "$work/cache-is-file.log" || show_log cache-is-file
check "unwritable cache: the tarball and its folder are unchanged" unchanged cache-is-file "$work/t1"

# 6. A Debian .dsc (with its tarball beside it): unpacked with dpkg-source into the cache.
if command -v dpkg-source > /dev/null; then
  mkdir -p "$work/make/dsc" "$work/t6"
  make_tree "$work/make/dsc/slurm-wlm-99.01.1"
  mkdir -p "$work/make/dsc/slurm-wlm-99.01.1/debian/source"
  echo '3.0 (native)' > "$work/make/dsc/slurm-wlm-99.01.1/debian/source/format"
  printf 'Source: slurm-wlm\nMaintainer: Test <test@example.org>\n\nPackage: slurm-test\nArchitecture: any\nDescription: test\n test\n' \
    > "$work/make/dsc/slurm-wlm-99.01.1/debian/control"
  printf 'slurm-wlm (99.01.1) unstable; urgency=low\n\n  * Test.\n\n -- Test <test@example.org>  Mon, 01 Jan 2024 00:00:00 +0000\n' \
    > "$work/make/dsc/slurm-wlm-99.01.1/debian/changelog"
  (cd "$work/t6" && dpkg-source -b "$work/make/dsc/slurm-wlm-99.01.1" > /dev/null 2>&1)
  dsc=$work/t6/slurm-wlm_99.01.1.dsc
  snapshot "$work/t6" > "$work/dsc.before"
  configure dsc "$dsc"
  rc=$?
  tree6=$work/cache-dsc/slurm-99.01.1-$(short_sha "$dsc" 2>/dev/null)
  check "dsc: configure succeeds" test -f "$dsc" -a $rc -eq 0 || show_log dsc
  check "dsc: the .dsc, its tarball and their folder are unchanged" unchanged dsc "$work/t6"
  check "dsc: the tree is unpacked and configured in the cache ($tree6)" \
    test "$(result dsc TFLOPS_SLURM_SOURCE)" = "$tree6" -a -f "$tree6/config.h"
  check "dsc: nothing but the configured tree and lock files in the cache" \
    test -z "$(find "$work/cache-dsc" -mindepth 1 -maxdepth 1 ! -name '.tflops-*.lock' ! -path "$tree6")"
else
  echo "ok - dsc # SKIP dpkg-source not installed"
fi

# 7. No source named: the ready tree of the installed version in the cache (as earlier versions of
#    the module made it, e.g. /var/cache/tflops/slurm-22.05.8) is used as it is, nothing fetched.
ready=$work/cache-default/slurm-22.05.8
mkdir -p "$ready/slurm" "$ready/src/common"
printf 'Major: 22\nMinor: 05\nMicro: 8\n' > "$ready/META"
echo '#define SLURM_VERSION_NUMBER 0x160508' > "$ready/slurm/slurm_version.h"
echo '/* config */' > "$ready/config.h"
echo '22.05.8' > "$ready/.tflops-configured"
snapshot "$work/cache-default" > "$work/default.before"
configure default ""
rc=$?
check "default source: the cache's ready tree is used" \
  test $rc -eq 0 -a "$(result default TFLOPS_SLURM_SOURCE)" = "$ready" -a "$(result default TFLOPS_SLURM_VERSION)" = 22.05.8 ||
  show_log default
check "default source: no version warning" test -z "$(grep 'CMake Warning' "$work/default.log")"
check "default source: the cache is unchanged" unchanged default "$work/cache-default"
# An older build folder's cache holds the default tree's path as TFLOPS_SLURM_SOURCE: the same.
"$CMAKE" -S "$project" -B "$work/build-default-old" -DTFLOPS_SLURM_SOURCE_MODULE="$module" \
  -DTFLOPS_CACHE_DIR="$work/cache-default" -DTFLOPS_SLURM_VERSION_HEADER="$work/include/slurm_version.h" \
  -DTFLOPS_SLURM_SOURCE="$ready" > "$work/default-old.log" 2>&1
rc=$?
check "default tree named: used the same way" \
  test $rc -eq 0 -a "$(result default-old TFLOPS_SLURM_SOURCE)" = "$ready" || show_log default-old
check "default tree named: the cache is unchanged" unchanged default "$work/cache-default"

echo "# $pass passed, $fail failed"
[[ $fail -eq 0 ]]

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the Debian package from a build directory and checks what it would install.
#
#   check_deb.sh BUILD_DIR PLUGIN_DIR|none
#
# PLUGIN_DIR is Slurm's plugin directory when gres_tflops.so is built, else "none".
set -uo pipefail
BUILD=$(cd "${1:?usage: check_deb.sh BUILD_DIR PLUGIN_DIR|none}" && pwd)
PLUGIN_DIR=${2:?usage: check_deb.sh BUILD_DIR PLUGIN_DIR|none}
OUT=$(mktemp -d /tmp/tflops-deb.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

fails=0
check() {  # name, then a command that must succeed
  local name=$1; shift
  if "$@" >/dev/null 2>&1; then echo "ok   - $name"; else echo "FAIL - $name"; fails=$((fails + 1)); fi
}

(cd "$OUT" && cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$OUT") >"$OUT/cpack.log" 2>&1 ||
  { cat "$OUT/cpack.log"; echo "FAIL - cpack"; exit 1; }
deb=$(ls "$OUT"/tflops*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { cat "$OUT/cpack.log"; echo "FAIL - no tflops*.deb made"; exit 1; }
echo "ok   - made $(basename "$deb")"

contents=$(dpkg-deb -c "$deb")
check "installs /usr/bin/tflopsctl" grep -q ' \./usr/bin/tflopsctl$' <<<"$contents"
check "installs /usr/bin/tflops-gres-lines" grep -q ' \./usr/bin/tflops-gres-lines$' <<<"$contents"
check "ships the example tflops.conf" grep -q 'share/doc/tflops/examples/tflops.conf$' <<<"$contents"
check "ships its copyright file" grep -q " \./usr/share/doc/$(dpkg-deb -f "$deb" Package)/copyright\$" <<<"$contents"
check "ships the man pages" bash -c 'grep -q "share/man/man1/tflopsctl.1" <<<"$0" && grep -q "share/man/man5/tflops.conf.5" <<<"$0"' "$contents"
depends=$(dpkg-deb -f "$deb" Depends)
check "depends on Boost.Program_options' library package" grep -qE 'libboost-program-options1\.[0-9]+\.0' <<<"$depends"
# Names differ between Debian releases (libboost-program-options1.83.0, libslurm42t64 in Debian 13):
# each one it depends on must be a package this system's apt knows.
for package in $(sed 's/([^)]*)//g; s/,/ /g' <<<"$depends" | tr -s ' ' '\n' | sort -u); do
  check "depends on $package, a package of this system" bash -c '[ -n "$(apt-cache show --no-all-versions "$0" 2>/dev/null)" ]' "$package"
done
if [ "$PLUGIN_DIR" != none ]; then
  for so in gres_tflops.so select_cons_tres_tflops.so job_submit_tflops.so; do
    check "installs $so into $PLUGIN_DIR" grep -q " \.$PLUGIN_DIR/$so\$" <<<"$contents"
  done
  check "pins the Slurm micro release" grep -qE 'slurm-wlm-basic-plugins \(<< [0-9]+\.[0-9]+\.[0-9]+\)' <<<"$depends"
  # One package per Slurm release: tflops-slurm-22.05 and the like, each standing for `tflops`.
  series=$(sed -n 's/.*slurm-wlm-basic-plugins (>= \([0-9]*\.[0-9]*\)\..*/\1/p' <<<"$depends")
  check "named for its Slurm release ($series)" test "$(dpkg-deb -f "$deb" Package)" = "tflops-slurm-$series"
  check "provides, conflicts with and replaces tflops" bash -c \
    'for f in Provides Conflicts Replaces; do [ "$(dpkg-deb -f "$0" $f)" = tflops ] || exit 1; done' "$deb"
  check "leaves no temporary plugin file" bash -c "! grep -q '\.so\.new' <<<\"\$0\"" "$contents"
fi
# The package's files run: tflopsctl from the unpacked tree answers --help.
dpkg-deb -x "$deb" "$OUT/root"
check "packaged tflopsctl runs" "$OUT/root/usr/bin/tflopsctl" --help
[ "$fails" -eq 0 ] || { echo "$fails checks failed; contents:"; echo "$contents"; echo "Depends: $depends"; exit 1; }

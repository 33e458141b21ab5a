# SPDX-License-Identifier: GPL-2.0-or-later
# A view of a Slurm release's chroot (contrib/cluster/slurm-version): the chroot bind-mounted at
# VIEW with /proc, /sys and its cgroup hierarchies, /dev (+pts, shm), /tmp and /etc/hosts, plus
# host directories mounted at their own paths. Each user (a cluster, a build) mounts its own view,
# so that several run at once on one chroot; everything is unmounted by VIEW's mount list.
# Sourced by tflops-cluster and slurm-version. Functions return non-zero on failure and print why.
# shellcheck shell=bash

# Mounts under VIEW, deepest last, as /proc/self/mountinfo lists them.
view_mounts() {  # VIEW
  awk -v v="$1" '$5 == v || index($5, v "/") == 1 { print $5 }' /proc/self/mountinfo
}

# True when PATH is visible in VIEW as the same directory (through a mount made earlier).
view_shows() {  # VIEW PATH
  [ -d "$1$2" ] && [ "$(stat -c %d:%i "$2")" = "$(stat -c %d:%i "$1$2" 2>/dev/null)" ]
}

# Makes PATH's mount point inside VIEW (recording in DIRS_FILE the directories it makes in the
# chroot) and binds PATH there, read-only with MODE ro.
view_bind() {  # VIEW PATH MODE DIRS_FILE
  local view=$1 path=$2 mode=$3 dirs=$4 d="" part
  local IFS=/
  for part in ${path#/}; do
    d=$d/$part
    if [ ! -d "$view$d" ]; then
      # Not under a bind of a host directory (where PATH exists): in the chroot itself.
      mkdir "$view$d" || return 1
      echo "$d" >> "$dirs"
    fi
  done
  unset IFS
  mount --bind "$path" "$view$path" || return 1
  if [ "$mode" = ro ]; then mount -o remount,bind,ro "$view$path" || return 1; fi
  return 0
}

# Unmounts everything under VIEW, deepest first (lazily when busy), and removes the mount points
# listed in DIRS_FILE from ROOT (best effort: another view may use the same mount point).
view_unmount() {  # VIEW ROOT DIRS_FILE
  local view=$1 root=$2 dirs=$3 m d left
  for m in $(view_mounts "$view" | tac); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || echo "chroot view: could not unmount $m" >&2
  done
  if [ -s "$dirs" ] && [ -n "$root" ]; then
    for d in $(tac "$dirs"); do rmdir "$root$d" 2>/dev/null || true; done
  fi
  rm -f "$dirs"
  left=$(view_mounts "$view")
  [ -z "$left" ] || { echo "chroot view: still mounted: $left" >&2; return 1; }
  [ -d "$view" ] && rmdir "$view" 2>/dev/null || true
}

# Mounts ROOT's view at VIEW, then binds the host directories read as "PATH<tab>MODE" lines (MODE
# rw or ro) on stdin, parents before children. A path already visible (under /tmp, or a build folder under
# the repository) is not bound again, except a read-write one seen through a read-only bind. The
# cgroup hierarchies are a slave of the host's: unmounting the view never reaches the host's.
view_mount() {  # VIEW ROOT DIRS_FILE < binds
  local view=$1 root=$2 dirs=$3 p mode
  view_unmount "$view" "$root" "$dirs" || { echo "chroot view: stale mounts under $view" >&2; return 1; }
  mkdir -p "$view"
  : > "$dirs"
  {
    mount --bind "$root" "$view" && mount --make-private "$view" \
      && mount -t proc proc "$view/proc" \
      && mount --bind /sys "$view/sys" \
      && mount --rbind /sys/fs/cgroup "$view/sys/fs/cgroup" \
      && mount --make-rslave "$view/sys/fs/cgroup" \
      && mount --bind /dev "$view/dev" \
      && mount --bind /dev/pts "$view/dev/pts" \
      && mount --bind /dev/shm "$view/dev/shm" \
      && mount --bind /tmp "$view/tmp" \
      && mount --bind /etc/hosts "$view/etc/hosts"
  } || { view_unmount "$view" "$root" "$dirs"; echo "chroot view: could not mount $view (see above)" >&2; return 1; }
  while IFS=$'\t' read -r p mode; do
    [ -d "$p" ] || continue
    if view_shows "$view" "$p"; then
      case $mode:$p in ro:*|rw:/tmp|rw:/tmp/*) continue ;; esac
    fi
    view_bind "$view" "$p" "$mode" "$dirs" || { view_unmount "$view" "$root" "$dirs"; echo "chroot view: could not bind $p into $view" >&2; return 1; }
  done < <(awk -F'\t' '{ print length($1) "\t" $0 }' | sort -n -s -k1,1 | cut -f2-)
}

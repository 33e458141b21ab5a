# SPDX-License-Identifier: GPL-2.0-or-later
# SlurmSource.cmake: the configured Slurm source tree the out-of-tree plugins build against.
#
# Slurm's GRES and select plugin interfaces live in internal headers (src/common/gres.h, ...)
# that no Debian package ships, so the plugins build against a configured Slurm source tree, and
# load only into daemons of that source's exact major.minor.micro. By default that is the Debian
# source package of the installed Slurm; a site building packages for another Slurm names its source.
#
# Result variables:
#   TFLOPS_SLURM_FOUND          ON when a configured source tree is ready
#   TFLOPS_SLURM_VERSION        the source's version, e.g. 22.05.8 (its META and slurm/slurm_version.h)
#   TFLOPS_SLURM_VERSION_NUMBER the source's SLURM_VERSION_NUMBER, e.g. 0x160508
#   TFLOPS_SLURM_DAEMON_VERSION the installed Slurm's version (TFLOPS_SLURM_VERSION_HEADER), or empty
#   TFLOPS_SLURM_SOURCE         the configured tree (a normal variable over the cache input below)
#   TFLOPS_SLURM_INCLUDE_DIRS   what a plugin adds to its include path
#   TFLOPS_SLURM_PLUGIN_DIR     Debian's PluginDir (/usr/lib/<multiarch>/slurm-wlm)
#
# Cache variables an admin may set:
#   TFLOPS_SLURM_SOURCE=PATH    the Slurm source to build against, only ever read: a Slurm source tree
#                               (a folder with META), a tarball (.tar.gz .tgz .tar.bz2 .tar.xz .tar) or a
#                               Debian .dsc (its tarballs beside it). A tree this module configured
#                               (.tflops-configured) is used in place; anything else is copied or
#                               unpacked into the cache first. Empty (default): `apt-get source` of the
#                               installed Slurm's Debian package (needs dpkg-dev and a deb-src entry for
#                               Debian main, see contrib/install-deps.sh).
#   TFLOPS_CACHE_DIR=DIR        everything this module writes: downloads (download-<version>/), the
#                               configured trees (slurm-<version> for the default source,
#                               slurm-<version>-<hash> for a given one) and their lock files. Default
#                               /var/cache/tflops, or ~/.cache/tflops when /var/cache is not writable.
#   TFLOPS_SLURM_VERSION_HEADER=FILE  the installed slurm_version.h (default /usr/include/slurm/...)
#
# Nothing outside the cache and the build directory is written. A tree is unpacked or copied and
# configured in <tree>.partial and renamed into place when done, so a failure leaves nothing
# half-made; one configure at a time does it (a lock in the cache), later builds only read the tree.

set(TFLOPS_SLURM_FOUND OFF)
set(TFLOPS_SLURM_DAEMON_VERSION "")
set(TFLOPS_SLURM_VERSION_HEADER /usr/include/slurm/slurm_version.h CACHE FILEPATH
    "The installed Slurm's slurm_version.h (libslurm-dev): the daemons' version")
set(TFLOPS_SLURM_SOURCE "" CACHE PATH
    "Slurm source to build against, only read: a tree, a tarball or a .dsc (empty: apt-get source of the installed Slurm)")
if(NOT "${TFLOPS_SLURM_DSC}" STREQUAL "")
  message(WARNING "tflops: TFLOPS_SLURM_DSC (${TFLOPS_SLURM_DSC}) is no longer read: TFLOPS_SLURM_SOURCE "
          "takes a .dsc. Fix: configure with -UTFLOPS_SLURM_DSC -DTFLOPS_SLURM_SOURCE=${TFLOPS_SLURM_DSC}")
endif()
# The options debian/rules configures with (config.h with USE_ALIAS, slurm/slurm_version.h). A tree
# configured with them holds .tflops-configured saying its version; new options need a new marker.
set(_tflops_slurm_configure_args --prefix=/usr --sysconfdir=/etc/slurm --enable-multiple-slurmd --disable-debug)

# The SLURM_VERSION_NUMBER a slurm_version.h defines ("0x160508"), or "".
function(_tflops_slurm_header_number file out)
  set(_num "")
  if(EXISTS "${file}")
    file(STRINGS "${file}" _line REGEX "^#define SLURM_VERSION_NUMBER +0x[0-9a-fA-F]+")
    if(_line)
      string(REGEX REPLACE ".*(0x[0-9a-fA-F]+).*" "\\1" _num "${_line}")
      string(TOLOWER "${_num}" _num)
    endif()
  endif()
  set(${out} "${_num}" PARENT_SCOPE)
endfunction()

# "0x160508" -> "22.05.8" (Slurm writes the minor with two digits).
function(_tflops_slurm_number_version num out)
  set(${out} "" PARENT_SCOPE)
  if(NOT num)
    return()
  endif()
  math(EXPR _maj "(${num} >> 16) & 255")
  math(EXPR _min "(${num} >> 8) & 255")
  math(EXPR _mic "${num} & 255")
  if(_min LESS 10)
    set(_min "0${_min}")
  endif()
  set(${out} "${_maj}.${_min}.${_mic}" PARENT_SCOPE)
endfunction()

# The version a Slurm tree's META file says ("Major: 22", "Minor: 05", "Micro: 8"), or "".
function(_tflops_slurm_source_version dir out)
  set(${out} "" PARENT_SCOPE)
  if(NOT EXISTS "${dir}/META" OR IS_DIRECTORY "${dir}/META")
    return()
  endif()
  file(STRINGS "${dir}/META" _meta)
  set(_v_maj "")
  set(_v_min "")
  set(_v_mic "")
  foreach(l IN LISTS _meta)
    if(l MATCHES "^[ \t]*Major:[ \t]*([0-9]+)")
      set(_v_maj ${CMAKE_MATCH_1})
    elseif(l MATCHES "^[ \t]*Minor:[ \t]*([0-9]+)")
      set(_v_min ${CMAKE_MATCH_1})
    elseif(l MATCHES "^[ \t]*Micro:[ \t]*([0-9]+)")
      set(_v_mic ${CMAKE_MATCH_1})
    endif()
  endforeach()
  if(NOT _v_maj STREQUAL "" AND NOT _v_min STREQUAL "" AND NOT _v_mic STREQUAL "")
    set(${out} "${_v_maj}.${_v_min}.${_v_mic}" PARENT_SCOPE)
  endif()
endfunction()

# ON when dir is a tree this module configured: META, config.h, slurm/slurm_version.h, and a
# .tflops-configured saying what the configure step writes there (META's version).
function(_tflops_slurm_ready dir out)
  set(${out} OFF PARENT_SCOPE)
  _tflops_slurm_source_version("${dir}" _v)
  if(_v STREQUAL "" OR NOT EXISTS "${dir}/config.h" OR NOT EXISTS "${dir}/slurm/slurm_version.h"
     OR NOT EXISTS "${dir}/.tflops-configured")
    return()
  endif()
  file(READ "${dir}/.tflops-configured" _marker)
  if(_marker STREQUAL "${_v}\n")
    set(${out} ON PARENT_SCOPE)
  endif()
endfunction()

# A failure: fatal for a source the user named (they asked for it), else the plugins are skipped.
# The message is the arguments after the first, joined.
function(_tflops_slurm_fail given)
  set(text "")
  math(EXPR _last "${ARGC} - 1")
  foreach(_i RANGE 1 ${_last})
    string(APPEND text "${ARGV${_i}}")
  endforeach()
  if(given)
    message(FATAL_ERROR "tflops: ${text}")
  endif()
  message(WARNING "tflops: skipping gres_plugin/ and select_plugin/: ${text}")
endfunction()

# One configure at a time works on a tree (the caller's scope holds the lock until it returns).
macro(_tflops_slurm_lock name)
  file(LOCK "${_cache}/.tflops-${name}.lock" GUARD FUNCTION TIMEOUT 900 RESULT_VARIABLE _lock_rc)
  if(NOT _lock_rc EQUAL 0)
    _tflops_slurm_fail("${_given}" "could not lock ${_cache}/.tflops-${name}.lock in 15 min (${_lock_rc}): "
                       "another configure is working on that Slurm tree, or the cache is not writable. "
                       "Fix: wait for it and configure again, or set -DTFLOPS_CACHE_DIR to another folder.")
    return()
  endif()
endmacro()

# Configures the unpacked or copied tree in part and renames it to tree; on failure removes part
# (ours) and sets out to what went wrong, with what was kept, else sets out to "".
function(_tflops_slurm_configure part tree ver kept out)
  set(${out} "" PARENT_SCOPE)
  file(REMOVE "${part}/.tflops-configured")   # a copied tree's marker is not ours to trust
  message(STATUS "tflops: configuring the Slurm ${ver} source in ${part} (once; a few minutes)")
  execute_process(COMMAND ./configure ${_tflops_slurm_configure_args}
                  WORKING_DIRECTORY "${part}" RESULT_VARIABLE _rc
                  OUTPUT_FILE "${part}/tflops-configure.log" ERROR_FILE "${part}/tflops-configure.log")
  if(NOT _rc EQUAL 0 OR NOT EXISTS "${part}/config.h" OR NOT EXISTS "${part}/slurm/slurm_version.h")
    set(_log "${CMAKE_BINARY_DIR}/tflops-slurm-${ver}-configure.log")
    set(_see "")
    if(EXISTS "${part}/tflops-configure.log")
      file(COPY_FILE "${part}/tflops-configure.log" "${_log}")
      set(_see ", see ${_log}")
    endif()
    file(REMOVE_RECURSE "${part}")
    string(JOIN " " _args ${_tflops_slurm_configure_args})
    string(CONCAT _text "./configure ${_args} of the Slurm ${ver} source failed (${_rc}${_see}); removed the "
           "unfinished tree ${part}${kept}. Fix: install what its log says is missing and configure again.")
    set(${out} "${_text}" PARENT_SCOPE)
    return()
  endif()
  file(WRITE "${part}/.tflops-configured" "${ver}\n")
  file(RENAME "${part}" "${tree}")
endfunction()

# The cache must be writable before anything is made in it.
macro(_tflops_slurm_need_cache)
  execute_process(COMMAND ${CMAKE_COMMAND} -E make_directory "${_cache}" RESULT_VARIABLE _rc ERROR_QUIET)
  if(_rc EQUAL 0)
    execute_process(COMMAND test -w "${_cache}" RESULT_VARIABLE _rc)
  endif()
  if(NOT _rc EQUAL 0)
    _tflops_slurm_fail("${_given}" "cannot write to the cache ${_cache} (TFLOPS_CACHE_DIR), where the Slurm "
                       "source is unpacked and configured. Fix: -DTFLOPS_CACHE_DIR=<a writable folder>, e.g. "
                       "$ENV{HOME}/.cache/tflops")
    return()
  endif()
endmacro()

# Sets out to the ready tree for TFLOPS_SLURM_SOURCE (unpacking, copying, fetching and configuring
# in the cache as needed), or to "" when the plugins are skipped (a warning said why).
function(_tflops_slurm_resolve out)
  set(${out} "" PARENT_SCOPE)
  set(_cache "${_tflops_slurm_cache}")
  set(_given "${TFLOPS_SLURM_SOURCE}")
  if(NOT _given STREQUAL "")
    get_filename_component(_given "${_given}" ABSOLUTE)
  endif()
  string(CONCAT _expected "Expected: a Slurm source tree (a folder with a META file), a Slurm tarball (.tar.gz, .tgz, "
      ".tar.bz2, .tar.xz, .tar) or a Debian .dsc with its tarballs beside it; or leave TFLOPS_SLURM_SOURCE "
      "empty to fetch the installed Slurm's Debian source.")
  # The cache's default tree named explicitly (builds before TFLOPS_CACHE_DIR kept it so) is the default.
  if(TFLOPS_SLURM_DAEMON_VERSION AND _given STREQUAL "${_cache}/slurm-${TFLOPS_SLURM_DAEMON_VERSION}")
    set(_given "")
  endif()

  if(_given STREQUAL "")
    # The installed Slurm's Debian source (with Debian's patches), fetched once into the cache.
    set(_ver ${TFLOPS_SLURM_DAEMON_VERSION})
    set(_tree "${_cache}/slurm-${_ver}")
    _tflops_slurm_ready("${_tree}" _ok)
    if(_ok)
      set(${out} "${_tree}" PARENT_SCOPE)
      return()
    endif()
    _tflops_slurm_need_cache()
    _tflops_slurm_lock(slurm-${_ver})  # the name earlier versions of this module locked
    _tflops_slurm_ready("${_tree}" _ok)
    if(_ok)  # made by the configure that held the lock
      set(${out} "${_tree}" PARENT_SCOPE)
      return()
    endif()
    set(_part "${_tree}.partial")
    file(REMOVE_RECURSE "${_part}")  # a killed configure's (we hold the lock)
    set(_dl "${_cache}/download-${_ver}")
    set(_kept "; kept the download in ${_dl} (reused next time; remove it to fetch again)")
    if(EXISTS "${_tree}")
      # Earlier versions of this module unpacked and configured in place: finish such a tree.
      if(NOT EXISTS "${_tree}/META")
        _tflops_slurm_fail("" "${_tree} is in the way: it is not a Slurm tree (no META). Fix: remove it "
                           "and configure again.")
        return()
      endif()
      message(STATUS "tflops: finishing the unconfigured Slurm tree ${_tree} (left by an earlier configure)")
      file(RENAME "${_tree}" "${_part}")
    else()
      file(MAKE_DIRECTORY "${_dl}")
      file(GLOB _dsc "${_dl}/slurm-wlm_${_ver}*.dsc")
      if(NOT _dsc)
        execute_process(COMMAND dpkg-query -W -f=\${Version} libslurm-dev
                        OUTPUT_VARIABLE _debver RESULT_VARIABLE _rc ERROR_QUIET)
        set(_pkg slurm-wlm)
        if(_rc EQUAL 0 AND _debver)
          set(_pkg "slurm-wlm=${_debver}")
        endif()
        message(STATUS "tflops: fetching the Slurm source: apt-get source --download-only ${_pkg} (into ${_dl})")
        execute_process(COMMAND apt-get source --download-only ${_pkg}
                        WORKING_DIRECTORY "${_dl}" RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_VARIABLE _err)
        if(NOT _rc EQUAL 0 AND NOT _pkg STREQUAL "slurm-wlm")
          # The exact Debian revision may be gone from the mirror (security rebuilds): any source of
          # the same upstream version will do, the check below compares versions.
          execute_process(COMMAND apt-get source --download-only slurm-wlm
                          WORKING_DIRECTORY "${_dl}" RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_VARIABLE _err)
        endif()
        file(GLOB _dsc "${_dl}/slurm-wlm_*.dsc")
        if(NOT _dsc)
          string(STRIP "${_err}" _err)
          _tflops_slurm_fail("" "could not fetch the Slurm ${_ver} source into ${_dl} (needs dpkg-dev and a "
                             "deb-src entry for Debian main, see contrib/install-deps.sh): ${_err}. Or pass "
                             "-DTFLOPS_SLURM_SOURCE=<a slurm-${_ver} tree, tarball or .dsc>.")
          return()
        endif()
      endif()
      list(GET _dsc -1 _dsc)
      message(STATUS "tflops: unpacking ${_dsc} into ${_part}")
      # --no-copy: nothing beside the tree (dpkg-source would copy the .orig tarballs there).
      execute_process(COMMAND dpkg-source --no-check --no-copy -x "${_dsc}" "${_part}"
                      WORKING_DIRECTORY "${_cache}" RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_VARIABLE _err)
      if(NOT _rc EQUAL 0 OR NOT EXISTS "${_part}/META")
        file(REMOVE_RECURSE "${_part}")
        string(STRIP "${_err}" _err)
        _tflops_slurm_fail("" "dpkg-source -x ${_dsc} failed (${_rc}): ${_err}${_kept}")
        return()
      endif()
    endif()
    _tflops_slurm_source_version("${_part}" _srcver)
    if(NOT _srcver STREQUAL _ver)
      file(REMOVE_RECURSE "${_part}")
      _tflops_slurm_fail("" "the fetched Slurm source is version '${_srcver}', not the installed ${_ver} "
                         "(the mirror no longer has it); removed its tree ${_part}${_kept}. Fix: pass "
                         "-DTFLOPS_SLURM_SOURCE=<a slurm-${_ver} tarball or .dsc>.")
      return()
    endif()
    _tflops_slurm_configure("${_part}" "${_tree}" "${_ver}" "${_kept}" _err)
    if(_err)
      _tflops_slurm_fail("" "${_err}")
      return()
    endif()
    set(${out} "${_tree}" PARENT_SCOPE)
    return()
  endif()

  # A source the user named: only read.
  if(NOT EXISTS "${_given}")
    message(FATAL_ERROR "tflops: TFLOPS_SLURM_SOURCE names ${_given}, which does not exist. ${_expected}")
  endif()
  set(_kept "; ${_given} was only read")
  if(IS_DIRECTORY "${_given}")
    _tflops_slurm_source_version("${_given}" _ver)
    if(_ver STREQUAL "")
      set(_hint "")
      file(GLOB _sub "${_given}/*/META")
      if(_sub)
        list(GET _sub 0 _sub)
        get_filename_component(_sub "${_sub}" DIRECTORY)
        set(_hint " It holds ${_sub}: did you mean that?")
      endif()
      message(FATAL_ERROR "tflops: TFLOPS_SLURM_SOURCE names ${_given}, which is not a Slurm source tree "
              "(no META file saying Major, Minor and Micro).${_hint} ${_expected}")
    endif()
    _tflops_slurm_ready("${_given}" _ok)
    if(_ok)  # configured by this module: used in place, only read
      set(${out} "${_given}" PARENT_SCOPE)
      return()
    endif()
    string(SHA256 _hash "${_given}")
    string(SUBSTRING "${_hash}" 0 8 _hash)
    set(_tree "${_cache}/slurm-${_ver}-${_hash}")
    _tflops_slurm_ready("${_tree}" _ok)
    if(NOT _ok)
      _tflops_slurm_need_cache()
      _tflops_slurm_lock(slurm-${_ver}-${_hash})
      _tflops_slurm_ready("${_tree}" _ok)
    endif()
    if(_ok)
      message(STATUS "tflops: using ${_tree}, the copy of ${_given} made earlier (remove it to copy again)")
      set(${out} "${_tree}" PARENT_SCOPE)
      return()
    endif()
    set(_part "${_tree}.partial")
    file(REMOVE_RECURSE "${_part}" "${_tree}")  # ours, unfinished (we hold the lock)
    message(STATUS "tflops: copying the Slurm ${_ver} tree ${_given} into ${_part}")
    file(MAKE_DIRECTORY "${_part}")
    execute_process(COMMAND cp -a "${_given}/." "${_part}/" RESULT_VARIABLE _rc ERROR_VARIABLE _err)
    if(_rc EQUAL 0)  # a read-only tree's copy must take config.h
      execute_process(COMMAND chmod -R u+w "${_part}" RESULT_VARIABLE _rc ERROR_VARIABLE _err)
    endif()
    if(NOT _rc EQUAL 0)
      file(REMOVE_RECURSE "${_part}")
      string(STRIP "${_err}" _err)
      message(FATAL_ERROR "tflops: copying ${_given} into ${_part} failed: ${_err}; removed the partial copy${_kept}.")
    endif()
    _tflops_slurm_configure("${_part}" "${_tree}" "${_ver}" "${_kept}" _err)
    if(_err)
      _tflops_slurm_fail("${_given}" "${_err}")
    endif()
    set(${out} "${_tree}" PARENT_SCOPE)
    return()
  endif()

  # A tarball or a .dsc: unpacked into the cache, keyed by the file's contents.
  if(_given MATCHES "\\.(tar\\.gz|tgz|tar\\.bz2|tbz2|tar\\.xz|txz|tar)$")
    set(_how tar)
    set(_what tarball)
  elseif(_given MATCHES "\\.dsc$")
    set(_how dsc)
    set(_what package)
    find_program(TFLOPS_DPKG_SOURCE dpkg-source)
    if(NOT TFLOPS_DPKG_SOURCE)
      message(FATAL_ERROR "tflops: TFLOPS_SLURM_SOURCE names the .dsc ${_given}, but dpkg-source is not "
              "installed. Fix: apt-get install dpkg-dev, or pass the upstream tarball instead.")
    endif()
  else()
    message(FATAL_ERROR "tflops: TFLOPS_SLURM_SOURCE names ${_given}, which is neither a Slurm source tree, "
            "a tarball nor a .dsc (by its name). ${_expected}")
  endif()
  file(SHA256 "${_given}" _hash)
  string(SUBSTRING "${_hash}" 0 8 _hash)
  foreach(_round 1 2)  # before and after taking the lock
    file(GLOB _trees LIST_DIRECTORIES true "${_cache}/slurm-*-${_hash}")
    foreach(_t IN LISTS _trees)
      _tflops_slurm_ready("${_t}" _ok)
      if(_ok)
        set(${out} "${_t}" PARENT_SCOPE)
        return()
      endif()
    endforeach()
    if(_round EQUAL 1)
      _tflops_slurm_need_cache()
      _tflops_slurm_lock(source-${_hash})
    endif()
  endforeach()

  get_filename_component(_name "${_given}" NAME)
  set(_tmp "${_cache}/unpack-${_hash}.partial")
  file(REMOVE_RECURSE "${_tmp}")  # a killed configure's (we hold the lock)
  file(MAKE_DIRECTORY "${_tmp}")
  message(STATUS "tflops: unpacking ${_given} into ${_tmp}")
  if(_how STREQUAL "tar")
    execute_process(COMMAND ${CMAKE_COMMAND} -E tar xf "${_given}"
                    WORKING_DIRECTORY "${_tmp}" RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_VARIABLE _err)
    file(GLOB _top LIST_DIRECTORIES true "${_tmp}/*")
  else()
    # --no-copy: nothing beside the tree (dpkg-source would copy the .orig tarballs there).
    execute_process(COMMAND ${TFLOPS_DPKG_SOURCE} --no-check --no-copy -x "${_given}" "${_tmp}/source"
                    WORKING_DIRECTORY "${_tmp}" RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_VARIABLE _err)
    set(_top "${_tmp}/source")
  endif()
  string(REGEX REPLACE "[ \t\r\n]+" " " _err "${_err}")
  string(STRIP "${_err}" _err)
  list(LENGTH _top _n)
  set(_ver "")
  if(_n EQUAL 1)
    _tflops_slurm_source_version("${_top}" _ver)
  endif()
  if(NOT _rc EQUAL 0 OR _ver STREQUAL "")
    file(REMOVE_RECURSE "${_tmp}")
    if(NOT _rc EQUAL 0)
      set(_why "unpacking it failed (${_rc}): ${_err}")
    else()
      set(_why "it does not hold a single top folder with a META file saying Major, Minor and Micro")
    endif()
    message(FATAL_ERROR "tflops: TFLOPS_SLURM_SOURCE names ${_given}, which is not a Slurm source "
            "${_what}: ${_why}; removed what was unpacked (${_tmp})${_kept}. ${_expected}")
  endif()
  set(_tree "${_cache}/slurm-${_ver}-${_hash}")
  set(_part "${_tree}.partial")
  file(REMOVE_RECURSE "${_part}" "${_tree}")  # ours, unfinished (we hold the lock)
  file(RENAME "${_top}" "${_part}")
  file(REMOVE_RECURSE "${_tmp}")
  _tflops_slurm_configure("${_part}" "${_tree}" "${_ver}" "${_kept}" _err)
  if(_err)
    _tflops_slurm_fail("${_given}" "${_err}")
  endif()
  set(${out} "${_tree}" PARENT_SCOPE)
endfunction()

# The installed daemons' version, from the public header.
_tflops_slurm_header_number("${TFLOPS_SLURM_VERSION_HEADER}" _tflops_daemon_number)
_tflops_slurm_number_version("${_tflops_daemon_number}" TFLOPS_SLURM_DAEMON_VERSION)
if(TFLOPS_SLURM_SOURCE STREQUAL "" AND TFLOPS_SLURM_DAEMON_VERSION STREQUAL "")
  message(STATUS "tflops: skipping gres_plugin/: Slurm headers not found (${TFLOPS_SLURM_VERSION_HEADER}; "
          "install libslurm-dev, or name a Slurm source with -DTFLOPS_SLURM_SOURCE)")
  return()
endif()

# The cache: /var/cache/tflops when this user may write there (or it holds the ready default tree,
# made by root, e.g. contrib/install-deps.sh: read it), else ~/.cache/tflops.
if(NOT "$ENV{HOME}" STREQUAL "")
  set(_default_root "$ENV{HOME}/.cache/tflops")
else()
  set(_default_root "${CMAKE_BINARY_DIR}/tflops-cache")
endif()
if(TFLOPS_SLURM_DAEMON_VERSION AND EXISTS /var/cache/tflops/slurm-${TFLOPS_SLURM_DAEMON_VERSION}/.tflops-configured)
  set(_default_root /var/cache/tflops)
endif()
foreach(_cand /var/cache/tflops /var/cache)
  if(IS_DIRECTORY ${_cand})
    execute_process(COMMAND test -w ${_cand} RESULT_VARIABLE _rc)
    if(_rc EQUAL 0)
      set(_default_root /var/cache/tflops)
    endif()
    break()
  endif()
endforeach()
set(TFLOPS_CACHE_DIR "${_default_root}" CACHE PATH
    "Where the build keeps Slurm sources it downloads, unpacks and configures (it writes nowhere else)")
get_filename_component(_tflops_slurm_cache "${TFLOPS_CACHE_DIR}" ABSOLUTE)

_tflops_slurm_resolve(_src)
if(NOT _src)
  return()
endif()

# The source's version: its META and its configured slurm/slurm_version.h must agree.
_tflops_slurm_source_version("${_src}" _srcver)
_tflops_slurm_header_number("${_src}/slurm/slurm_version.h" _srcnum)
_tflops_slurm_number_version("${_srcnum}" _srcnumver)
if(NOT _srcnumver STREQUAL _srcver)
  message(FATAL_ERROR "tflops: the Slurm tree ${_src} is inconsistent: META says '${_srcver}' but its "
          "slurm/slurm_version.h says SLURM_VERSION_NUMBER '${_srcnum}' ('${_srcnumver}'). Fix: remove "
          "${_src} if it is in ${_tflops_slurm_cache} (configure makes it again), else point "
          "-DTFLOPS_SLURM_SOURCE at an unconfigured tree or its tarball.")
endif()
if(TFLOPS_SLURM_DAEMON_VERSION AND NOT TFLOPS_SLURM_DAEMON_VERSION STREQUAL _srcver)
  message(WARNING "tflops: building the Slurm plugins for Slurm ${_srcver} (the source ${_src}), but the "
          "installed Slurm (${TFLOPS_SLURM_VERSION_HEADER}) is ${TFLOPS_SLURM_DAEMON_VERSION}: the plugins "
          "will load only into Slurm ${_srcver} daemons, not into the ones installed here.")
endif()

set(TFLOPS_SLURM_VERSION "${_srcver}")
set(TFLOPS_SLURM_VERSION_NUMBER "${_srcnum}")
set(TFLOPS_SLURM_SOURCE "${_src}")
set(TFLOPS_SLURM_INCLUDE_DIRS ${_src} ${_src}/slurm ${_src}/src/common)
if(CMAKE_LIBRARY_ARCHITECTURE)
  set(TFLOPS_SLURM_PLUGIN_DIR /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/slurm-wlm)
else()
  set(TFLOPS_SLURM_PLUGIN_DIR /usr/lib/x86_64-linux-gnu/slurm-wlm)
endif()
set(TFLOPS_SLURM_FOUND ON)
message(STATUS "tflops: Slurm ${TFLOPS_SLURM_VERSION} source in ${_src}")

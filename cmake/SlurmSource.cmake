# SlurmSource.cmake: the configured source tree of the installed Slurm, for out-of-tree plugins.
#
# Slurm's GRES and select plugin interfaces live in internal headers (src/common/gres.h, ...)
# that no Debian package ships, so the plugins build against the Debian source package of the
# exact Slurm whose daemons load them (a plugin loads only into the same major.minor.micro).
#
# Result variables:
#   TFLOPS_SLURM_FOUND          ON when a configured source tree matching the installed Slurm exists
#   TFLOPS_SLURM_VERSION        e.g. 22.05.8 (from /usr/include/slurm/slurm_version.h)
#   TFLOPS_SLURM_VERSION_NUMBER e.g. 0x160508
#   TFLOPS_SLURM_SOURCE         the source tree (configured in place)
#   TFLOPS_SLURM_INCLUDE_DIRS   what a plugin adds to its include path
#   TFLOPS_SLURM_PLUGIN_DIR     Debian's PluginDir (/usr/lib/<multiarch>/slurm-wlm)
#
# Cache variables an admin may set:
#   TFLOPS_SLURM_SOURCE=DIR     where the source lives (default /var/cache/tflops/slurm-<version>,
#                               or ~/.cache/tflops/slurm-<version> when /var/cache is not writable).
#                               A DIR that already holds an unpacked Slurm tree is used as is.
#   TFLOPS_SLURM_VERSION_HEADER=FILE  the installed slurm_version.h (default /usr/include/slurm/...)
#   TFLOPS_SLURM_DSC=FILE       a downloaded slurm-wlm_*.dsc (with its tarballs beside it) to unpack
#                               instead of running `apt-get source` (offline builds).
#
# Fetching needs dpkg-dev and a deb-src entry for Debian's main archive; it happens once, the
# unpacked and configured tree is cached outside the build directory and reused by every build.

set(TFLOPS_SLURM_FOUND OFF)
set(TFLOPS_SLURM_VERSION_HEADER /usr/include/slurm/slurm_version.h CACHE FILEPATH
    "The installed Slurm's slurm_version.h (libslurm-dev); gres_plugin/ is skipped without it")
set(_tflops_slurm_header ${TFLOPS_SLURM_VERSION_HEADER})
if(NOT EXISTS ${_tflops_slurm_header})
  message(STATUS "tflops: skipping gres_plugin/: Slurm headers not found (${_tflops_slurm_header}; install libslurm-dev)")
  return()
endif()

# The installed version, from the public header.
file(STRINGS ${_tflops_slurm_header} _line REGEX "^#define SLURM_VERSION_NUMBER +0x[0-9a-fA-F]+")
string(REGEX REPLACE ".*(0x[0-9a-fA-F]+).*" "\\1" TFLOPS_SLURM_VERSION_NUMBER "${_line}")
math(EXPR _maj "(${TFLOPS_SLURM_VERSION_NUMBER} >> 16) & 255")
math(EXPR _min "(${TFLOPS_SLURM_VERSION_NUMBER} >> 8) & 255")
math(EXPR _mic "${TFLOPS_SLURM_VERSION_NUMBER} & 255")
if(_min LESS 10)
  set(_min "0${_min}")
endif()
set(TFLOPS_SLURM_VERSION "${_maj}.${_min}.${_mic}")

# The source's version: the META file of a Slurm tree ("Major: 22", "Minor: 05", "Micro: 8").
function(_tflops_slurm_source_version dir out)
  set(${out} "" PARENT_SCOPE)
  if(NOT EXISTS ${dir}/META)
    return()
  endif()
  file(STRINGS ${dir}/META _meta)
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
  set(${out} "${_v_maj}.${_v_min}.${_v_mic}" PARENT_SCOPE)
endfunction()

# The default cache: /var/cache/tflops when this user may write there, else ~/.cache/tflops.
set(_default_root "$ENV{HOME}/.cache/tflops")
if(EXISTS /var/cache/tflops/slurm-${TFLOPS_SLURM_VERSION}/.tflops-configured)
  set(_default_root /var/cache/tflops)  # ready (made by root, e.g. contrib/install-deps.sh): read it
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
set(TFLOPS_SLURM_SOURCE "${_default_root}/slurm-${TFLOPS_SLURM_VERSION}" CACHE PATH
    "Source tree of the installed Slurm (fetched, unpacked and configured once when absent)")
set(TFLOPS_SLURM_DSC "" CACHE FILEPATH "A downloaded slurm-wlm .dsc to unpack instead of apt-get source")
set(_src ${TFLOPS_SLURM_SOURCE})

get_filename_component(_parent ${_src} DIRECTORY)
set(_need_work OFF)
if(NOT EXISTS ${_src}/META OR NOT EXISTS ${_src}/.tflops-configured)
  set(_need_work ON)
  # One configure at a time fetches and configures; a ready tree is only read (no lock needed).
  file(MAKE_DIRECTORY ${_parent})
  file(LOCK ${_parent}/.tflops-slurm-${TFLOPS_SLURM_VERSION}.lock GUARD FILE TIMEOUT 900 RESULT_VARIABLE _lock)
endif()

# 1. Unpack the Debian source package (with Debian's patches) unless a tree is already there.
if(NOT EXISTS ${_src}/META)
  set(_dl ${_parent}/download-${TFLOPS_SLURM_VERSION})
  file(MAKE_DIRECTORY ${_dl})
  set(_dsc "${TFLOPS_SLURM_DSC}")
  if(NOT _dsc)
    file(GLOB _dsc ${_dl}/slurm-wlm_${TFLOPS_SLURM_VERSION}*.dsc)
  endif()
  if(NOT _dsc)
    execute_process(COMMAND dpkg-query -W -f=\${Version} libslurm-dev
                    OUTPUT_VARIABLE _debver RESULT_VARIABLE _rc ERROR_QUIET)
    set(_pkg slurm-wlm)
    if(_rc EQUAL 0 AND _debver)
      set(_pkg "slurm-wlm=${_debver}")
    endif()
    message(STATUS "tflops: fetching the Slurm source: apt-get source --download-only ${_pkg} (into ${_dl})")
    execute_process(COMMAND apt-get source --download-only ${_pkg}
                    WORKING_DIRECTORY ${_dl} RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_VARIABLE _err)
    if(NOT _rc EQUAL 0 AND NOT _pkg STREQUAL "slurm-wlm")
      # The exact Debian revision may be gone from the mirror (security rebuilds): any source of
      # the same upstream version will do, the check below compares versions.
      execute_process(COMMAND apt-get source --download-only slurm-wlm
                      WORKING_DIRECTORY ${_dl} RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_VARIABLE _err)
    endif()
    file(GLOB _dsc ${_dl}/slurm-wlm_*.dsc)
    if(NOT _dsc)
      message(WARNING "tflops: skipping gres_plugin/: could not fetch the Slurm ${TFLOPS_SLURM_VERSION} source "
              "(needs dpkg-dev and a deb-src entry for Debian main, see contrib/install-deps.sh): ${_err}"
              "Or pass -DTFLOPS_SLURM_SOURCE=<unpacked slurm-${TFLOPS_SLURM_VERSION} tree> or -DTFLOPS_SLURM_DSC=<file.dsc>.")
      return()
    endif()
  endif()
  list(GET _dsc -1 _dsc)
  message(STATUS "tflops: unpacking ${_dsc} into ${_src}")
  execute_process(COMMAND dpkg-source --no-check -x ${_dsc} ${_src}
                  RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0 OR NOT EXISTS ${_src}/META)
    message(WARNING "tflops: skipping gres_plugin/: dpkg-source -x ${_dsc} failed: ${_err}")
    file(REMOVE_RECURSE ${_src})
    return()
  endif()
endif()

# 2. Same version as the installed daemons, or no plugin can load.
_tflops_slurm_source_version(${_src} _srcver)
if(NOT _srcver STREQUAL TFLOPS_SLURM_VERSION)
  message(FATAL_ERROR "tflops: Slurm source/daemon version mismatch: the source in ${_src} is Slurm "
          "'${_srcver}' but the installed Slurm (${_tflops_slurm_header}) is ${TFLOPS_SLURM_VERSION} "
          "(SLURM_VERSION_NUMBER ${TFLOPS_SLURM_VERSION_NUMBER}); a plugin loads only into the exact "
          "version it was built against. Fix: point -DTFLOPS_SLURM_SOURCE at a ${TFLOPS_SLURM_VERSION} "
          "tree, or remove ${_src} to fetch it again.")
endif()

# 3. Configure it once, the way debian/rules does (config.h with USE_ALIAS, slurm_version.h).
if(NOT EXISTS ${_src}/.tflops-configured)
  message(STATUS "tflops: configuring the Slurm ${_srcver} source in ${_src} (once, ~30 s)")
  execute_process(COMMAND ./configure --prefix=/usr --sysconfdir=/etc/slurm --enable-multiple-slurmd --disable-debug
                  WORKING_DIRECTORY ${_src} RESULT_VARIABLE _rc
                  OUTPUT_FILE ${_src}/tflops-configure.log ERROR_FILE ${_src}/tflops-configure.log)
  if(NOT _rc EQUAL 0 OR NOT EXISTS ${_src}/config.h)
    message(WARNING "tflops: skipping gres_plugin/: ./configure of ${_src} failed, see ${_src}/tflops-configure.log")
    return()
  endif()
  file(WRITE ${_src}/.tflops-configured "${_srcver}\n")
endif()
if(_need_work)
  file(LOCK ${_parent}/.tflops-slurm-${TFLOPS_SLURM_VERSION}.lock RELEASE)
endif()

# The configured header must say the same as the installed one.
file(STRINGS ${_src}/slurm/slurm_version.h _line REGEX "^#define SLURM_VERSION_NUMBER +0x[0-9a-fA-F]+")
string(REGEX REPLACE ".*(0x[0-9a-fA-F]+).*" "\\1" _srcnum "${_line}")
string(TOLOWER "${_srcnum}" _srcnum)
string(TOLOWER "${TFLOPS_SLURM_VERSION_NUMBER}" _instnum)
if(NOT _srcnum STREQUAL _instnum)
  message(FATAL_ERROR "tflops: Slurm source/daemon version mismatch: ${_src}/slurm/slurm_version.h says "
          "SLURM_VERSION_NUMBER '${_srcnum}' but ${_tflops_slurm_header} says ${_instnum}. Fix: remove ${_src} "
          "(or point -DTFLOPS_SLURM_SOURCE elsewhere) and configure again.")
endif()

set(TFLOPS_SLURM_INCLUDE_DIRS ${_src} ${_src}/slurm ${_src}/src/common)
if(CMAKE_LIBRARY_ARCHITECTURE)
  set(TFLOPS_SLURM_PLUGIN_DIR /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/slurm-wlm)
else()
  set(TFLOPS_SLURM_PLUGIN_DIR /usr/lib/x86_64-linux-gnu/slurm-wlm)
endif()
set(TFLOPS_SLURM_FOUND ON)
message(STATUS "tflops: Slurm ${TFLOPS_SLURM_VERSION} source in ${_src}")

# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package an admin installs on every node: `cpack -G DEB` in a build directory makes
# tflops-slurm-<major.minor>_<version>_<arch>.deb (tflops_... when no Slurm plugin was built) with
# tflopsctl, tflops-gres-lines, the Slurm plugins (into Slurm's PluginDir), the man pages, the
# copyright file and the example configuration. One package per Slurm release, since a plugin
# loads only into the Slurm it was built against: each provides, conflicts with and replaces
# `tflops`, so that a node holds one.
#
# The plugin is installed by absolute path (Slurm's PluginDir), so packaging installs into a
# staging DESTDIR (CPACK_SET_DESTDIR) rather than rewriting the prefix.

install(FILES
    ${PROJECT_SOURCE_DIR}/contrib/examples/tflops.conf
    ${PROJECT_SOURCE_DIR}/contrib/examples/slurm.conf
    ${PROJECT_SOURCE_DIR}/contrib/examples/gres.conf
    ${PROJECT_SOURCE_DIR}/doc/job-environment.md
  DESTINATION share/doc/tflops/examples)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tflops)
if(TFLOPS_SLURM_FOUND)
  string(REGEX MATCH "^[0-9]+\\.[0-9]+" _series "${TFLOPS_SLURM_VERSION}")
  set(CPACK_PACKAGE_NAME tflops-slurm-${_series})
  set(CPACK_DEBIAN_PACKAGE_PROVIDES tflops)
  set(CPACK_DEBIAN_PACKAGE_CONFLICTS tflops)
  set(CPACK_DEBIAN_PACKAGE_REPLACES tflops)
endif()
# The licence (Debian policy: /usr/share/doc/<package>/copyright, in DEP-5 format) and the man pages.
install(FILES ${PROJECT_SOURCE_DIR}/contrib/debian/copyright DESTINATION share/doc/${CPACK_PACKAGE_NAME})
file(GLOB _man1 ${PROJECT_SOURCE_DIR}/man/*.1)  # tflopsctl(1) and one page per command
install(FILES ${_man1} DESTINATION share/man/man1)
install(FILES ${PROJECT_SOURCE_DIR}/man/tflops.conf.5 DESTINATION share/man/man5)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "TFLOPS blocks for Slurm clusters with mixed GPU, NPU and FPGA cards")
set(CPACK_PACKAGE_CONTACT "tflops maintainers <root@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)  # the prefix CPACK_SET_DESTDIR installs under
set(CPACK_SET_DESTDIR ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
# Listed rather than found by dpkg-shlibdeps: gres_tflops.so's Slurm symbols come from the daemon
# that loads it, which dpkg-shlibdeps would report as unresolved.
# tflops_deb_package_of(VAR FILE): the Debian package that holds FILE's real path (the runtime
# library behind a -dev symlink), as dpkg-query -S names it; empty where no package does (a Slurm
# built from source). The names differ between Debian releases (libslurm42t64 in Debian 13).
function(tflops_deb_package_of var file)
  get_filename_component(_real "${file}" REALPATH)
  execute_process(COMMAND dpkg-query -S "${_real}" OUTPUT_VARIABLE _owner ERROR_QUIET
                  OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
  set(_package "")
  if(_rc EQUAL 0 AND _owner MATCHES "^([^:,]+)")
    set(_package "${CMAKE_MATCH_1}")
  endif()
  set(${var} "${_package}" PARENT_SCOPE)
endfunction()
set(_depends "libc6, libstdc++6, libgcc-s1")
if(Boost_PROGRAM_OPTIONS_FOUND)
  tflops_deb_package_of(_boost "${Boost_PROGRAM_OPTIONS_LIBRARY_RELEASE}")
  if(NOT _boost)  # Boost not from a package: the name Debian gives that version's library
    set(_boost "libboost-program-options${Boost_VERSION_MAJOR}.${Boost_VERSION_MINOR}.0")
  endif()
  string(APPEND _depends ", ${_boost}")
endif()
if(TFLOPS_SLURM_FOUND)
  # Slurm loads a plugin only into the micro release it was built for (plugin_version).
  string(REGEX MATCH "^([0-9]+)\\.([0-9]+)\\.([0-9]+)" _ "${TFLOPS_SLURM_VERSION}")
  math(EXPR _next_micro "${CMAKE_MATCH_3} + 1")
  string(APPEND _depends ", slurm-wlm-basic-plugins (>= ${TFLOPS_SLURM_VERSION})"
                         ", slurm-wlm-basic-plugins (<< ${CMAKE_MATCH_1}.${CMAKE_MATCH_2}.${_next_micro})")
endif()
# What tflopsctl links besides: the HAL's libraries (`tflopsctl devices`) and libslurm (`--live`).
if(TARGET tflops_hal)
  string(APPEND _depends ", libhwloc15, libopenblas0")
  if(TFLOPS_HAL_OPENCL)
    string(APPEND _depends ", ocl-icd-libopencl1, libclblast1")
  endif()
endif()
if(TFLOPS_LIBSLURM_LIBRARY)
  tflops_deb_package_of(_libslurm_package "${TFLOPS_LIBSLURM_LIBRARY}")
  get_filename_component(_libslurm "${TFLOPS_LIBSLURM_LIBRARY}" REALPATH)
  if(_libslurm_package)
    string(APPEND _depends ", ${_libslurm_package}")
  elseif(_libslurm MATCHES "libslurm\\.so\\.([0-9]+)")
    string(APPEND _depends ", libslurm${CMAKE_MATCH_1}")
  endif()
endif()
if(TFLOPS_PYTHON_DEPENDS)  # the Python package (python/); tflops.torch runs on Debian's torch
  string(APPEND _depends ", ${TFLOPS_PYTHON_DEPENDS}")
  set(CPACK_DEBIAN_PACKAGE_SUGGESTS python3-torch)
endif()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${_depends}")
include(CPack)

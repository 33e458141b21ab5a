// SPDX-License-Identifier: GPL-2.0-or-later
#include "cons_tres.h"

#include <dlfcn.h>
#include <unistd.h>

#include <sstream>
#include <string>

namespace tflops::select {

compat::SelectOps cons_tres;

namespace {

constexpr const char kPrefix[] = "select/cons_tres_tflops: ";
// A select plugin's symbols, in the table's order (Slurm's select.c has the same list, but only
// libslurmfull exports it: programs linked with the public libslurm load select plugins too, and
// must be able to load this one).
constexpr auto& kSymbols = compat::kSelectSymbols;
constexpr int kSymbolCount = sizeof(kSymbols) / sizeof(kSymbols[0]);
static_assert(kSymbolCount * sizeof(void*) == sizeof(compat::SelectOps),
              "the select table and its symbol list disagree (slurm_common/compat)");

using Hook = int (*)(void);
Hook g_fini = nullptr;  // set when this plugin ran cons_tres's init

std::string find_in_plugin_dirs(const char* file) {
  std::stringstream dirs(slurm_conf.plugindir ? slurm_conf.plugindir : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string path = dir + "/" + file;
    if (access(path.c_str(), R_OK) == 0) return path;
  }
  return "";
}

}  // namespace

int load_cons_tres() {
  const std::string path = find_in_plugin_dirs("select_cons_tres.so");
  if (path.empty()) {
    error("%sselect_cons_tres.so is in no PluginDir entry (%s); install slurm-wlm-basic-plugins", kPrefix,
          slurm_conf.plugindir ? slurm_conf.plugindir : "unset");
    return SLURM_ERROR;
  }
  const bool loaded_by_slurm = dlopen(path.c_str(), RTLD_LAZY | RTLD_NOLOAD) != nullptr;
  // RTLD_LOCAL: cons_tres's globals stay its own; in slurmctld this returns the loaded instance.
  void* handle = dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);
  if (!handle) {
    error("%scannot load %s: %s", kPrefix, path.c_str(), dlerror());
    return SLURM_ERROR;
  }
  void** slots = reinterpret_cast<void**>(&cons_tres);
  for (int i = 0; i < kSymbolCount; ++i) {
    slots[i] = dlsym(handle, kSymbols[i]);
    if (!slots[i]) {
      error("%s%s lacks %s: is it Slurm %s's cons_tres?", kPrefix, path.c_str(), kSymbols[i],
            SLURM_VERSION_STRING);
      return SLURM_ERROR;
    }
  }
  if (!loaded_by_slurm) {
    auto init = reinterpret_cast<Hook>(dlsym(handle, "init"));
    g_fini = reinterpret_cast<Hook>(dlsym(handle, "fini"));
    if (init && init() != SLURM_SUCCESS) {
      error("%s%s: init failed", kPrefix, path.c_str());
      return SLURM_ERROR;
    }
  }
  return SLURM_SUCCESS;
}

void unload_cons_tres() {
  if (g_fini) g_fini();
  g_fini = nullptr;
}

}  // namespace tflops::select

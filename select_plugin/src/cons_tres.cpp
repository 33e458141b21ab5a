#include "cons_tres.h"

#include <dlfcn.h>
#include <unistd.h>

#include <sstream>
#include <string>


namespace tflops::select {

slurm_select_ops_t cons_tres;

namespace {

constexpr const char kPrefix[] = "select/cons_tres_tflops: ";
// A select plugin's symbols, in slurm_select_ops_t's order (Slurm's select.c has the same list,
// but only libslurmfull exports it: programs linked with the public libslurm load select plugins
// too, and must be able to load this one).
constexpr const char* kSymbols[] = {
    "plugin_id",
    "select_p_state_save",
    "select_p_state_restore",
    "select_p_job_init",
    "select_p_node_init",
    "select_p_job_test",
    "select_p_job_begin",
    "select_p_job_ready",
    "select_p_job_expand",
    "select_p_job_resized",
    "select_p_job_signal",
    "select_p_job_fini",
    "select_p_job_suspend",
    "select_p_job_resume",
    "select_p_step_pick_nodes",
    "select_p_step_start",
    "select_p_step_finish",
    "select_p_select_nodeinfo_pack",
    "select_p_select_nodeinfo_unpack",
    "select_p_select_nodeinfo_alloc",
    "select_p_select_nodeinfo_free",
    "select_p_select_nodeinfo_set_all",
    "select_p_select_nodeinfo_set",
    "select_p_select_nodeinfo_get",
    "select_p_select_jobinfo_alloc",
    "select_p_select_jobinfo_free",
    "select_p_select_jobinfo_set",
    "select_p_select_jobinfo_get",
    "select_p_select_jobinfo_copy",
    "select_p_select_jobinfo_pack",
    "select_p_select_jobinfo_unpack",
    "select_p_select_jobinfo_sprint",
    "select_p_select_jobinfo_xstrdup",
    "select_p_get_info_from_plugin",
    "select_p_update_node_config",
    "select_p_reconfigure",
    "select_p_resv_test",
};
constexpr int kSymbolCount = sizeof(kSymbols) / sizeof(kSymbols[0]);
static_assert(kSymbolCount * sizeof(void*) == sizeof(slurm_select_ops_t),
              "slurm_select_ops_t changed: update kSymbols");

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
    error("%sselect_cons_tres.so is in no PluginDir entry (%s); install slurm-wlm-basic-plugins",
          kPrefix, slurm_conf.plugindir ? slurm_conf.plugindir : "unset");
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
      error("%s%s lacks %s: is it Slurm %s's cons_tres?", kPrefix, path.c_str(),
            kSymbols[i], SLURM_VERSION_STRING);
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

// SPDX-License-Identifier: GPL-2.0-or-later
#include "backend.h"

#include <dlfcn.h>

#include <cstdlib>

namespace tflops::hal::detail {

namespace {

std::string& cuda_error() {
  static std::string error;
  return error;
}

#ifdef TFLOPS_HAL_CUDA_BUILD_MODULE
// $TFLOPS_HAL_CUDA_MODULE, else the build tree's module, else the installed one.
const BackendOps* load_cuda_module() {
  static const BackendOps* const ops = []() -> const BackendOps* {
    const char* env = std::getenv("TFLOPS_HAL_CUDA_MODULE");
    std::string errors;
    for (const char* path : {env, TFLOPS_HAL_CUDA_BUILD_MODULE, TFLOPS_HAL_CUDA_INSTALLED_MODULE}) {
      if (!path || !*path) continue;
      void* module = ::dlopen(path, RTLD_NOW | RTLD_LOCAL);
      if (!module) {
        errors += std::string(errors.empty() ? "" : "; ") + ::dlerror();
        continue;
      }
      auto* entry = reinterpret_cast<decltype(&tflops_hal_cuda_backend)>(
          ::dlsym(module, "tflops_hal_cuda_backend"));
      if (entry) return new BackendOps(entry());  // lives as long as the process
      errors += std::string("; ") + path + ": no tflops_hal_cuda_backend";
    }
    cuda_error() = errors;
    return nullptr;
  }();
  return ops;
}
#endif

}  // namespace

std::string cuda_module_error() { return cuda_error(); }

const std::vector<BackendOps>& compiled_backends() {
  static const std::vector<BackendOps> backends = [] {
    std::vector<BackendOps> list{host_backend()};
#ifdef TFLOPS_HAL_OPENCL
    list.push_back(opencl_backend());
#endif
#ifdef TFLOPS_HAL_CUDA_BUILD_MODULE
    if (const BackendOps* cuda = load_cuda_module()) list.push_back(*cuda);
#endif
    return list;
  }();
  return backends;
}

const BackendOps* find_backend(Backend id) {
  for (const BackendOps& ops : compiled_backends())
    if (ops.id == id) return &ops;
  return nullptr;
}

}  // namespace tflops::hal::detail

namespace tflops::hal {

bool backend_compiled(Backend backend) { return detail::find_backend(backend) != nullptr; }

}  // namespace tflops::hal

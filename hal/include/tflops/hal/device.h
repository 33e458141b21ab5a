// SPDX-License-Identifier: GPL-2.0-or-later
// Backends and the devices behind them.
//
// A backend is one way of driving devices (the Horovod model: one implementation per backend,
// one interface, chosen at run time):
//   host    the CPU; GEMM through OpenBLAS, the other operations in plain C++ threads
//   opencl  any OpenCL device (NPU and FPGA SDKs that ship an OpenCL runtime; PoCL's CPU device
//           stands in for them in tests); GEMM through CLBlast
//   cuda    NVIDIA GPUs; GEMM and BLAS-1 through cuBLAS, the other kernels compiled with NVRTC
// A backend is compiled in when its SDK was found at build time (backend_compiled) and usable
// when its runtime finds at least one device (list_devices).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tflops::hal {

enum class Backend : std::uint8_t { host, opencl, cuda };

std::string_view backend_name(Backend backend);
std::optional<Backend> parse_backend(std::string_view word);  // case-insensitive
bool backend_compiled(Backend backend);

// Which device of which backend backs a card: "host", "opencl:I", "cuda:I".
//   host      the CPU (index is always 0)
//   opencl:I  the I-th OpenCL device, counting every platform's devices in ICD order
//   cuda:I    CUDA device I as this process sees it (after CUDA_VISIBLE_DEVICES)
struct DeviceSelector {
  Backend backend = Backend::host;
  int index = 0;
  friend bool operator==(const DeviceSelector&, const DeviceSelector&) = default;
};

std::string format_selector(const DeviceSelector& selector);
// Throws Error naming `text` and the accepted forms.
DeviceSelector parse_selector(std::string_view text);

struct DeviceInfo {
  DeviceSelector selector;
  std::string name;  // "pthread-haswell-AMD EPYC 7B13", "NVIDIA H100 80GB HBM3"
  std::string vendor;
  std::string type;            // cpu | gpu | accelerator | custom
  std::string pci_bus_id;      // "0000:3b:00.0" where known (hwloc / the backend), else empty
  unsigned compute_units = 0;  // cores (host), compute units (OpenCL), SMs (CUDA)
  std::uint64_t memory_bytes = 0;
};

// Every device of every compiled backend that opens, host first. Never throws for a backend
// whose runtime is missing or reports no device: it is simply absent.
std::vector<DeviceInfo> list_devices();

// The host CPUs this process may run on (its affinity mask), in order.
std::vector<int> usable_cpus();

// The node's PCI accelerators and GPUs as hwloc sees them (class, vendor:device id, bus id):
// context for `tflopsctl devices`, also where no backend drives them.
struct PciDevice {
  std::string bus_id;
  std::string class_name;     // "3D", "VGA", "Processing accelerator", ...
  std::string vendor_device;  // "10de:2330"
  std::string name;           // hwloc's name when it has one
};
std::vector<PciDevice> pci_accelerators();

}  // namespace tflops::hal

// SPDX-License-Identifier: GPL-2.0-or-later
// tflopsctl devices: the node's accelerators as the HAL sees them (the pool's registration step,
// doc/design.md): every device of every backend with an FP32 TFLOPS figure measured by a short
// SGEMM, the PCI accelerators hwloc finds, and, with --conf-lines, the tflops.conf lines for this
// node.
#include <unistd.h>

#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "command_line.h"
#include "commands.h"
#include "text_table.h"
#include "tflops/pool/error.h"

#ifdef TFLOPS_HAVE_HAL
#include "tflops/hal/calibrate.h"
#include "tflops/hal/device.h"
#endif

namespace tflops::cli {

#ifdef TFLOPS_HAVE_HAL

namespace {

using json = nlohmann::ordered_json;

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  std::string text = name;
  return text.substr(0, text.find('.'));
}

std::string gib(std::uint64_t bytes) { return format_number(static_cast<double>(bytes >> 20) / 1024.0); }

// tflops.conf lines: one card per accelerator (the host CPU is not a card), named by kind, in
// the devices' order with Detect=<backend>, so that slurmd gives each card this device again.
std::string conf_lines(const std::vector<hal::Calibration>& results, const std::string& node) {
  std::string text = "# tflops.conf lines for " + node +
                     ", measured by tflopsctl devices "
                     "(FP32 SGEMM; set TFLOPS= to the figure you want to sell). Keep their order: "
                     "Detect= gives the cards the node's devices in this order.\n";
  int counts[3] = {0, 0, 0};
  for (const hal::Calibration& c : results) {
    const auto kind = hal::default_kind(c.device);
    if (!kind || !c.error.empty()) continue;
    const std::string name = std::string(pool::kind_name(*kind)) +
                             std::to_string(counts[static_cast<int>(*kind)]++);
    text += "NodeName=" + node + " Kind=" + std::string(pool::kind_name(*kind)) + " Name=" + name +
            " Detect=" + std::string(hal::backend_name(c.device.selector.backend)) +
            " TFLOPS=" + format_number(c.tflops) + "   # " + hal::format_selector(c.device.selector) + " '" +
            c.device.name + "'\n";
  }
  return text;
}

}  // namespace

int devices_command(const Args& args) {
  CommandSyntax syntax;
  syntax.synopsis = "tflopsctl devices [--size N] [--no-calibrate] [--conf-lines] [--node NAME] [--json]";
  syntax.summary =
      "Lists this node's devices behind each HAL backend (host, OpenCL, CUDA) with the FP32\n"
      "TFLOPS a short SGEMM measures on each, and the PCI accelerators hwloc finds.";
  syntax.options.add_options()("size", po::value<std::size_t>()->default_value(1024)->value_name("N"),
                               "calibrate with an N x N x N SGEMM")("no-calibrate", "list only; no SGEMM")(
      "conf-lines", "print the node's tflops.conf card lines instead of the table")(
      "node", po::value<std::string>()->value_name("NAME"),
      "NodeName for --conf-lines; default the host name")("json", "print JSON instead of text");
  syntax.epilog =
      "The selector column (host, opencl:I, cuda:I) is what TFLOPS_HAL_BACKENDS and card lists use\n"
      "to map a card to a device.\n";
  const auto options = parse_command_line(args, syntax);
  if (!options) return 0;
  const auto& values = *options;
  const std::size_t n = values["size"].as<std::size_t>();
  if (n == 0 || n > 16384) throw UsageError("--size must be in 1..16384", usage_text(syntax));
  const bool calibrate = values.count("no-calibrate") == 0;

  std::vector<hal::Calibration> results;
  for (const hal::DeviceInfo& device : hal::list_devices()) {
    if (calibrate) std::cerr << "calibrating " << hal::format_selector(device.selector) << " ...\n";
    results.push_back(calibrate ? hal::calibrate_device(device, n, 3) : hal::Calibration{device});
  }
  if (values.count("conf-lines")) {
    if (!calibrate) throw UsageError("--conf-lines needs the calibration", usage_text(syntax));
    std::cout << conf_lines(results, values.count("node") ? values["node"].as<std::string>() : host_name());
    return 0;
  }
  const std::vector<hal::PciDevice> pci = hal::pci_accelerators();
  if (values.count("json")) {
    json out = {{"devices", json::array()}, {"pci", json::array()}};
    for (const hal::Calibration& c : results)
      out["devices"].push_back({{"selector", hal::format_selector(c.device.selector)},
                                {"type", c.device.type},
                                {"name", c.device.name},
                                {"vendor", c.device.vendor},
                                {"units", c.device.compute_units},
                                {"memory_bytes", c.device.memory_bytes},
                                {"pci_bus_id", c.device.pci_bus_id},
                                {"tflops", calibrate ? json(c.tflops) : json(nullptr)},
                                {"sgemm_n", c.n},
                                {"error", c.error}});
    for (const hal::PciDevice& p : pci)
      out["pci"].push_back({{"bus_id", p.bus_id},
                            {"class", p.class_name},
                            {"vendor_device", p.vendor_device},
                            {"name", p.name}});
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  TextTable table({"SELECTOR", "TYPE", "UNITS", "MEMORY_GIB", "FP32_TFLOPS", "NAME"});
  for (const hal::Calibration& c : results)
    table.add_row({hal::format_selector(c.device.selector), c.device.type,
                   std::to_string(c.device.compute_units), gib(c.device.memory_bytes),
                   !calibrate        ? "-"
                   : c.error.empty() ? format_number(c.tflops)
                                     : "failed: " + c.error,
                   c.device.name});
  table.print(std::cout);
  if (calibrate) std::cout << "(FP32 SGEMM " << n << "x" << n << "x" << n << ", best of 3)\n";
  if (!pci.empty()) {
    std::cout << "\nPCI accelerators (hwloc):\n";
    TextTable devices({"BUS_ID", "CLASS", "ID", "NAME"});
    for (const hal::PciDevice& p : pci) devices.add_row({p.bus_id, p.class_name, p.vendor_device, p.name});
    devices.print(std::cout, "  ");
  }
  return 0;
}

#else

int devices_command(const Args&) {
  throw pool::Error(
      "tflopsctl was built without libtflops_hal (OpenBLAS or hwloc missing at "
      "build time): install libopenblas-dev and libhwloc-dev and rebuild");
}

#endif

}  // namespace tflops::cli

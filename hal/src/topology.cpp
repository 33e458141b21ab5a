// SPDX-License-Identifier: GPL-2.0-or-later
// PCI accelerators through hwloc: what the node has, whether or not a backend drives it.
#include <hwloc.h>

#include <cstdio>

#include "tflops/hal/device.h"

namespace tflops::hal {

namespace {

// PCI base classes worth listing: display (0x03) and processing accelerators (0x12), plus
// FPGAs, which report 0x1200 or "other" (0xff) depending on the vendor.
bool is_accelerator(unsigned class_id) {
  const unsigned base = class_id >> 8;
  return base == 0x03 || base == 0x12 || base == 0x0b || base == 0xff;
}

std::string class_name(unsigned class_id) {
  switch (class_id >> 8) {
    case 0x03: return (class_id & 0xff) == 0x02 ? "3D controller" : "display controller";
    case 0x12: return "processing accelerator";
    case 0x0b: return "processor";
    default: return "other";
  }
}

}  // namespace

std::vector<PciDevice> pci_accelerators() {
  std::vector<PciDevice> out;
  hwloc_topology_t topology;
  if (hwloc_topology_init(&topology) != 0) return out;
  hwloc_topology_set_io_types_filter(topology, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
  if (hwloc_topology_load(topology) == 0) {
    for (hwloc_obj_t obj = hwloc_get_next_pcidev(topology, nullptr); obj;
         obj = hwloc_get_next_pcidev(topology, obj)) {
      const auto& pci = obj->attr->pcidev;
      if (!is_accelerator(pci.class_id)) continue;
      char bus[32], ids[16];
      std::snprintf(bus, sizeof bus, "%04x:%02x:%02x.%01x", pci.domain, pci.bus, pci.dev, pci.func);
      std::snprintf(ids, sizeof ids, "%04x:%04x", pci.vendor_id, pci.device_id);
      const char* name = hwloc_obj_get_info_by_name(obj, "PCIDevice");
      out.push_back({bus, class_name(pci.class_id), ids, name ? name : ""});
    }
  }
  hwloc_topology_destroy(topology);
  return out;
}

}  // namespace tflops::hal

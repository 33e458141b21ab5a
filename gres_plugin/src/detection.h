// SPDX-License-Identifier: GPL-2.0-or-later
// Cards found by slurmd itself: a tflops.conf line with Detect=cuda|opencl (instead of Device=)
// gives its cards the node's devices of that backend, in the order the HAL enumerates them.
//
// The block counts stay declared (TFLOPS=): every daemon numbers blocks from the same
// tflops.conf, slurmctld included, so only which device drives a card is found on the node. The
// devices come from `tflopsctl devices --json --no-calibrate`, the HAL's own list, so a card's
// selector is the one the HAL opens; gres/tflops runs it when slurmd loads its GRES
// configuration. Pure C++ (no Slurm types): unit-tested without a cluster.
#pragma once

#include <string>
#include <vector>

#include "card_map.h"

namespace tflops::gres {

struct DetectedDevice {
  std::string selector;    // "cuda:0", "opencl:1"
  std::string backend;     // "cuda", "opencl"
  std::string pci_bus_id;  // "0000:3b:00.0" where known
};

// The devices in the JSON `tflopsctl devices --json` prints. Throws pool::Error naming what is
// wrong with the text.
std::vector<DetectedDevice> parse_detected_devices(const std::string& json_text);

// Gives every card of `map` with a `detect` backend the next unused device of that backend, in
// tflops.conf's line order: its selector becomes the card's backend, and a CUDA card's device the
// /dev/nvidiaN the NVIDIA driver lists for its PCI bus under `nvidia_gpus`. Throws pool::Error
// naming `source`:line, the cards and the devices found when a line's cards outnumber them.
void assign_detected_devices(CardMap& map, const std::vector<DetectedDevice>& devices,
                             const std::string& source,
                             const std::string& nvidia_gpus = "/proc/driver/nvidia/gpus");

// "/dev/nvidiaN" for the GPU at `pci_bus_id` from the driver's information file under
// `nvidia_gpus` (its "Device Minor:" line); empty when the driver does not list it.
std::string nvidia_device_file(const std::string& pci_bus_id, const std::string& nvidia_gpus);

// Whether any card of `map` asks for detection.
bool wants_detection(const CardMap& map);

}  // namespace tflops::gres

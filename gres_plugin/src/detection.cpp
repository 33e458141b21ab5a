// SPDX-License-Identifier: GPL-2.0-or-later
#include "detection.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "tflops/pool/error.h"

namespace tflops::gres {

std::vector<DetectedDevice> parse_detected_devices(const std::string& json_text) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw pool::Error(std::string("tflopsctl devices --json printed no JSON (") + e.what() + ")");
  }
  if (!document.is_object() || !document.contains("devices") || !document["devices"].is_array()) {
    throw pool::Error("tflopsctl devices --json printed no \"devices\" list");
  }
  std::vector<DetectedDevice> devices;
  for (const auto& entry : document["devices"]) {
    if (!entry.is_object() || !entry.contains("selector") || !entry["selector"].is_string()) {
      throw pool::Error("tflopsctl devices --json listed a device without a selector: " + entry.dump());
    }
    DetectedDevice device;
    device.selector = entry["selector"].get<std::string>();
    device.backend = device.selector.substr(0, device.selector.find(':'));
    if (entry.contains("pci_bus_id") && entry["pci_bus_id"].is_string()) {
      device.pci_bus_id = entry["pci_bus_id"].get<std::string>();
    }
    devices.push_back(std::move(device));
  }
  return devices;
}

std::string nvidia_device_file(const std::string& pci_bus_id, const std::string& nvidia_gpus) {
  if (pci_bus_id.empty()) return "";
  std::string bus = pci_bus_id;  // CUDA prints "0000:3B:00.0", the driver's directory is lower case
  std::transform(bus.begin(), bus.end(), bus.begin(), [](unsigned char c) { return std::tolower(c); });
  std::ifstream information(nvidia_gpus + "/" + bus + "/information");
  std::string line;
  const std::string key = "Device Minor:";
  while (std::getline(information, line)) {
    if (line.rfind(key, 0) != 0) continue;
    const std::size_t digits = line.find_first_of("0123456789", key.size());
    if (digits == std::string::npos) return "";
    return "/dev/nvidia" + line.substr(digits, line.find_first_not_of("0123456789", digits) - digits);
  }
  return "";
}

bool wants_detection(const CardMap& map) {
  return std::any_of(map.cards.begin(), map.cards.end(),
                     [](const CardEntry& c) { return !c.detect.empty(); });
}

void assign_detected_devices(CardMap& map, const std::vector<DetectedDevice>& devices,
                             const std::string& source, const std::string& nvidia_gpus) {
  std::map<std::string, std::vector<const DetectedDevice*>> found;  // by backend, in the HAL's order
  for (const DetectedDevice& device : devices) found[device.backend].push_back(&device);
  // In tflops.conf's order, as the admin wrote them (tflopsctl devices --conf-lines prints its
  // lines in the device order), not in block order, where regions may reorder the kinds.
  std::vector<CardEntry*> detected;
  for (CardEntry& card : map.cards)
    if (!card.detect.empty()) detected.push_back(&card);
  std::stable_sort(detected.begin(), detected.end(),
                   [](const CardEntry* a, const CardEntry* b) { return a->line < b->line; });
  std::map<std::string, std::size_t> used;
  for (CardEntry* entry : detected) {
    CardEntry& card = *entry;
    const auto& list = found[card.detect];
    std::size_t& next = used[card.detect];
    if (next >= list.size()) {
      std::size_t asked = 0;
      for (const CardEntry& c : map.cards) asked += c.detect == card.detect ? 1 : 0;
      throw pool::Error(source + ":" + std::to_string(card.line) + ": card " + card.name + " of " + map.node +
                        " has Detect=" + card.detect + ", but " + map.node + " has " +
                        std::to_string(list.size()) + " " + card.detect + " device(s) for its " +
                        std::to_string(asked) + " Detect=" + card.detect +
                        " cards (`tflopsctl devices` on the node lists them). Fix: declare as many cards as "
                        "devices, or give the card Device= instead of Detect=");
    }
    const DetectedDevice& device = *list[next++];
    card.backend = device.selector;
    if (card.detect == "cuda") card.device = nvidia_device_file(device.pci_bus_id, nvidia_gpus);
  }
}

}  // namespace tflops::gres

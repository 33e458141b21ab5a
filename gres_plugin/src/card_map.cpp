// SPDX-License-Identifier: GPL-2.0-or-later
#include "card_map.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "job_env_contract.h"
#include "tflops/pool/error.h"
#include "tflops/pool/kind.h"

namespace tflops::gres {

namespace contract = tflops::env_contract;

CardMap card_map(const pool::Layout& layout, const std::string& node) {
  CardMap map;
  map.node = node;
  auto index = layout.find_node(node);
  if (!index) return map;
  const pool::NodeLayout& n = layout.nodes()[*index];
  map.pool_first = n.global_first;
  map.blocks = n.blocks;
  for (std::size_t ci : n.cards) {
    const pool::CardLayout& cl = layout.cards()[ci];
    const pool::Card& card = layout.inventory().cards[cl.card];
    map.cards.push_back({std::string(pool::kind_name(cl.kind)), card.name, card.device, cl.blocks.first,
                         cl.blocks.count, "", card.detect, card.line});
  }
  return map;
}

// node|pool_first|blocks|kind:name:device:first:count:backend;... (the backend, last, may hold ':')
std::string serialize(const CardMap& map) {
  std::string out = map.node + "|" + std::to_string(map.pool_first) + "|" + std::to_string(map.blocks) + "|";
  for (std::size_t i = 0; i < map.cards.size(); ++i) {
    const CardEntry& c = map.cards[i];
    if (i) out += ";";
    out += c.kind + ":" + c.name + ":" + c.device + ":" + std::to_string(c.first) + ":" +
           std::to_string(c.count) + ":" + c.backend;
  }
  return out;
}

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t pos = text.find(sep, start);
    out.push_back(text.substr(start, pos - start));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return out;
}

std::uint64_t number(const std::string& word, const std::string& text) {
  if (word.empty() || word.find_first_not_of("0123456789") != std::string::npos)
    throw pool::Error("gres/tflops: bad card map '" + text + "' (number expected, got '" + word + "')");
  return std::stoull(word);
}

std::string fraction(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", value);
  return buf;
}

}  // namespace

CardMap parse_card_map(const std::string& text) {
  std::vector<std::string> parts = split(text, '|');
  if (parts.size() != 4) throw pool::Error("gres/tflops: bad card map '" + text + "'");
  CardMap map;
  map.node = parts[0];
  map.pool_first = number(parts[1], text);
  map.blocks = static_cast<std::uint32_t>(number(parts[2], text));
  if (!parts[3].empty()) {
    for (const std::string& entry : split(parts[3], ';')) {
      std::vector<std::string> f = split(entry, ':');
      if (f.size() < 6) throw pool::Error("gres/tflops: bad card map entry '" + entry + "'");
      std::string backend = f[5];
      for (std::size_t i = 6; i < f.size(); ++i) backend += ":" + f[i];
      map.cards.push_back({f[0], f[1], f[2], static_cast<std::uint32_t>(number(f[3], text)),
                           static_cast<std::uint32_t>(number(f[4], text)), backend});
    }
  }
  return map;
}

std::string format_ranges(const std::vector<std::uint64_t>& sorted, std::uint64_t offset) {
  std::string out;
  std::size_t i = 0;
  while (i < sorted.size()) {
    std::size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += std::to_string(sorted[i] + offset);
    if (j > i) out += "-" + std::to_string(sorted[j] + offset);
    i = j + 1;
  }
  return out;
}

int device_number(const std::string& device) {
  std::size_t end = device.size();
  std::size_t start = end;
  while (start > 0 && device[start - 1] >= '0' && device[start - 1] <= '9') --start;
  if (start == end || end - start > 6) return -1;
  return std::stoi(device.substr(start));
}

namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

void add_index(std::string& list, int n) {
  if (n < 0) return;
  if (!list.empty()) list += ",";
  list += std::to_string(n);
}

}  // namespace

std::vector<std::string> owned_env_names() {
  return {contract::kWrittenVars.begin(), contract::kWrittenVars.end()};
}

EnvList job_env(const CardMap& map, const std::vector<std::uint32_t>& blocks) {
  EnvList env;
  std::vector<std::uint64_t> local(blocks.begin(), blocks.end());
  env.emplace_back(contract::kVarVersion, std::to_string(contract::kVersion));
  env.emplace_back(contract::kVarNode, map.node);
  env.emplace_back(contract::kVarBlocks, format_ranges(local));
  env.emplace_back(contract::kVarPoolBlocks, format_ranges(local, map.pool_first));
  env.emplace_back(contract::kVarOnNode, std::to_string(local.size()));

  std::string cards, layout, shares, cuda, rocr, ascend, fpga, backends;
  double min_nvidia_share = 2.0;
  for (const CardEntry& c : map.cards) {
    // Every detected card of the node, held or not: after a move the HAL re-maps onto others.
    if (!c.backend.empty()) backends += (backends.empty() ? "" : ",") + c.name + "=" + c.backend;
    std::vector<std::uint64_t> held;
    for (std::uint32_t b : blocks)
      if (b >= c.first && b < c.first + c.count) held.push_back(b);
    std::string whole = c.kind + ":" + c.name + ":" + c.device + ":";
    if (!layout.empty()) layout += ",";
    layout += whole + std::to_string(c.first) +
              (c.count > 1 ? "-" + std::to_string(c.first + c.count - 1) : "");
    if (held.empty()) continue;
    if (!cards.empty()) cards += ",";
    cards += whole + format_ranges(held);
    double share = c.count ? static_cast<double>(held.size()) / c.count : 0.0;
    if (!shares.empty()) shares += ",";
    shares += c.name + ":" + fraction(share);
    int n = device_number(c.device);
    if (c.kind == "gpu" && starts_with(c.device, "/dev/nvidia")) {
      add_index(cuda, n);
      min_nvidia_share = std::min(min_nvidia_share, share);
    } else if (c.kind == "gpu" && starts_with(c.device, "/dev/dri/renderD")) {
      add_index(rocr, n >= 128 ? n - 128 : n);
    } else if (c.kind == "npu" && starts_with(c.device, "/dev/davinci")) {
      add_index(ascend, n);
    } else if (c.kind == "fpga") {
      add_index(fpga, n);
    }
  }
  env.emplace_back(contract::kVarCards, cards);
  env.emplace_back(contract::kVarLayout, layout);
  env.emplace_back(contract::kVarPoolFirst, std::to_string(map.pool_first));
  env.emplace_back(contract::kVarShares, shares);
  if (!cuda.empty()) {
    env.emplace_back(contract::kVarCudaVisibleDevices, cuda);
    int percent = static_cast<int>(std::floor(min_nvidia_share * 100.0 + 1e-9));
    env.emplace_back(contract::kVarCudaMpsThreadPercentage, std::to_string(std::clamp(percent, 1, 100)));
  }
  if (!rocr.empty()) {
    env.emplace_back(contract::kVarRocrVisibleDevices, rocr);
    env.emplace_back(contract::kVarZeAffinityMask, rocr);
  }
  if (!ascend.empty()) env.emplace_back(contract::kVarAscendVisibleDevices, ascend);
  if (!fpga.empty()) env.emplace_back(contract::kVarFpgaDevices, fpga);
  if (!backends.empty()) env.emplace_back(contract::kVarBackends, backends);
  return env;
}

}  // namespace tflops::gres

// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/hal/allocation.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "allocation_text.h"
#include "job_env_contract.h"
#include "tflops/hal/error.h"

namespace tflops::hal {

namespace {

namespace contract = tflops::env_contract;

// The user's override of the backend map (same rules as the contract's SLURM_TFLOPS_BACKENDS).
constexpr char kUserBackends[] = "TFLOPS_HAL_BACKENDS";

// What process_env() takes from the environment: the contract's variables the HAL reads.
const char* const kVariables[] = {contract::kVarVersion,
                                  contract::kVarNode,
                                  contract::kVarBlocks,
                                  contract::kVarCards,
                                  contract::kVarLayout,
                                  contract::kVarShares,
                                  contract::kVarBackends,
                                  contract::kVarAllocFile,
                                  kUserBackends,
                                  contract::kVarCudaVisibleDevices,
                                  contract::kVarCudaMpsThreadPercentage};

std::string get(const EnvMap& env, const std::string& name) {
  auto it = env.find(name);
  return it == env.end() ? std::string() : it->second;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t pos = text.find(',', start);
    if (pos == std::string::npos) pos = text.size();
    if (pos > start) out.push_back(text.substr(start, pos - start));
    start = pos + 1;
  }
  return out;
}

// MATCH=SELECTOR rules of one variable.
struct Rule {
  std::string match;
  DeviceSelector selector;
};

std::vector<Rule> parse_rules(const EnvMap& env, const std::string& name) {
  std::vector<Rule> rules;
  for (const std::string& item : split_list(get(env, name))) {
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error(name + "='" + get(env, name) + "': bad rule '" + item +
                  "' (expected MATCH=SELECTOR, e.g. npu=opencl:0 or gpu1=cuda:0)");
    rules.push_back({item.substr(0, eq), parse_selector(item.substr(eq + 1))});
  }
  return rules;
}

int device_number(const std::string& device) {
  std::size_t start = device.size();
  while (start > 0 && device[start - 1] >= '0' && device[start - 1] <= '9') --start;
  if (start == device.size() || device.size() - start > 6) return -1;
  return std::stoi(device.substr(start));
}

DeviceSelector default_selector(const CardAlloc& card, const EnvMap& env) {
  const int n = device_number(card.device);
  if (card.kind == pool::Kind::gpu && card.device.starts_with("/dev/nvidia") && n >= 0) {
    // CUDA numbers the visible devices from 0 in CUDA_VISIBLE_DEVICES order.
    const std::vector<std::string> visible = split_list(get(env, contract::kVarCudaVisibleDevices));
    if (visible.empty()) return {Backend::cuda, n};
    const auto it = std::find(visible.begin(), visible.end(), std::to_string(n));
    return {Backend::cuda, it == visible.end() ? n : static_cast<int>(it - visible.begin())};
  }
  return {Backend::opencl, std::max(n, 0)};
}

DeviceSelector resolve_selector(const CardAlloc& card, const std::optional<DeviceSelector>& given,
                                const EnvMap& env) {
  for (const char* variable : {kUserBackends, contract::kVarBackends}) {
    const std::vector<Rule> rules = parse_rules(env, variable);
    for (const Rule& rule : rules)
      if (rule.match == card.name || (!card.device.empty() && rule.match == card.device))
        return rule.selector;
    for (const Rule& rule : rules)
      if (rule.match == pool::kind_name(card.kind)) return rule.selector;
  }
  if (given) return *given;
  return default_selector(card, env);
}

pool::Kind card_kind(const std::string& word, const std::string& what) {
  const auto kind = pool::parse_kind(word);
  if (!kind) throw Error(what + ": unknown card kind '" + word + "' (expected gpu, npu or fpga)");
  return *kind;
}

std::vector<CardAlloc> cards_from_entries(const std::vector<detail::CardEntry>& entries,
                                          const std::string& what, const EnvMap& env) {
  std::vector<CardAlloc> cards;
  for (const detail::CardEntry& e : entries) {
    CardAlloc card;
    card.kind = card_kind(e.kind, what);
    card.name = e.name;
    card.device = e.device;
    card.blocks = e.blocks;
    card.card_blocks = e.total;
    card.selector = resolve_selector(card, e.selector, env);
    for (const CardAlloc& other : cards) {
      if (other.name == card.name) throw Error(what + ": card " + card.name + " is listed twice");
      for (std::uint32_t b : card.blocks)
        if (std::binary_search(other.blocks.begin(), other.blocks.end(), b))
          throw Error(what + ": block " + std::to_string(b) + " is on both " + other.name + " and " +
                      card.name);
    }
    cards.push_back(std::move(card));
  }
  if (cards.empty()) throw Error(what + ": no cards (the job holds no blocks here)");
  return cards;
}

}  // namespace

double CardAlloc::share() const {
  if (card_blocks == 0 || blocks.size() >= card_blocks) return 1.0;
  return static_cast<double>(blocks.size()) / card_blocks;
}

std::uint32_t Allocation::blocks() const {
  std::uint32_t total = 0;
  for (const CardAlloc& card : cards) total += static_cast<std::uint32_t>(card.blocks.size());
  return total;
}

EnvMap process_env() {
  EnvMap env;
  for (const char* name : kVariables)
    if (const char* value = std::getenv(name)) env[name] = value;
  return env;
}

EnvMap read_env_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot read the allocation file (" + contract::kVarAllocFile + ")");
  EnvMap env;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    const std::size_t eq = line.find('=');
    if (eq == std::string::npos || eq <= start)
      throw Error(path + ":" + std::to_string(number) + ": '" + line +
                  "' is not NAME=value (write one SLURM_TFLOPS_* variable per line)");
    env[line.substr(start, eq - start)] = line.substr(eq + 1);
  }
  return env;
}

Allocation allocation_from_env(const EnvMap& env) {
  const std::string version = get(env, contract::kVarVersion);
  if (version.empty())
    throw Error(std::string(contract::kVarVersion) +
                " is not set: this is not a job holding tflops blocks "
                "(request them with --gres=tflops:N, or give the HAL an explicit card list)");
  if (version != std::to_string(contract::kVersion))
    throw Error(std::string(contract::kVarVersion) + "=" + version + ": this HAL reads version " +
                std::to_string(contract::kVersion) +
                " of the gres/tflops environment; install "
                "matching versions of gres_tflops.so and libtflops_hal");
  Allocation alloc;
  alloc.node = get(env, contract::kVarNode);
  alloc.source = "environment";
  const std::string cards = get(env, contract::kVarCards);
  alloc.cards = cards_from_entries(detail::parse_card_entries(cards, contract::kVarCards, false),
                                   contract::kVarCards, env);
  // Card sizes from the layout (for shares); a card missing there counts as wholly held.
  const std::string layout = get(env, contract::kVarLayout);
  if (!layout.empty()) {
    for (const detail::CardEntry& whole : detail::parse_card_entries(layout, contract::kVarLayout, false)) {
      for (CardAlloc& card : alloc.cards)
        if (card.name == whole.name) card.card_blocks = static_cast<std::uint32_t>(whole.blocks.size());
    }
  }
  // SLURM_TFLOPS_BLOCKS must agree with the cards: a mismatch means a corrupt environment.
  const std::string blocks = get(env, contract::kVarBlocks);
  if (!blocks.empty()) {
    std::vector<std::uint32_t> held;
    for (const CardAlloc& card : alloc.cards) held.insert(held.end(), card.blocks.begin(), card.blocks.end());
    std::sort(held.begin(), held.end());
    if (held != detail::parse_ranges(blocks, contract::kVarBlocks))
      throw Error(std::string(contract::kVarBlocks) + "=" + blocks + " does not match " +
                  contract::kVarCards + "=" + cards + " (blocks " + detail::format_ranges(held) +
                  "): the job environment is corrupt");
  }
  return alloc;
}

Allocation current_allocation() {
  EnvMap env = process_env();
  const std::string file = get(env, contract::kVarAllocFile);
  if (file.empty()) return allocation_from_env(env);
  // The file's values win; the process's own overrides (TFLOPS_HAL_BACKENDS, ...) stay.
  for (auto& [name, value] : read_env_file(file)) env[name] = value;
  Allocation alloc = allocation_from_env(env);
  alloc.source = file;
  return alloc;
}

Allocation parse_card_list(std::string_view text, const EnvMap& env) {
  Allocation alloc;
  alloc.source = "card list";
  alloc.cards = cards_from_entries(detail::parse_card_entries(text, "card list", true),
                                   "card list '" + std::string(text) + "'", env);
  return alloc;
}

Allocation restrict_to_blocks(const Allocation& alloc, const std::vector<std::uint32_t>& blocks) {
  Allocation part = alloc;
  part.cards.clear();
  std::size_t found = 0;
  for (const CardAlloc& card : alloc.cards) {
    CardAlloc kept = card;
    kept.blocks.clear();
    for (std::uint32_t b : card.blocks)
      if (std::find(blocks.begin(), blocks.end(), b) != blocks.end()) kept.blocks.push_back(b);
    if (kept.blocks.empty()) continue;
    // A card not marked with its size is wholly held by the parent: keep its share right.
    if (kept.card_blocks == 0) kept.card_blocks = static_cast<std::uint32_t>(card.blocks.size());
    found += kept.blocks.size();
    part.cards.push_back(std::move(kept));
  }
  if (found != blocks.size())
    throw Error("blocks " + detail::format_ranges(blocks) + " are not all in the allocation (" +
                format_card_list(alloc) + ")");
  if (part.cards.empty()) throw Error("an allocation needs at least one block");
  return part;
}

Allocation share_for_rank(const Allocation& alloc, int local_rank, int local_size) {
  std::vector<std::uint32_t> held;
  for (const CardAlloc& card : alloc.cards) held.insert(held.end(), card.blocks.begin(), card.blocks.end());
  std::sort(held.begin(), held.end());
  if (local_size <= 0 || local_rank < 0 || local_rank >= local_size)
    throw Error("local rank " + std::to_string(local_rank) + " of " + std::to_string(local_size) +
                " is not a rank");
  if (held.size() < static_cast<std::size_t>(local_size))
    throw Error("the job holds " + std::to_string(held.size()) + " blocks on this node but runs " +
                std::to_string(local_size) + " ranks here: request at least one block per rank");
  const std::size_t base = held.size() / local_size, extra = held.size() % local_size;
  const std::size_t r = static_cast<std::size_t>(local_rank);
  const std::size_t first = r * base + std::min(r, extra);
  const std::size_t count = base + (r < extra ? 1 : 0);
  return restrict_to_blocks(alloc, {held.begin() + first, held.begin() + first + count});
}

std::string format_card_list(const Allocation& alloc) {
  std::string out;
  for (const CardAlloc& card : alloc.cards) {
    if (!out.empty()) out += ",";
    out += std::string(pool::kind_name(card.kind)) + ":" + card.name + ":" + card.device + ":" +
           detail::format_ranges(card.blocks);
    if (card.card_blocks) out += "/" + std::to_string(card.card_blocks);
    out += "=" + format_selector(card.selector);
  }
  return out;
}

}  // namespace tflops::hal

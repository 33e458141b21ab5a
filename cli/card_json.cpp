// SPDX-License-Identifier: GPL-2.0-or-later
#include "card_json.h"

#include "block_ranges.h"

namespace tflops::cli {

using nlohmann::json;

json card_json(const pool::Layout& layout, std::uint32_t node, const pool::CardLayout& card_layout,
               json used) {
  const auto& card = layout.inventory().cards[card_layout.card];
  const auto local = card_layout.blocks;
  const auto global = to_global(layout, node, local);
  return {{"name", card.name},
          {"kind", pool::kind_name(card_layout.kind)},
          {"device", card.device.empty() ? json(nullptr) : json(card.device)},
          {"tflops", card.tflops},
          {"blocks", {{"first", global.first}, {"last", global.last}}},
          {"local_blocks", {{"first", local.first}, {"last", local.end() - 1}}},
          {"used", std::move(used)}};
}

}  // namespace tflops::cli

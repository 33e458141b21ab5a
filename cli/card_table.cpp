// SPDX-License-Identifier: GPL-2.0-or-later
#include "card_table.h"

#include "block_ranges.h"

namespace tflops::cli {

TextTable card_table(const pool::Layout& layout,
                     const std::function<std::string(const pool::CardLayout&)>& state) {
  const auto& inventory = layout.inventory();
  TextTable table({"NODE", "CARD", "KIND", "DEVICE", "TFLOPS", "LOCAL", "POOL", "STATE"});
  for (std::uint32_t node = 0; node < layout.nodes().size(); ++node) {
    const auto& node_layout = layout.nodes()[node];
    bool first_row = true;
    for (const auto index : node_layout.cards) {
      const auto& card_layout = layout.cards()[index];
      const auto& card = inventory.cards[card_layout.card];
      const auto local = card_layout.blocks;
      table.add_row({first_row ? node_layout.name : "", card.name,
                     std::string(pool::kind_name(card_layout.kind)), card.device.empty() ? "-" : card.device,
                     format_number(card.tflops), format_range(local.first, local.end() - 1),
                     format_range(to_global(layout, node, local)), state(card_layout)});
      first_row = false;
    }
  }
  return table;
}

}  // namespace tflops::cli

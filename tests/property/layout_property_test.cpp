// SPDX-License-Identifier: GPL-2.0-or-later
// Layout numbering on random inventories (layout.h): per node, one contiguous region per kind in
// the region order, one sub-range per card in file order; pool-wide numbers from 1 across nodes.
// Cards and blocks have decimal TFLOPS (19.5, 0.3), and a card is worth floor(TFLOPS /
// BlockTFLOPS) blocks (doc/design.md), the fraction of a block beyond them unused.
#include <gtest/gtest.h>

#include "model.h"

namespace tflops::pool::proptest {
namespace {

std::string check_layout(const Inventory& inv, const Layout& layout) {
  PROP_REQUIRE(layout.nodes().size() == inv.nodes.size(), "node count");
  std::uint64_t global = 1;
  std::uint64_t total = 0;
  for (std::uint32_t n = 0; n < inv.nodes.size(); ++n) {
    const NodeLayout& node = layout.nodes()[n];
    PROP_REQUIRE(node.name == inv.nodes[n], "node " << n << " is " << node.name);
    PROP_REQUIRE(layout.find_node(inv.nodes[n]) == std::optional<std::uint32_t>(n),
                 "find_node " << inv.nodes[n]);
    PROP_REQUIRE(node.global_first == global,
                 "n" << n << " global_first " << node.global_first << " != " << global);
    std::uint32_t next = 0;
    std::vector<std::size_t> expected_cards;  // inventory card indices in block order
    for (Kind kind : inv.options.region_order) {
      std::uint32_t start = next;
      for (std::size_t c = 0; c < inv.cards.size(); ++c) {
        const Card& card = inv.cards[c];
        if (card.node != inv.nodes[n] || card.kind != kind) continue;
        const std::uint32_t blocks = expected_card_blocks(card, inv.options);
        // The CardLayout that names this inventory card.
        const CardLayout* cl = nullptr;
        for (const auto& x : layout.cards()) {
          if (x.card == c) cl = &x;
        }
        PROP_REQUIRE(cl, "no CardLayout for inventory card " << c);
        PROP_REQUIRE(
            cl->node == n && cl->kind == kind && cl->blocks.first == next && cl->blocks.count == blocks,
            "card " << c << " (" << card.name << ") at n" << cl->node << " [" << cl->blocks.first << "+"
                    << cl->blocks.count << "), expected n" << n << " [" << next << "+" << blocks << ")");
        for (std::uint32_t b = next; b < next + blocks; ++b) {
          const CardLayout& at = layout.card_at(n, b);
          PROP_REQUIRE(at.card == c,
                       "card_at(n" << n << "," << b << ") is card " << at.card << ", expected " << c);
        }
        expected_cards.push_back(c);
        next += blocks;
      }
      const BlockRange& region = node.regions[static_cast<std::size_t>(kind)];
      PROP_REQUIRE(region.count == next - start, "n" << n << " " << kind_name(kind) << " region has "
                                                     << region.count << " blocks, expected " << next - start);
      if (region.count) {
        PROP_REQUIRE(region.first == start, "n" << n << " " << kind_name(kind) << " region starts at "
                                                << region.first << ", expected " << start);
      }
      BlockRange d = layout.domain(n, kind);
      PROP_REQUIRE(d.count == region.count && (!d.count || d.first == region.first),
                   "domain(n" << n << ", " << kind_name(kind) << ") is not the region");
    }
    PROP_REQUIRE(node.blocks == next, "n" << n << " has " << node.blocks << " blocks, expected " << next);
    BlockRange whole = layout.domain(n, std::nullopt);
    PROP_REQUIRE(whole.first == 0 && whole.count == next, "domain(n" << n << ", any) is not the node");
    PROP_REQUIRE(node.cards.size() == expected_cards.size(), "n" << n << " card list size");
    for (std::size_t i = 0; i < expected_cards.size(); ++i) {
      PROP_REQUIRE(layout.cards()[node.cards[i]].card == expected_cards[i],
                   "n" << n << " cards are not in block order");
    }
    for (std::uint32_t b = 0; b < node.blocks; ++b) {
      std::uint64_t g = layout.to_global(n, b);
      PROP_REQUIRE(g == global + b, "to_global(n" << n << "," << b << ") = " << g);
      auto back = layout.to_local(g);
      PROP_REQUIRE(back.first == n && back.second == b, "to_local(" << g << ") does not invert");
    }
    global += node.blocks;
    total += node.blocks;
  }
  PROP_REQUIRE(layout.total_blocks() == total, "total_blocks " << layout.total_blocks() << " != " << total);
  for (std::uint64_t bad : {std::uint64_t{0}, total + 1, total + 1000}) {
    bool threw = false;
    try {
      (void)layout.to_local(bad);
    } catch (const Error&) {
      threw = true;
    }
    PROP_REQUIRE(threw, "to_local(" << bad << ") did not throw Error");
  }
  PROP_REQUIRE(!layout.find_node("no-such-node"), "find_node of an unknown name");
  return {};
}

TEST(LayoutProperty, RandomInventoriesNumberAsDocumented) {
  std::size_t fractional = 0, decimal_blocks = 0;  // that the inventories hold what they should
  for (std::uint64_t seed = 1; seed <= scaled(400); ++seed) {
    Rng rng(seed * 7919);
    InventoryShape shape;
    shape.max_cards = 5;
    shape.max_card_blocks = rng.chance(0.1) ? 200 : 16;
    Inventory inv = random_inventory(rng, shape);
    for (const Card& card : inv.cards) fractional += fractional_card(card, inv.options);
    decimal_blocks += std::llround(inv.options.block_tflops * kHundredths) % 25 != 0;
    std::string failure;
    try {
      Layout layout(inv);
      failure = check_layout(inv, layout);
    } catch (const std::exception& e) {
      bool over = false;
      for (const auto& name : inv.nodes) {
        std::uint64_t blocks = 0;
        for (const auto& c : inv.cards) {
          if (c.node == name) blocks += expected_card_blocks(c, inv.options);
        }
        over = over || blocks > kMaxBlocksPerNode;
      }
      if (!over || !dynamic_cast<const Error*>(&e)) failure = std::string("Layout threw: ") + e.what();
    }
    ASSERT_TRUE(failure.empty()) << "seed " << seed << ": " << failure;
  }
  EXPECT_GT(fractional, 0u) << "no card was worth a fraction of a block more than whole blocks";
  EXPECT_GT(decimal_blocks, 0u) << "no inventory had a BlockTFLOPS that binary cannot hold (0.1, 0.3)";
}

TEST(LayoutProperty, NodeOverTheSlurmLimitOrCardUnderOneBlockIsAnError) {
  Rng rng(42);
  Inventory inv = random_inventory(rng);
  inv.cards[0].tflops = inv.options.block_tflops * (kMaxBlocksPerNode + 1);
  EXPECT_THROW(Layout{inv}, Error);
  inv = random_inventory(rng);
  inv.cards[0].tflops = inv.options.block_tflops * 0.5;
  EXPECT_THROW(Layout{inv}, Error);
}

}  // namespace
}  // namespace tflops::pool::proptest

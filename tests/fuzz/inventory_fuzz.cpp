// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: tflops.conf text -> parse_inventory -> Layout (-> BlockPool, one find).
//
// tflops::pool::Error is the documented answer to bad text and ends the run quietly. Anything
// else is a finding: another exception (libFuzzer reports it as a deadly signal via abort), a
// crash, a sanitizer report, a timeout, running out of memory, or an accepted inventory that
// breaks what inventory.h and layout.h promise (checked below; a broken promise aborts with
// a message naming it).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "tflops/pool/block_pool.h"
#include "tflops/pool/error.h"
#include "tflops/pool/inventory.h"
#include "tflops/pool/layout.h"

namespace {

using namespace tflops::pool;

[[noreturn]] void broken(const char* promise) {
  std::fprintf(stderr, "inventory_fuzz: broken promise: %s\n", promise);
  std::abort();
}
#define PROMISE(cond)           \
  do {                          \
    if (!(cond)) broken(#cond); \
  } while (0)

void check_inventory(const Inventory& inv) {
  const PoolOptions& o = inv.options;
  PROMISE(std::isfinite(o.block_tflops) && o.block_tflops > 0);
  std::set<Kind> order(o.region_order.begin(), o.region_order.end());
  PROMISE(order.size() == kKindCount);  // RegionOrder names every kind once
  PROMISE(o.migration == MigrationPolicy::none || o.migration == MigrationPolicy::compact ||
          o.migration == MigrationPolicy::minimal);
  // nodes: in order of first appearance among the cards, each once
  std::set<std::string> seen;
  std::size_t next = 0;
  for (const Card& c : inv.cards) {
    PROMISE(std::isfinite(c.tflops) && c.tflops > 0);
    PROMISE(!c.node.empty() && !c.name.empty());
    if (seen.insert(c.node).second) {
      PROMISE(next < inv.nodes.size() && inv.nodes[next] == c.node);
      ++next;
    }
  }
  PROMISE(next == inv.nodes.size());
  for (std::size_t i = 1; i < inv.cards.size(); ++i) PROMISE(inv.cards[i - 1].line <= inv.cards[i].line);
}

void check_layout(const Inventory& inv, const Layout& layout) {
  PROMISE(layout.nodes().size() == inv.nodes.size());
  std::uint64_t global = 1, total = 0;
  for (std::uint32_t n = 0; n < layout.nodes().size(); ++n) {
    const NodeLayout& node = layout.nodes()[n];
    PROMISE(node.name == inv.nodes[n]);
    PROMISE(node.blocks <= kMaxBlocksPerNode);
    PROMISE(node.global_first == global);
    // Regions in the configured order, back to back, covering the node.
    std::uint32_t at = 0;
    for (Kind k : inv.options.region_order) {
      const BlockRange& r = node.regions[static_cast<std::size_t>(k)];
      if (r.count == 0) continue;
      PROMISE(r.first == at);
      at += r.count;
      BlockRange d = layout.domain(n, k);
      PROMISE(d.first == r.first && d.count == r.count);
    }
    PROMISE(at == node.blocks);
    BlockRange whole = layout.domain(n, std::nullopt);
    PROMISE(whole.first == 0 && whole.count == node.blocks);
    // Cards in block order, back to back, at least one block each, each inside its kind's region.
    at = 0;
    for (std::size_t ci : node.cards) {
      PROMISE(ci < layout.cards().size());
      const CardLayout& c = layout.cards()[ci];
      PROMISE(c.node == n && c.blocks.first == at && c.blocks.count >= 1);
      PROMISE(c.card < inv.cards.size() && inv.cards[c.card].node == node.name &&
              inv.cards[c.card].kind == c.kind);
      const BlockRange& r = node.regions[static_cast<std::size_t>(c.kind)];
      PROMISE(c.blocks.first >= r.first && c.blocks.end() <= r.end());
      at += c.blocks.count;
    }
    PROMISE(at == node.blocks);
    if (n < 64) {  // block by block on the first nodes only, to keep each run fast
      for (std::uint32_t b = 0; b < node.blocks; ++b) {
        const CardLayout& c = layout.card_at(n, b);
        PROMISE(c.node == n && b >= c.blocks.first && b < c.blocks.end());
        auto back = layout.to_local(layout.to_global(n, b));
        PROMISE(back.first == n && back.second == b);
      }
    }
    PROMISE(layout.find_node(node.name) == std::optional<std::uint32_t>(n));
    global += node.blocks;
    total += node.blocks;
  }
  PROMISE(layout.total_blocks() == total);
  PROMISE(layout.cards().size() == inv.cards.size());
  try {
    (void)layout.to_local(0);
    broken("to_local(0) throws Error");
  } catch (const Error&) {}
  try {
    (void)layout.to_local(total + 1);
    broken("to_local(total + 1) throws Error");
  } catch (const Error&) {}
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Inventory inv;
  try {
    inv = parse_inventory(text, "fuzz.conf");
  } catch (const Error& e) {
    PROMISE(e.what()[0] != '\0');
    return 0;
  }
  check_inventory(inv);
  std::shared_ptr<const Layout> layout;
  try {
    layout = std::make_shared<const Layout>(inv);
  } catch (const Error& e) {
    PROMISE(e.what()[0] != '\0');
    return 0;
  }
  check_layout(inv, *layout);
  if (layout->nodes().size() <= 4096 && layout->total_blocks() > 0) {
    BlockPool pool(layout);
    PROMISE(pool.free_blocks() == layout->total_blocks());
    auto one = pool.find(Request{1, 1, std::nullopt, std::nullopt});
    PROMISE(one && one->size() == 1 && one->front().node == 0 && one->front().count == 1);
  }
  return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
// Shared pieces of the property tests: a portable seeded generator, random inventories, and a
// reference model of the pool (one owner per block, rebuilt from scratch) against which the
// library's answers are checked. Everything here is written from the public headers' promises,
// not from the implementation.
//
// Checks return an empty string when they hold and a complete message otherwise, so that a test
// can stop at the first broken step and print the seed and the steps that led there.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tflops/pool/block_pool.h"
#include "tflops/pool/error.h"
#include "tflops/pool/inventory.h"
#include "tflops/pool/kind.h"
#include "tflops/pool/layout.h"
#include "tflops/pool/running_job.h"
#include "tflops/pool/scheduler.h"

namespace tflops::pool::proptest {

// Returns the message of a failed check from the enclosing function.
#define PROP_REQUIRE(cond, msg)              \
  do {                                       \
    if (!(cond)) {                           \
      std::ostringstream prop_require_out_;  \
      prop_require_out_ << msg; /* NOLINT */ \
      return prop_require_out_.str();        \
    }                                        \
  } while (0)

// Propagates the message of a nested check.
#define PROP_CHECK(expr)                                  \
  do {                                                    \
    std::string prop_check_msg_ = (expr);                 \
    if (!prop_check_msg_.empty()) return prop_check_msg_; \
  } while (0)

// ---- random numbers: splitmix64, the same sequence with every compiler and library ----

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  std::int64_t between(std::int64_t lo, std::int64_t hi) {  // inclusive
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }
  template <typename T>
  void shuffle(T& items) {
    for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[below(i)]);
  }

 private:
  std::uint64_t state_;
};

// Environment knobs: TFLOPS_PROPERTY_SCALE multiplies step counts (default 1),
// TFLOPS_PROPERTY_SEED runs one extra seed, TFLOPS_PROPERTY_MINIMIZE=1 shrinks a failure.
inline double env_scale() {
  const char* s = std::getenv("TFLOPS_PROPERTY_SCALE");
  double v = s ? std::atof(s) : 1.0;
  return v > 0 ? v : 1.0;
}
inline std::optional<std::uint64_t> env_seed() {
  const char* s = std::getenv("TFLOPS_PROPERTY_SEED");
  if (!s || !*s) return std::nullopt;
  return std::strtoull(s, nullptr, 0);
}
inline bool env_minimize() {
  const char* s = std::getenv("TFLOPS_PROPERTY_MINIMIZE");
  return s && *s && *s != '0';
}
inline std::size_t scaled(std::size_t steps) {
  return std::max<std::size_t>(1, static_cast<std::size_t>(static_cast<double>(steps) * env_scale()));
}

// ---- printing ----

inline std::string str(const Span& s) {
  return "n" + std::to_string(s.node) + ":[" + std::to_string(s.first) + "," + std::to_string(s.end()) + ")";
}
inline std::string str(const Spans& spans) {
  if (spans.empty()) return "{}";
  std::string out = "{";
  for (std::size_t i = 0; i < spans.size(); ++i) out += (i ? " " : "") + str(spans[i]);
  return out + "}";
}
inline std::string str(const std::optional<Spans>& spans) {
  return spans ? str(*spans) : std::string("nullopt");
}
inline std::string str(std::optional<Kind> kind) {
  return kind ? std::string(kind_name(*kind)) : std::string("any");
}
inline std::string str(const Request& r) {
  std::string out = "Request{blocks=" + std::to_string(r.blocks) + " nodes=" + std::to_string(r.nodes);
  if (r.node) out += " node=" + std::to_string(*r.node);
  return out + " kind=" + str(r.kind) + "}";
}

// ---- random inventories ----

struct InventoryShape {
  int min_nodes = 1;
  int max_nodes = 6;
  int max_cards = 4;                      // per node
  int max_card_blocks = 12;               // per card
  std::optional<MigrationPolicy> policy;  // random when unset
};

// TFLOPS and BlockTFLOPS are whole hundredths, as an admin writes them (TFLOPS=19.5,
// BlockTFLOPS=0.3): decimal fractions that binary doubles do not hold exactly. Half of the cards
// are worth a fraction of a block more than whole blocks, which the rule in doc/design.md,
// floor(TFLOPS / BlockTFLOPS) blocks per card, drops; expected_card_blocks() states that rule.
inline constexpr std::int64_t kHundredths = 100;

inline Inventory random_inventory(Rng& rng, const InventoryShape& shape = {}) {
  static constexpr std::int64_t kBlockHundredths[] = {100, 100, 100, 50, 200, 25, 10, 30, 150};
  const std::int64_t block = kBlockHundredths[rng.below(std::size(kBlockHundredths))];
  Inventory inv;
  inv.source = "random.conf";
  inv.options.block_tflops = static_cast<double>(block) / kHundredths;
  auto order = kAllKinds;
  rng.shuffle(order);
  inv.options.region_order = order;
  inv.options.migration = shape.policy ? *shape.policy : static_cast<MigrationPolicy>(rng.below(3));
  inv.options.min_priority_gap = rng.between(1, 3);

  int nodes = static_cast<int>(rng.between(shape.min_nodes, shape.max_nodes));
  std::vector<Card> cards;
  for (int n = 0; n < nodes; ++n) {
    std::string node = "node" + std::to_string(n);
    unsigned kinds = 1 + static_cast<unsigned>(rng.below(7));  // a non-empty subset of kinds
    std::vector<Kind> present;
    for (std::size_t k = 0; k < kKindCount; ++k) {
      if (kinds & (1u << k)) present.push_back(kAllKinds[k]);
    }
    int count = static_cast<int>(rng.between(1, shape.max_cards));
    for (int c = 0; c < count; ++c) {
      Card card;
      card.node = node;
      card.name = node + "-acc" + std::to_string(c);
      card.kind = present[rng.below(present.size())];
      if (rng.chance(0.7)) card.device = "/dev/acc" + std::to_string(c);
      std::int64_t blocks = rng.between(1, shape.max_card_blocks);
      std::int64_t beyond = rng.chance(0.5) ? rng.between(1, block - 1) : 0;  // under one block
      card.tflops = static_cast<double>(blocks * block + beyond) / kHundredths;
      cards.push_back(card);
    }
  }
  rng.shuffle(cards);  // file order mixes nodes; numbering follows first appearance
  for (std::size_t i = 0; i < cards.size(); ++i) {
    cards[i].line = static_cast<int>(i) + 1;
    if (std::find(inv.nodes.begin(), inv.nodes.end(), cards[i].node) == inv.nodes.end()) {
      inv.nodes.push_back(cards[i].node);
    }
  }
  inv.cards = std::move(cards);
  return inv;
}

// The blocks a card of random_inventory() is worth, floor(TFLOPS / BlockTFLOPS) (doc/design.md),
// computed on the whole hundredths it was written in: free of the floating-point quotient (0.9 /
// 0.3 is 2.9999999999999996 in doubles) that the library has to round.
inline std::uint32_t expected_card_blocks(const Card& card, const PoolOptions& options) {
  const auto tflops = static_cast<std::int64_t>(std::llround(card.tflops * kHundredths));
  const auto block = static_cast<std::int64_t>(std::llround(options.block_tflops * kHundredths));
  return static_cast<std::uint32_t>(tflops / block);
}
// Whether the card is worth a fraction of a block more than its whole blocks.
inline bool fractional_card(const Card& card, const PoolOptions& options) {
  const auto tflops = static_cast<std::int64_t>(std::llround(card.tflops * kHundredths));
  const auto block = static_cast<std::int64_t>(std::llround(options.block_tflops * kHundredths));
  return tflops % block != 0;
}

inline std::string describe(const Layout& layout) {
  std::ostringstream out;
  const auto& o = layout.options();
  out << "layout: block_tflops=" << o.block_tflops << " order=" << kind_name(o.region_order[0]) << ","
      << kind_name(o.region_order[1]) << "," << kind_name(o.region_order[2])
      << " migration=" << migration_policy_name(o.migration) << " gap=" << o.min_priority_gap;
  for (std::size_t n = 0; n < layout.nodes().size(); ++n) {
    const auto& node = layout.nodes()[n];
    out << " | n" << n << "(" << node.name << ") " << node.blocks << ":";
    for (Kind k : kAllKinds) {
      const auto& r = node.regions[static_cast<std::size_t>(k)];
      if (r.count) out << " " << kind_name(k) << "[" << r.first << "," << r.end() << ")";
    }
  }
  return out.str();
}

// ---- the reference model: one owner per block ----

struct Run {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
  std::uint32_t end() const { return first + count; }
};

class Ref {
 public:
  explicit Ref(const Layout& layout) : layout_(&layout) {
    for (const auto& node : layout.nodes()) owner_.emplace_back(node.blocks, kNoJob);
  }

  const Layout& layout() const { return *layout_; }
  std::size_t nodes() const { return owner_.size(); }
  std::uint32_t size(std::uint32_t node) const { return static_cast<std::uint32_t>(owner_[node].size()); }
  JobId owner(std::uint32_t node, std::uint32_t block) const { return owner_[node][block]; }
  bool operator==(const Ref& other) const { return owner_ == other.owner_; }

  bool in_range(const Span& s) const {
    return s.node < owner_.size() && s.count > 0 && s.first <= size(s.node) &&
           s.count <= size(s.node) - s.first;
  }

  // Marks the spans held by `job`; a message when a block is outside the pool or held already.
  std::string take(const Spans& spans, JobId job) {
    for (const Span& s : spans) {
      PROP_REQUIRE(in_range(s), "span " << str(s) << " is outside the pool");
      for (std::uint32_t b = s.first; b < s.end(); ++b) {
        PROP_REQUIRE(owner_[s.node][b] == kNoJob, "block n" << s.node << ":" << b << " is held twice (by job "
                                                            << owner_[s.node][b] << " and job " << job
                                                            << ")");
        owner_[s.node][b] = job;
      }
    }
    return {};
  }

  // Frees the spans; `job` (unless kNoJob) must be their owner.
  std::string release(const Spans& spans, JobId job) {
    for (const Span& s : spans) {
      PROP_REQUIRE(in_range(s), "span " << str(s) << " is outside the pool");
      for (std::uint32_t b = s.first; b < s.end(); ++b) {
        PROP_REQUIRE(owner_[s.node][b] != kNoJob, "block n" << s.node << ":" << b << " is already free");
        PROP_REQUIRE(job == kNoJob || owner_[s.node][b] == job,
                     "block n" << s.node << ":" << b << " is held by job " << owner_[s.node][b]
                               << ", not job " << job);
        owner_[s.node][b] = kNoJob;
      }
    }
    return {};
  }

  bool is_free(const Spans& spans) const {
    for (const Span& s : spans) {
      if (!in_range(s)) return false;
      for (std::uint32_t b = s.first; b < s.end(); ++b) {
        if (owner_[s.node][b] != kNoJob) return false;
      }
    }
    return true;
  }

  // Maximal free runs inside the domain (the whole node, or the kind's region), in block order.
  std::vector<Run> runs(std::uint32_t node, std::optional<Kind> kind) const {
    BlockRange d = layout_->domain(node, kind);
    std::vector<Run> out;
    std::uint32_t b = d.first;
    while (b < d.end()) {
      if (owner_[node][b] != kNoJob) {
        ++b;
        continue;
      }
      std::uint32_t start = b;
      while (b < d.end() && owner_[node][b] == kNoJob) ++b;
      out.push_back(Run{start, b - start});
    }
    return out;
  }
  std::uint32_t free_count(std::uint32_t node, std::optional<Kind> kind) const {
    std::uint32_t n = 0;
    for (const Run& r : runs(node, kind)) n += r.count;
    return n;
  }
  std::uint32_t largest(std::uint32_t node, std::optional<Kind> kind) const {
    std::uint32_t n = 0;
    for (const Run& r : runs(node, kind)) n = std::max(n, r.count);
    return n;
  }
  std::uint64_t free_total() const {
    std::uint64_t n = 0;
    for (const auto& node : owner_)
      n += static_cast<std::uint64_t>(std::count(node.begin(), node.end(), kNoJob));
    return n;
  }

 private:
  const Layout* layout_;
  std::vector<std::vector<JobId>> owner_;
};

// Spans are sorted by (node, first), non-empty, inside their node, and never touch.
inline std::string check_normalized(const Layout& layout, const Spans& spans) {
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const Span& s = spans[i];
    PROP_REQUIRE(s.count > 0, "empty span in " << str(spans));
    PROP_REQUIRE(
        s.node < layout.nodes().size() && s.end() <= layout.nodes()[s.node].blocks && s.first < s.end(),
        "span " << str(s) << " is outside its node in " << str(spans));
    if (i) {
      const Span& p = spans[i - 1];
      PROP_REQUIRE(p.node < s.node || (p.node == s.node && p.end() < s.first),
                   "spans not sorted or touching: " << str(spans));
    }
  }
  return {};
}

inline Spans on_node(const Spans& spans, std::uint32_t node) {
  Spans out;
  for (const Span& s : spans) {
    if (s.node == node) out.push_back(s);
  }
  return out;
}
inline std::vector<std::uint32_t> nodes_of(const Spans& spans) {
  std::vector<std::uint32_t> out;
  for (const Span& s : spans) {
    if (out.empty() || out.back() != s.node) out.push_back(s.node);
  }
  return out;
}
inline std::uint64_t count_of(const Spans& spans) {
  std::uint64_t n = 0;
  for (const Span& s : spans) n += s.count;
  return n;
}

// The shape a placement must have for `req`: `req.nodes` distinct nodes (only req.node when set),
// `req.blocks` blocks on each, all inside the domain.
inline std::string check_shape(const Layout& layout, const Request& req, const Spans& spans) {
  PROP_CHECK(check_normalized(layout, spans));
  auto nodes = nodes_of(spans);
  PROP_REQUIRE(nodes.size() == req.nodes, str(req) << " got " << nodes.size() << " nodes: " << str(spans));
  for (std::uint32_t n : nodes) {
    PROP_REQUIRE(!req.node || n == *req.node, str(req) << " placed off its node: " << str(spans));
    Spans here = on_node(spans, n);
    PROP_REQUIRE(count_of(here) == req.blocks,
                 str(req) << " got " << count_of(here) << " blocks on n" << n << ": " << str(spans));
    BlockRange d = layout.domain(n, req.kind);
    for (const Span& s : here) {
      PROP_REQUIRE(s.first >= d.first && s.end() <= d.end(), str(req) << " span " << str(s)
                                                                      << " leaves its domain [" << d.first
                                                                      << "," << d.end() << ")");
    }
  }
  return {};
}

// The run (of the domain's maximal free runs in `ref`) that holds span `s`, or nullopt.
inline std::optional<Run> run_holding(const std::vector<Run>& runs, const Span& s) {
  for (const Run& r : runs) {
    if (s.first >= r.first && s.end() <= r.end()) return r;
  }
  return std::nullopt;
}

// Per node, block_pool.h's rule: one span, in a smallest free run that holds N (best fit), when
// any free run of the domain holds N; otherwise the fewest runs (a span per distinct run).
// `ref` is the pool just before the placement.
inline std::string check_node_placement(const Ref& ref, std::uint32_t node, std::uint32_t blocks,
                                        std::optional<Kind> kind, const Spans& here,
                                        bool require_best_fit = true) {
  auto runs = ref.runs(node, kind);
  std::optional<std::uint32_t> best;  // the smallest run that holds N
  for (const Run& r : runs) {
    if (r.count >= blocks && (!best || r.count < *best)) best = r.count;
  }
  std::vector<Run> used;
  for (const Span& s : here) {
    auto r = run_holding(runs, s);
    PROP_REQUIRE(r, "span " << str(s) << " is not on free blocks of its domain");
    for (const Run& u : used) {
      PROP_REQUIRE(u.first != r->first, "two spans " << str(here) << " in one free run");
    }
    used.push_back(*r);
  }
  if (best) {
    PROP_REQUIRE(here.size() == 1, "n" << node << " has a free run of " << *best << " >= " << blocks
                                       << " blocks (kind " << str(kind) << ") but got " << here.size()
                                       << " spans: " << str(here));
    if (require_best_fit) {
      PROP_REQUIRE(used[0].count == *best,
                   "not best fit on n" << node << ": took " << str(here) << " from a run of " << used[0].count
                                       << " while a run of " << *best << " holds " << blocks);
    }
  } else {
    std::vector<std::uint32_t> sizes;
    for (const Run& r : runs) sizes.push_back(r.count);
    std::sort(sizes.rbegin(), sizes.rend());
    std::size_t fewest = 0;
    std::uint64_t sum = 0;
    while (sum < blocks && fewest < sizes.size()) sum += sizes[fewest++];
    PROP_REQUIRE(here.size() == fewest, "n" << node << ": " << blocks << " blocks in " << here.size()
                                            << " spans " << str(here) << " but " << fewest
                                            << " runs would do");
  }
  return {};
}

// The nodes block_pool.h's rule picks, in inventory order: those whose domain has a free run
// holding N, then those with N free blocks. Fewer than req.nodes means no placement.
inline std::vector<std::uint32_t> expected_nodes(const Ref& ref, const Request& req) {
  std::vector<std::uint32_t> contiguous, scattered;
  for (std::uint32_t n = 0; n < ref.nodes(); ++n) {
    if (req.node && *req.node != n) continue;
    if (ref.largest(n, req.kind) >= req.blocks) contiguous.push_back(n);
    else if (ref.free_count(n, req.kind) >= req.blocks) scattered.push_back(n);
  }
  contiguous.insert(contiguous.end(), scattered.begin(), scattered.end());
  if (contiguous.size() > req.nodes) contiguous.resize(req.nodes);
  return contiguous;
}

// BlockPool::find's full promise for `req` on the free blocks of `ref`.
inline std::string check_placement(const Ref& ref, const Request& req, const std::optional<Spans>& got) {
  auto want = expected_nodes(ref, req);
  if (want.size() < req.nodes) {
    PROP_REQUIRE(!got, str(req) << " cannot be placed but got " << str(got));
    return {};
  }
  PROP_REQUIRE(
      got, str(req) << " fits on nodes " << [&] {
        std::string s;
        for (auto n : want) s += " n" + std::to_string(n);
        return s;
      }() << " but got nullopt");
  PROP_CHECK(check_shape(ref.layout(), req, *got));
  auto nodes = nodes_of(*got);
  std::vector<std::uint32_t> sorted_want = want;
  std::sort(sorted_want.begin(), sorted_want.end());
  PROP_REQUIRE(nodes == sorted_want,
               str(req) << " placed on the wrong nodes: " << str(*got)
                        << " (first nodes with a run, then with enough free blocks, in inventory order)");
  for (std::uint32_t n : nodes) {
    PROP_CHECK(check_node_placement(ref, n, req.blocks, req.kind, on_node(*got, n)));
  }
  return {};
}

// Every answer of `pool` agrees with the reference: owners, free counts per node and domain,
// largest runs, the free run lists.
inline std::string check_pool_matches(const BlockPool& pool, const Ref& ref) {
  const Layout& layout = ref.layout();
  for (std::uint32_t n = 0; n < ref.nodes(); ++n) {
    for (std::uint32_t b = 0; b < ref.size(n); ++b) {
      PROP_REQUIRE(pool.owner(n, b) == ref.owner(n, b), "owner of n"
                                                            << n << ":" << b << " is " << pool.owner(n, b)
                                                            << ", reference says " << ref.owner(n, b));
    }
    std::uint32_t used_node = 0;
    for (std::uint32_t b = 0; b < ref.size(n); ++b) used_node += ref.owner(n, b) != kNoJob;
    PROP_REQUIRE(pool.free_blocks(n, std::nullopt) + used_node == layout.nodes()[n].blocks,
                 "n" << n << ": free " << pool.free_blocks(n, std::nullopt) << " + used " << used_node
                     << " != total " << layout.nodes()[n].blocks);
    std::vector<std::optional<Kind>> domains = {std::nullopt, Kind::gpu, Kind::npu, Kind::fpga};
    for (auto kind : domains) {
      PROP_REQUIRE(pool.free_blocks(n, kind) == ref.free_count(n, kind),
                   "n" << n << " kind " << str(kind) << ": free_blocks " << pool.free_blocks(n, kind)
                       << ", reference " << ref.free_count(n, kind));
      PROP_REQUIRE(pool.largest_free_run(n, kind) == ref.largest(n, kind),
                   "n" << n << " kind " << str(kind) << ": largest_free_run "
                       << pool.largest_free_run(n, kind) << ", reference " << ref.largest(n, kind));
      if (kind) {
        BlockRange d = layout.domain(n, kind);
        std::uint32_t used = 0;
        for (std::uint32_t b = d.first; b < d.end(); ++b) used += ref.owner(n, b) != kNoJob;
        PROP_REQUIRE(pool.free_blocks(n, kind) + used == d.count,
                     "n" << n << " " << kind_name(*kind) << ": free + used != region size");
      }
    }
    auto runs = ref.runs(n, std::nullopt);
    const auto& got = pool.free_runs(n);
    bool same = runs.size() == got.size();
    for (std::size_t i = 0; same && i < runs.size(); ++i) {
      same = runs[i].first == got[i].first && runs[i].count == got[i].count;
    }
    PROP_REQUIRE(same, "n" << n << ": free_runs differ from the reference");
  }
  PROP_REQUIRE(pool.free_blocks() == ref.free_total(),
               "free_blocks() " << pool.free_blocks() << ", reference " << ref.free_total());
  return {};
}

// Inventory order of the node that holds local block numbers; the domain of a kind that is absent
// has count 0, so a typed request there never fits.
inline std::uint32_t node_count(const Layout& layout) {
  return static_cast<std::uint32_t>(layout.nodes().size());
}
inline std::uint32_t largest_node(const Layout& layout) {
  std::uint32_t n = 0;
  for (const auto& node : layout.nodes()) n = std::max(n, node.blocks);
  return n;
}

// ---- scheduler helpers ----

inline std::string compare_jobs(const Scheduler& a, const Scheduler& b) {
  PROP_REQUIRE(a.jobs().size() == b.jobs().size(),
               "job counts differ: " << a.jobs().size() << " vs " << b.jobs().size());
  for (auto ia = a.jobs().begin(), ib = b.jobs().begin(); ia != a.jobs().end(); ++ia, ++ib) {
    const Job& x = ia->second;
    const Job& y = ib->second;
    PROP_REQUIRE(ia->first == ib->first, "job ids differ: " << ia->first << " vs " << ib->first);
    PROP_REQUIRE(x.spec.id == y.spec.id && x.spec.name == y.spec.name && x.spec.blocks == y.spec.blocks &&
                     x.spec.nodes == y.spec.nodes && x.spec.priority == y.spec.priority &&
                     x.spec.node == y.spec.node && x.spec.kind == y.spec.kind &&
                     x.spec.migratable == y.spec.migratable,
                 "job " << ia->first << ": specs differ");
    PROP_REQUIRE(x.state == y.state, "job " << ia->first << ": state " << job_state_name(x.state) << " vs "
                                            << job_state_name(y.state));
    PROP_REQUIRE(x.spans == y.spans,
                 "job " << ia->first << ": spans " << str(x.spans) << " vs " << str(y.spans));
    PROP_REQUIRE(x.last_spans == y.last_spans,
                 "job " << ia->first << ": last_spans " << str(x.last_spans) << " vs " << str(y.last_spans));
    PROP_REQUIRE(x.queued_at == y.queued_at,
                 "job " << ia->first << ": queued_at " << x.queued_at << " vs " << y.queued_at);
    PROP_REQUIRE(x.reason == y.reason,
                 "job " << ia->first << ": reason '" << x.reason << "' vs '" << y.reason << "'");
  }
  return {};
}

// The request a valid, placeable spec makes.
inline Request request_of(const Layout& layout, const JobSpec& spec) {
  Request r;
  r.blocks = static_cast<std::uint32_t>(spec.blocks);
  r.nodes = spec.nodes;
  if (spec.node) r.node = layout.find_node(*spec.node);
  r.kind = spec.kind;
  return r;
}

// scheduler.h: refused for good when the request can never fit.
inline bool never_fits(const Layout& layout, const JobSpec& spec) {
  std::optional<std::uint32_t> only;
  if (spec.node) only = layout.find_node(*spec.node);
  std::uint64_t big_enough = 0;
  for (std::uint32_t n = 0; n < node_count(layout); ++n) {
    if (only && *only != n) continue;
    big_enough += static_cast<std::int64_t>(layout.domain(n, spec.kind).count) >= spec.blocks;
  }
  return big_enough < spec.nodes;
}

inline bool queued(JobState s) { return s == JobState::suspended || s == JobState::waiting; }

inline bool at_least_gap_below(std::int64_t victim, std::int64_t preemptor, std::int64_t gap) {
  return static_cast<__int128>(victim) + gap <= static_cast<__int128>(preemptor);
}

// Every job against the reference rebuilt from the jobs; the pool against that reference.
// With `only`, just those jobs (the others must hold nothing: checked when they stopped).
inline std::string check_jobs(const Scheduler& s, Ref* out = nullptr, bool suspended_need_last = true,
                              const std::set<JobId>* only = nullptr) {
  const Layout& layout = s.layout();
  Ref ref(layout);
  std::vector<const Job*> jobs;
  if (only) {
    for (JobId id : *only) jobs.push_back(&s.job(id));
  } else {
    for (const auto& entry : s.jobs()) jobs.push_back(&entry.second);
  }
  for (const Job* jp : jobs) {
    const JobId id = jp->spec.id;
    const Job& job = *jp;
    PROP_REQUIRE(id != kNoJob && s.jobs().count(id), "job " << id << " is not under its id");
    if (job.state == JobState::running) {
      PROP_REQUIRE(!job.spans.empty(), "running job " << id << " holds nothing");
      PROP_CHECK(check_shape(layout, request_of(layout, job.spec), job.spans));
      PROP_CHECK(ref.take(job.spans, id));
    } else {
      PROP_REQUIRE(job.spans.empty(), job_state_name(job.state)
                                          << " job " << id << " holds " << str(job.spans));
    }
    if (job.state == JobState::suspended && suspended_need_last) {
      PROP_REQUIRE(!job.last_spans.empty(), "suspended job " << id << " has no last_spans");
    }
  }
  PROP_CHECK(check_pool_matches(s.blocks(), ref));
  if (out) *out = ref;
  return {};
}

}  // namespace tflops::pool::proptest

// SPDX-License-Identifier: GPL-2.0-or-later
// plan_preemption and plan_migration called directly on random, fragmented pools.
//
// Preemption (preemption.h): victims are running jobs at least the gap below; the plan is the
// best by (highest victim priority, victims, their blocks, contiguous) among all sets that make
// the request fit: checked against every subset of the eligible jobs. nullopt exactly when
// suspending every eligible job leaves too few blocks.
//
// Migration (migration.h): moves never touch non-migratable jobs; a moved job ends in one run on
// the node (inside its kind's region when it has one); after the moves the target run is free
// and holds the request; policy none plans nothing; the chosen node's plan stops the fewest jobs,
// and of those nodes compact takes the first, minimal the one that moves the fewest blocks;
// minimal moves exactly the jobs in the window.
#include <gtest/gtest.h>

#include "model.h"
#include "tflops/pool/migration.h"
#include "tflops/pool/preemption.h"

namespace tflops::pool::proptest {
namespace {

struct Scene {
  std::shared_ptr<const Layout> layout;
  std::unique_ptr<BlockPool> pool;
  std::unique_ptr<Ref> ref;
  std::vector<RunningJob> running;  // ascending id
  std::string text;                 // for failure messages
};

// Which kind's region holds all of the spans, if one does.
std::optional<Kind> region_of(const Layout& layout, const Spans& spans) {
  for (Kind k : kAllKinds) {
    bool inside = true;
    for (const Span& s : spans) {
      BlockRange d = layout.domain(s.node, k);
      inside = inside && d.count && s.first >= d.first && s.end() <= d.end();
    }
    if (inside) return k;
  }
  return std::nullopt;
}

Scene random_scene(Rng& rng, std::optional<MigrationPolicy> policy, int max_nodes) {
  Scene sc;
  InventoryShape shape;
  shape.max_nodes = max_nodes;
  shape.policy = policy;
  sc.layout = std::make_shared<const Layout>(random_inventory(rng, shape));
  sc.pool = std::make_unique<BlockPool>(sc.layout);
  sc.ref = std::make_unique<Ref>(*sc.layout);
  std::map<JobId, RunningJob> jobs;
  JobId id = 1;
  double target = 0.55 + 0.45 * static_cast<double>(rng.below(100)) / 100.0;
  std::uint32_t big = largest_node(*sc.layout);
  for (int attempt = 0; attempt < 400; ++attempt) {
    double fill = 1.0 -
                  static_cast<double>(sc.ref->free_total()) / static_cast<double>(sc.layout->total_blocks());
    if (fill >= target) break;
    RunningJob job;
    job.id = id;
    job.priority = rng.between(0, 6);
    job.migratable = rng.chance(0.8);
    if (rng.chance(0.6)) {
      Request r;
      r.blocks = static_cast<std::uint32_t>(rng.between(1, std::max<std::uint32_t>(1, big / 4)));
      r.nodes = rng.chance(0.85) ? 1 : 2;
      if (rng.chance(0.4)) r.kind = kAllKinds[rng.below(kKindCount)];
      auto got = sc.pool->find(r);
      if (!got) continue;
      job.spans = *got;
      job.kind = r.kind;
    } else {  // a few free blocks somewhere, to fragment
      auto node = static_cast<std::uint32_t>(rng.below(sc.ref->nodes()));
      auto runs = sc.ref->runs(node, std::nullopt);
      if (runs.empty()) continue;
      const Run& r = runs[rng.below(runs.size())];
      auto first = r.first + static_cast<std::uint32_t>(rng.below(r.count));
      auto count = 1 + static_cast<std::uint32_t>(rng.below(std::min<std::uint32_t>(r.end() - first, 4)));
      job.spans = {Span{node, first, count}};
      if (rng.chance(0.5)) job.kind = region_of(*sc.layout, job.spans);
    }
    sc.pool->take(job.spans, id);
    (void)sc.ref->take(job.spans, id);
    jobs[id++] = job;
  }
  // Some leave, so that the free blocks are scattered.
  for (auto it = jobs.begin(); it != jobs.end();) {
    if (rng.chance(0.25)) {
      sc.pool->release(it->second.spans);
      (void)sc.ref->release(it->second.spans, it->first);
      it = jobs.erase(it);
    } else {
      ++it;
    }
  }
  std::ostringstream text;
  text << describe(*sc.layout) << "\n  running:";
  for (auto& [jid, job] : jobs) {
    sc.running.push_back(job);
    text << " " << jid << "(p" << job.priority << (job.migratable ? "" : " pinned")
         << (job.kind ? std::string(" ") + std::string(kind_name(*job.kind)) : std::string()) << ")"
         << str(job.spans);
  }
  sc.text = text.str();
  return sc;
}

Request random_request(Rng& rng, const Layout& layout, std::uint32_t max_nodes) {
  Request r;
  std::uint32_t big = largest_node(layout);
  r.blocks = static_cast<std::uint32_t>(
      rng.between(1, std::max<std::uint32_t>(1, rng.chance(0.7) ? big / 2 : big)));
  r.nodes = static_cast<std::uint32_t>(rng.chance(0.7) ? 1 : rng.between(1, max_nodes));
  if (r.nodes == 1 && rng.chance(0.2)) r.node = static_cast<std::uint32_t>(rng.below(node_count(layout)));
  if (rng.chance(0.35)) r.kind = kAllKinds[rng.below(kKindCount)];
  return r;
}

// ---------------------------------------------------------------- preemption

struct Key {
  std::int64_t highest = 0;
  std::size_t victims = 0;
  std::uint64_t blocks = 0;
  bool contiguous = false;
  auto tuple() const { return std::make_tuple(highest, victims, blocks, !contiguous); }
  bool operator<(const Key& o) const { return tuple() < o.tuple(); }
  bool operator==(const Key& o) const { return tuple() == o.tuple(); }
  std::string text() const {
    std::ostringstream o;
    o << "(highest " << highest << ", " << victims << " victims, " << blocks << " blocks, "
      << (contiguous ? "contiguous" : "scattered") << ")";
    return o.str();
  }
};

bool eligible(std::int64_t victim, std::int64_t preemptor, std::int64_t gap) {
  return static_cast<__int128>(victim) + gap <= static_cast<__int128>(preemptor);
}

// Frees the given jobs in a copy of the reference: does the request fit, and with a run on each node?
std::pair<bool, bool> fits_without(const Ref& base, const Request& req,
                                   const std::vector<const RunningJob*>& gone) {
  Ref r = base;
  for (const RunningJob* j : gone) (void)r.release(j->spans, j->id);
  std::uint32_t fit = 0, runs = 0;
  for (std::uint32_t n = 0; n < r.nodes(); ++n) {
    if (req.node && *req.node != n) continue;
    fit += r.free_count(n, req.kind) >= req.blocks;
    runs += r.largest(n, req.kind) >= req.blocks;
  }
  return {fit >= req.nodes, runs >= req.nodes};
}

std::string check_preemption(const Scene& sc, const Request& req, std::int64_t priority, std::int64_t gap) {
  auto plan = plan_preemption(*sc.pool, req, priority, sc.running, gap);
  std::vector<const RunningJob*> candidates;
  for (const auto& j : sc.running) {
    if (eligible(j.priority, priority, gap)) candidates.push_back(&j);
  }
  bool possible = fits_without(*sc.ref, req, candidates).first;
  PROP_REQUIRE(plan.has_value() == possible,
               "plan_preemption(" << str(req) << ", priority " << priority << ", gap " << gap << ") is "
                                  << (plan ? "a plan" : "nullopt") << " but suspending all "
                                  << candidates.size() << " eligible jobs "
                                  << (possible ? "makes it fit" : "does not make it fit"));
  if (!plan) return {};

  // The plan is what it says, and it works.
  PROP_REQUIRE(!plan->victims.empty(), "a plan without victims for a request that does not fit");
  PROP_REQUIRE(std::is_sorted(plan->victims.begin(), plan->victims.end()) &&
                   std::adjacent_find(plan->victims.begin(), plan->victims.end()) == plan->victims.end(),
               "victims not ascending and distinct");
  std::vector<const RunningJob*> victims;
  Key actual{std::numeric_limits<std::int64_t>::min(), 0, 0, false};
  for (JobId v : plan->victims) {
    auto it = std::find_if(sc.running.begin(), sc.running.end(),
                           [&](const RunningJob& j) { return j.id == v; });
    PROP_REQUIRE(it != sc.running.end(), "victim " << v << " is not running");
    PROP_REQUIRE(eligible(it->priority, priority, gap), "victim " << v << " has priority " << it->priority
                                                                  << ", not at least " << gap << " below "
                                                                  << priority);
    victims.push_back(&*it);
    actual.highest = std::max(actual.highest, it->priority);
    actual.blocks += count_of(it->spans);
  }
  actual.victims = victims.size();
  auto [fits, contiguous] = fits_without(*sc.ref, req, victims);
  actual.contiguous = contiguous;
  PROP_REQUIRE(fits, "the request does not fit after suspending the victims");
  PROP_REQUIRE(plan->highest_victim_priority == actual.highest && plan->victim_blocks == actual.blocks &&
                   plan->contiguous == actual.contiguous,
               "plan reports (highest " << plan->highest_victim_priority << ", " << plan->victim_blocks
                                        << " blocks, " << (plan->contiguous ? "contiguous" : "scattered")
                                        << ") but its victims give " << actual.text());
  // The nodes are those find() picks once the victims are gone.
  BlockPool after = *sc.pool;
  for (const RunningJob* v : victims) after.release(v->spans);
  auto placed = after.find(req);
  PROP_REQUIRE(placed, "find fails after the victims are released");
  auto want = nodes_of(*placed);
  auto got = plan->nodes;
  std::sort(got.begin(), got.end());
  PROP_REQUIRE(got == want, "plan nodes differ from where find() places the request after the victims go");

  // Best of all subsets of the eligible jobs.
  if (candidates.size() <= 11) {
    std::optional<Key> best;
    std::vector<JobId> best_set;
    for (std::uint32_t mask = 1; mask < (1u << candidates.size()); ++mask) {
      std::vector<const RunningJob*> set;
      Key k{std::numeric_limits<std::int64_t>::min(), 0, 0, false};
      for (std::size_t i = 0; i < candidates.size(); ++i) {
        if (!(mask & (1u << i))) continue;
        set.push_back(candidates[i]);
        k.highest = std::max(k.highest, candidates[i]->priority);
        k.blocks += count_of(candidates[i]->spans);
      }
      k.victims = set.size();
      if (best && k.highest > best->highest) continue;  // cannot beat the best
      auto [ok, runs] = fits_without(*sc.ref, req, set);
      if (!ok) continue;
      k.contiguous = runs;
      if (!best || k < *best) {
        best = k;
        best_set.clear();
        for (auto* j : set) best_set.push_back(j->id);
      }
    }
    // preemption.h: a one-node plan is the best by the whole ranking; a multi-node plan has
    // the lowest possible highest victim priority, its count and blocks are per-node minima.
    const bool as_promised = req.nodes == 1 ? best && actual == *best
                                            : best && actual.highest == best->highest;
    PROP_REQUIRE(
        as_promised, "plan " << actual.text() << " is not the best: suspending {" << [&] {
          std::string s;
          for (auto v : best_set) s += " " + std::to_string(v);
          return s;
        }() << " } gives " << (best ? best->text() : "nothing"));
  }
  return {};
}

class PreemptionProperty : public ::testing::TestWithParam<std::uint64_t> {};

void preemption_queries(std::uint64_t base, std::uint32_t max_nodes) {
  std::size_t checked = 0;
  for (std::uint64_t i = 0; i < scaled(60); ++i) {
    std::uint64_t seed = base * 100000 + i;
    Rng rng(seed);
    Scene sc = random_scene(rng, std::nullopt, 4);
    for (int q = 0; q < 25; ++q) {
      Request req = random_request(rng, *sc.layout, max_nodes);
      if (max_nodes > 1 && req.nodes == 1) req.nodes = 2;
      if (sc.pool->find(req)) continue;  // fits already: nothing to preempt
      std::int64_t priority = rng.between(0, 8);
      std::int64_t gap = rng.between(1, 3);
      std::string failure;
      try {
        failure = check_preemption(sc, req, priority, gap);
      } catch (const std::exception& e) {
        failure = std::string("unexpected exception: ") + e.what();
      }
      ASSERT_TRUE(failure.empty()) << "seed " << seed << " query " << q << ": " << str(req) << " priority "
                                   << priority << " gap " << gap << "\n  " << sc.text << "\n  " << failure;
      ++checked;
    }
  }
  EXPECT_GT(checked, 100u);
}

TEST_P(PreemptionProperty, OneNodeRequests) { preemption_queries(GetParam(), 1); }
TEST_P(PreemptionProperty, MultiNodeRequests) { preemption_queries(GetParam() + 10, 3); }

TEST(PreemptionProperty, ExtremePrioritiesDoNotOverflow) {
  Rng rng(77);
  for (int i = 0; i < 50; ++i) {
    Scene sc = random_scene(rng, std::nullopt, 3);
    for (auto& j : sc.running) {
      j.priority = rng.chance(0.5) ? std::numeric_limits<std::int64_t>::min() + rng.between(0, 2)
                                   : std::numeric_limits<std::int64_t>::max() - rng.between(0, 2);
    }
    Request req = random_request(rng, *sc.layout, 2);
    if (sc.pool->find(req)) continue;
    for (std::int64_t p : {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
                           std::int64_t{0}}) {
      for (std::int64_t gap : {std::int64_t{1}, std::numeric_limits<std::int64_t>::max()}) {
        std::string failure = check_preemption(sc, req, p, gap);
        ASSERT_TRUE(failure.empty()) << "case " << i << " priority " << p << " gap " << gap << ": " << failure
                                     << "\n  " << sc.text;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, PreemptionProperty, ::testing::Values(1, 2, 3));

// The smallest cases of what the random runs found, each against preemption.h's ranking.
struct SmallPool {
  std::shared_ptr<const Layout> layout;
  std::unique_ptr<BlockPool> pool;
  std::vector<RunningJob> running;
  SmallPool(const char* conf, std::vector<RunningJob> jobs)
      : layout(std::make_shared<const Layout>(parse_inventory(conf, "case.conf"))),
        pool(std::make_unique<BlockPool>(layout)),
        running(std::move(jobs)) {
    for (const auto& j : running) pool->take(j.spans, j.id);
  }
};

// Fewer blocks ranks before contiguity: {1, 3} hold 10 blocks, any window needs job 2 (11).
TEST(PreemptionCases, FewerVictimBlocksRankBeforeContiguity) {
  SmallPool p("NodeName=n0 Kind=gpu Name=g0 TFLOPS=20\n", {{1, 0, {{0, 0, 5}}, {}, true},
                                                           {2, 0, {{0, 5, 6}}, {}, true},
                                                           {3, 0, {{0, 11, 5}}, {}, true},
                                                           {4, 9, {{0, 16, 4}}, {}, true}});
  auto plan = plan_preemption(*p.pool, Request{10, 1, {}, {}}, 5, p.running, 1);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->victims, (std::vector<JobId>{1, 3}));
  EXPECT_EQ(plan->victim_blocks, 10u);
}

// One victim that spans both nodes beats one victim per node.
TEST(PreemptionCases, OneVictimAcrossNodesBeatsOnePerNode) {
  SmallPool p("NodeName=n[0-1] Kind=gpu Name=g TFLOPS=4\n", {{1, 1, {{0, 0, 2}, {1, 0, 2}}, {}, true},
                                                             {2, 1, {{0, 2, 2}}, {}, true},
                                                             {3, 1, {{1, 2, 2}}, {}, true}});
  auto plan = plan_preemption(*p.pool, Request{2, 2, {}, {}}, 5, p.running, 1);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->victims, (std::vector<JobId>{1}));
}

// contiguous is about the blocks after all victims go, those freed on other nodes included.
TEST(PreemptionCases, ContiguousCountsBlocksFreedForOtherNodes) {
  SmallPool p("NodeName=n0 Kind=npu Name=a TFLOPS=7\nNodeName=n1 Kind=npu Name=b TFLOPS=4\n",
              {{1, 0, {{0, 2, 4}, {1, 0, 4}}, {}, true}, {2, 9, {{0, 0, 1}}, {}, true}});
  auto plan = plan_preemption(*p.pool, Request{2, 2, {}, {}}, 5, p.running, 1);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->victims, (std::vector<JobId>{1}));
  EXPECT_TRUE(plan->contiguous) << "after job 1 goes, n0 has [1,7) free and n1 [0,4)";
}

// ---------------------------------------------------------------- migration

std::string check_migration(const Scene& sc, const Request& req, MigrationPolicy policy,
                            std::optional<MigrationPlan>* out = nullptr, bool within_cards = false) {
  auto plan = plan_migration(*sc.pool, req, sc.running, policy, within_cards);
  if (out) *out = plan;
  bool enough = false;
  for (std::uint32_t n = 0; n < sc.ref->nodes(); ++n) {
    if (req.node && *req.node != n) continue;
    enough = enough || sc.ref->free_count(n, req.kind) >= req.blocks;
  }
  if (policy == MigrationPolicy::none) {
    PROP_REQUIRE(!plan, "policy none planned a migration");
    return {};
  }
  if (!enough) {
    PROP_REQUIRE(!plan, "a migration plan although no node has " << req.blocks << " free blocks");
    return {};
  }
  if (!plan) return {};
  const std::uint32_t node = plan->node;
  PROP_REQUIRE(node < sc.ref->nodes() && (!req.node || *req.node == node), "plan on node " << node);
  BlockRange d = sc.layout->domain(node, req.kind);
  PROP_REQUIRE(plan->target.node == node && plan->target.count == req.blocks &&
                   plan->target.first >= d.first && plan->target.end() <= d.end(),
               "target " << str(plan->target) << " is not " << req.blocks << " blocks of the domain ["
                         << d.first << "," << d.end() << ") on n" << node);
  BlockPool after = *sc.pool;
  std::set<JobId> moved;
  std::uint64_t blocks_moved = 0;
  for (const Move& m : plan->moves) {
    auto it = std::find_if(sc.running.begin(), sc.running.end(),
                           [&](const RunningJob& j) { return j.id == m.job; });
    PROP_REQUIRE(it != sc.running.end(), "move of job " << m.job << ", which is not running");
    PROP_REQUIRE(it->migratable,
                 "job " << m.job << " is not migratable but moves " << str(m.from) << " -> " << str(m.to));
    PROP_REQUIRE(moved.insert(m.job).second, "job " << m.job << " moves twice");
    PROP_REQUIRE(m.from == on_node(it->spans, node),
                 "move of " << m.job << " from " << str(m.from) << " but it holds "
                            << str(on_node(it->spans, node)) << " on n" << node);
    PROP_REQUIRE(m.to.size() == 1 && m.to[0].node == node && m.to[0].count == count_of(m.from),
                 "job " << m.job << " moves " << str(m.from) << " -> " << str(m.to)
                        << ": not one run of the same size on n" << node);
    BlockRange jd = sc.layout->domain(node, it->kind);
    PROP_REQUIRE(
        m.to[0].first >= jd.first && m.to[0].end() <= jd.end(),
        "job " << m.job << " (kind " << str(it->kind) << ") moves out of its domain to " << str(m.to));
    PROP_REQUIRE(!within_cards || renumbers_only(*sc.layout, m),
                 "job " << m.job << " changes cards within cards: " << str(m.from) << " -> " << str(m.to));
    blocks_moved += count_of(m.from);
    after.release(m.from);
  }
  for (const Move& m : plan->moves) {
    PROP_REQUIRE(after.is_free(m.to), "job " << m.job << " moves onto held blocks " << str(m.to));
    after.take(m.to, m.job);
  }
  PROP_REQUIRE(after.is_free({plan->target}),
               "target " << str(plan->target) << " is not free after the moves");
  PROP_REQUIRE(plan->blocks_moved == blocks_moved,
               "blocks_moved " << plan->blocks_moved << ", moves hold " << blocks_moved);
  if (policy == MigrationPolicy::minimal) {
    std::set<JobId> in_window;
    for (std::uint32_t b = plan->target.first; b < plan->target.end(); ++b) {
      if (sc.ref->owner(node, b) != kNoJob) in_window.insert(sc.ref->owner(node, b));
    }
    PROP_REQUIRE(in_window == moved,
                 "minimal moved other jobs than those in the window " << str(plan->target));
    for (const Move& m : plan->moves) {
      PROP_REQUIRE(m.to[0].end() <= plan->target.first || m.to[0].first >= plan->target.end(),
                   "job " << m.job << " moved into the window: " << str(m.to));
    }
  }
  return {};
}

class MigrationProperty : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(MigrationProperty, MovesAreLegalAndClearTheTarget) {
  std::size_t planned = 0, asked = 0;
  for (std::uint64_t i = 0; i < scaled(150); ++i) {
    std::uint64_t seed = GetParam() * 100000 + i;
    Rng rng(seed);
    Scene sc = random_scene(rng, std::nullopt, 4);
    for (int q = 0; q < 20; ++q) {
      Request req = random_request(rng, *sc.layout, 1);
      req.nodes = 1;
      bool run_exists = false;
      for (std::uint32_t n = 0; n < sc.ref->nodes(); ++n) {
        if (!req.node || *req.node == n)
          run_exists = run_exists || sc.ref->largest(n, req.kind) >= req.blocks;
      }
      if (run_exists) continue;  // nothing to migrate for
      for (MigrationPolicy policy :
           {MigrationPolicy::none, MigrationPolicy::compact, MigrationPolicy::minimal}) {
        std::string failure;
        std::optional<MigrationPlan> plan;
        try {
          failure = check_migration(sc, req, policy, &plan);
          // Within cards: a plan, when there is one, is legal and only renumbers.
          if (failure.empty()) failure = check_migration(sc, req, policy, nullptr, true);
          // Node choice: restricted to one node at a time, the same planner says what each node
          // can do; the plan stops the fewest jobs any node needs, then compact takes the first
          // such node, minimal the fewest blocks moved among them.
          if (failure.empty() && !req.node) {
            std::optional<std::size_t> fewest_stopped;
            std::optional<std::uint32_t> first_working;  // of those that stop the fewest
            std::optional<std::uint64_t> fewest_blocks;  // likewise
            for (std::uint32_t n = 0; n < sc.ref->nodes(); ++n) {
              Request one = req;
              one.node = n;
              auto p = plan_migration(*sc.pool, one, sc.running, policy);
              if (!p) continue;
              const std::size_t stopped = jobs_stopped(*sc.layout, *p);
              if (!fewest_stopped || stopped < *fewest_stopped) {
                fewest_stopped = stopped, first_working = n, fewest_blocks = p->blocks_moved;
              } else if (stopped == *fewest_stopped && p->blocks_moved < *fewest_blocks) {
                fewest_blocks = p->blocks_moved;
              }
            }
            if (policy != MigrationPolicy::none && plan.has_value() != first_working.has_value()) {
              failure = "unrestricted plan is " + std::string(plan ? "a plan" : "nullopt") +
                        " but restricted to single nodes it is the other way";
            } else if (plan && jobs_stopped(*sc.layout, *plan) != *fewest_stopped) {
              failure = "the plan stops " + std::to_string(jobs_stopped(*sc.layout, *plan)) +
                        " jobs but a node needs only " + std::to_string(*fewest_stopped);
            } else if (plan && policy == MigrationPolicy::compact && plan->node != *first_working) {
              failure = "compact chose n" + std::to_string(plan->node) + " but n" +
                        std::to_string(*first_working) + " is the first node that stops as few jobs";
            } else if (plan && policy == MigrationPolicy::minimal && plan->blocks_moved != *fewest_blocks) {
              failure = "minimal moves " + std::to_string(plan->blocks_moved) +
                        " blocks but a node that stops as few jobs needs only " +
                        std::to_string(*fewest_blocks);
            }
          }
          // Compact always works on a node where every job may move anywhere on it.
          if (failure.empty() && policy == MigrationPolicy::compact && !req.kind) {
            for (std::uint32_t n = 0; n < sc.ref->nodes(); ++n) {
              if (req.node && *req.node != n) continue;
              if (sc.ref->free_count(n, std::nullopt) < req.blocks) continue;
              bool free_to_move = true;
              for (const auto& j : sc.running) {
                if (!on_node(j.spans, n).empty() && (!j.migratable || j.kind)) free_to_move = false;
              }
              if (!free_to_move) continue;
              if (!plan) {
                failure = "compact found no plan, although on n" + std::to_string(n) +
                          " every job is untyped and migratable and enough blocks are free";
              }
              break;
            }
          }
        } catch (const std::exception& e) {
          failure = std::string("unexpected exception: ") + e.what();
        }
        ASSERT_TRUE(failure.empty()) << "seed " << seed << " query " << q << ": " << str(req) << " policy "
                                     << migration_policy_name(policy) << "\n  " << sc.text << "\n  "
                                     << failure;
        asked += policy != MigrationPolicy::none;
        planned += plan.has_value();
      }
    }
  }
  EXPECT_GT(asked, 100u);
  EXPECT_GT(planned, 30u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, MigrationProperty, ::testing::Values(1, 2, 3));

}  // namespace
}  // namespace tflops::pool::proptest

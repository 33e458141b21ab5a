// SPDX-License-Identifier: GPL-2.0-or-later
// Scheduler::save()/restore() (scheduler.h): "restore() throws Error when the text is damaged,
// of another version, made for another layout, or holds a block twice".
//
// The text comes from random submit/end sequences. A restore either throws tflops::pool::Error
// or gives a scheduler whose state keeps the invariants and that keeps working; any other
// exception, crash or sanitizer report is a finding.
#include <gtest/gtest.h>

#include <cmath>

#include "model.h"
#include "tflops/pool/scheduler.h"

namespace tflops::pool::proptest {
namespace {

struct Saved {
  std::shared_ptr<const Layout> layout;
  std::string text;
};

Inventory small_inventory(Rng& rng) {
  InventoryShape shape;
  shape.max_nodes = 4;
  shape.max_cards = 3;
  shape.max_card_blocks = 10;
  return random_inventory(rng, shape);
}

// A state with running, suspended, waiting, refused and ended jobs, odd names included.
Scheduler busy_scheduler(Rng& rng, std::shared_ptr<const Layout> layout, int steps) {
  Scheduler s(layout);
  std::vector<JobId> live;
  JobId next = 1;
  std::uint32_t big = largest_node(*layout);
  for (int i = 0; i < steps; ++i) {
    if (live.empty() || rng.chance(0.65)) {
      JobSpec spec;
      spec.id = next++;
      spec.blocks = rng.chance(0.05) ? big + 1 : rng.between(1, std::max<std::uint32_t>(1, big / 2));
      spec.nodes = rng.chance(0.8) ? 1 : 2;
      if (rng.chance(0.3)) spec.kind = kAllKinds[rng.below(kKindCount)];
      spec.priority = rng.between(0, 6);
      spec.migratable = rng.chance(0.8);
      if (rng.chance(0.3)) spec.name = rng.chance(0.5) ? "a b=c%d\n-e" : "-";
      (void)s.submit(spec);
      if (s.job(spec.id).state != JobState::refused) live.push_back(spec.id);
    } else {
      std::size_t k = rng.below(live.size());
      (void)s.end(live[k]);
      live.erase(live.begin() + static_cast<long>(k));
    }
  }
  return s;
}

Saved random_saved(std::uint64_t seed, int steps = 40) {
  Rng rng(seed);
  auto layout = std::make_shared<const Layout>(small_inventory(rng));
  Scheduler s = busy_scheduler(rng, layout, steps);
  return Saved{layout, s.save()};
}

std::string trim(std::string_view t) {
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ' || t.back() == '\r')) t.remove_suffix(1);
  return std::string(t);
}

enum class Outcome { error, accepted, other };

Outcome try_restore(const std::shared_ptr<const Layout>& layout, std::string_view text, std::string* what,
                    std::optional<Scheduler>* out = nullptr) {
  try {
    Scheduler s = Scheduler::restore(layout, text);
    if (out) out->emplace(std::move(s));
    return Outcome::accepted;
  } catch (const Error& e) {
    if (what) *what = e.what();
    return Outcome::error;
  } catch (const std::exception& e) {
    if (what) *what = e.what();
    return Outcome::other;
  }
}

// The restored scheduler holds together and keeps working: every job can be ended, the queue
// pass runs, the invariants hold after each step.
std::string check_usable(Scheduler& s) {
  PROP_CHECK(check_jobs(s, nullptr, /*suspended_need_last=*/false));
  std::vector<JobId> live;
  for (const auto& [id, job] : s.jobs()) {
    if (job.state == JobState::running || queued(job.state)) live.push_back(id);
  }
  for (JobId id : live) {
    if (!queued(s.job(id).state) && s.job(id).state != JobState::running) continue;
    try {
      (void)s.end(id);
    } catch (const std::exception& e) {
      PROP_REQUIRE(false, "end(" << id << ") on the restored scheduler threw: " << e.what());
    }
    PROP_CHECK(check_jobs(s, nullptr, false));
  }
  return {};
}

TEST(StateProperty, SaveRestoreRoundTripsExactly) {
  for (std::uint64_t seed = 1; seed <= scaled(60); ++seed) {
    Saved saved = random_saved(seed, static_cast<int>(seed % 7) * 15);
    std::string what;
    std::optional<Scheduler> back;
    ASSERT_EQ(try_restore(saved.layout, saved.text, &what, &back), Outcome::accepted)
        << "seed " << seed << ": " << what;
    EXPECT_EQ(back->save(), saved.text) << "seed " << seed;
  }
}

TEST(StateProperty, WrongVersionOrMissingHeaderIsAnError) {
  Saved saved = random_saved(3);
  std::size_t eol = saved.text.find('\n');
  std::string first = saved.text.substr(0, eol);
  std::string rest = saved.text.substr(eol);
  std::size_t space = first.rfind(' ');
  ASSERT_NE(space, std::string::npos) << "first line '" << first << "' has no version";
  std::string magic = first.substr(0, space);
  for (const std::string& header : {magic + " 0", magic + " 2", magic + " 10", magic + " 1.0", magic,
                                    std::string("other-format 1"), std::string("")}) {
    std::string what;
    EXPECT_EQ(try_restore(saved.layout, header + rest, &what), Outcome::error) << "header '" << header << "'";
  }
  std::string what;
  EXPECT_EQ(try_restore(saved.layout, rest.substr(1), &what), Outcome::error) << "no header line";
  EXPECT_EQ(try_restore(saved.layout, "", &what), Outcome::error) << "empty text";
}

// Truncation: any proper prefix that lost more than trailing white space is damaged text.
TEST(StateProperty, TruncatedTextIsAnError) {
  std::vector<std::string> accepted;
  std::size_t tried = 0;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    Saved saved = random_saved(seed * 11, 30);
    std::string full = trim(saved.text);
    for (std::size_t cut = 0; cut < saved.text.size(); ++cut) {
      std::string prefix = saved.text.substr(0, cut);
      if (trim(prefix) == full) continue;
      ++tried;
      std::string what;
      Outcome o = try_restore(saved.layout, prefix, &what);
      ASSERT_NE(o, Outcome::other) << "seed " << seed * 11 << " cut at " << cut
                                   << " threw a non-Error: " << what;
      if (o == Outcome::accepted && accepted.size() < 8) {
        std::size_t line_start = prefix.rfind('\n', prefix.empty() ? 0 : prefix.size() - 1);
        std::string tail = prefix.substr(line_start == std::string::npos ? 0 : line_start + 1);
        accepted.push_back("seed " + std::to_string(seed * 11) + " cut at " + std::to_string(cut) + " of " +
                           std::to_string(saved.text.size()) + ", text ends '" +
                           (tail.empty() ? std::string("<line boundary>")
                                         : tail.substr(tail.size() > 60 ? tail.size() - 60 : 0)) +
                           "'");
      }
    }
  }
  std::string list;
  for (const auto& a : accepted) list += "\n  " + a;
  EXPECT_TRUE(accepted.empty()) << "restore() accepted truncated state text (" << tried
                                << " prefixes tried); first ones:" << list;
}

// Two jobs on one block.
TEST(StateProperty, BlockHeldTwiceIsAnError) {
  int cases = 0;
  for (std::uint64_t seed = 1; seed <= 40 && cases < 10; ++seed) {
    Saved saved = random_saved(seed, 25);
    // The spans word of every running job line.
    std::vector<std::pair<std::size_t, std::size_t>> spans;  // offset, length of the value
    std::size_t pos = 0;
    while ((pos = saved.text.find("state=running", pos)) != std::string::npos) {
      std::size_t at = saved.text.find(" spans=", pos);
      std::size_t value = at + 7;
      std::size_t stop = saved.text.find(' ', value);
      spans.emplace_back(value, stop - value);
      pos = stop;
    }
    if (spans.size() < 2) continue;
    ++cases;
    // The second running job claims the first one's blocks.
    std::string text = saved.text;
    text.replace(spans[1].first, spans[1].second, saved.text.substr(spans[0].first, spans[0].second));
    std::string what;
    EXPECT_EQ(try_restore(saved.layout, text, &what), Outcome::error) << "seed " << seed << ":\n" << text;
    // And a duplicated job line (same id twice).
    std::size_t line = saved.text.rfind('\n', spans[0].first) + 1;
    std::size_t line_end = saved.text.find('\n', spans[0].first) + 1;
    std::string dup = saved.text + saved.text.substr(line, line_end - line);
    EXPECT_EQ(try_restore(saved.layout, dup, &what), Outcome::error) << "seed " << seed << " duplicated line";
  }
  EXPECT_GE(cases, 5);
}

Inventory with_change(Inventory inv, int change) {
  switch (change) {
    case 0:
      inv.nodes[0] += "x";
      for (auto& c : inv.cards)
        if (c.node + "x" == inv.nodes[0]) c.node = inv.nodes[0];
      break;
    case 1: inv.cards[0].tflops += inv.options.block_tflops; break;  // one block more
    case 2: {  // another region order: the same region sizes, other block numbers
      auto& o = inv.options.region_order;
      std::rotate(o.begin(), o.begin() + 1, o.end());
      break;
    }
    case 3: {  // a node more
      Card c = inv.cards[0];
      c.node = "extra-node";
      inv.cards.push_back(c);
      inv.nodes.push_back("extra-node");
      break;
    }
    case 4:  // nodes in another order
      std::reverse(inv.nodes.begin(), inv.nodes.end());
      break;
  }
  return inv;
}

TEST(StateProperty, OtherLayoutIsAnError) {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    Rng rng(seed);
    InventoryShape shape;
    shape.min_nodes = 2;
    shape.max_nodes = 4;
    Inventory inv = random_inventory(rng, shape);
    // Regions of distinct sizes on every node make a region-order change visible in the numbers.
    auto layout = std::make_shared<const Layout>(inv);
    Scheduler s = busy_scheduler(rng, layout, 20);
    std::string text = s.save();
    for (int change = 0; change < 5; ++change) {
      Inventory other = with_change(inv, change);
      auto other_layout = std::make_shared<const Layout>(other);
      bool same_numbering = true;  // the change may leave every block where it was (e.g. one region)
      for (std::size_t n = 0; n < layout->nodes().size() && same_numbering; ++n) {
        if (n >= other_layout->nodes().size()) break;
        const auto& a = layout->nodes()[n];
        const auto& b = other_layout->nodes()[n];
        same_numbering = a.name == b.name && a.blocks == b.blocks;
        for (std::size_t k = 0; k < kKindCount; ++k) {
          same_numbering = same_numbering && a.regions[k].count == b.regions[k].count &&
                           (!a.regions[k].count || a.regions[k].first == b.regions[k].first);
        }
      }
      same_numbering = same_numbering && layout->nodes().size() == other_layout->nodes().size();
      if (same_numbering) continue;
      std::string what;
      EXPECT_EQ(try_restore(other_layout, text, &what), Outcome::error)
          << "seed " << seed << " change " << change << ": state saved on\n  " << describe(*layout)
          << "\nrestored on\n  " << describe(*other_layout);
    }
  }
}

// Cards split differently inside a region: same region sizes, but blocks map to other cards.
TEST(StateProperty, OtherCardsBehindTheSameBlocksIsAnError) {
  Rng rng(5);
  Inventory inv = small_inventory(rng);
  auto layout = std::make_shared<const Layout>(inv);
  Scheduler s = busy_scheduler(rng, layout, 15);
  Inventory other = inv;
  std::size_t k = 0;
  while (k < other.cards.size() && other.cards[k].tflops < 2 * other.options.block_tflops) ++k;
  if (k == other.cards.size()) GTEST_SKIP() << "no card to split";
  Card half = other.cards[k];
  double blocks = half.tflops / other.options.block_tflops;
  other.cards[k].tflops = std::floor(blocks / 2) * other.options.block_tflops;
  half.tflops -= other.cards[k].tflops;
  half.name += "-split";
  other.cards.insert(other.cards.begin() + static_cast<long>(k) + 1, half);
  std::string what;
  EXPECT_EQ(try_restore(std::make_shared<const Layout>(other), s.save(), &what), Outcome::error)
      << "card " << inv.cards[k].name << " split in two; the saved jobs' blocks now map to other cards";
}

// The smallest cases: a state file cut after a whole line, and a region order changed under it.
TEST(StateCases, CutAfterAWholeJobLineIsAnError) {
  auto layout = std::make_shared<const Layout>(parse_inventory(
      "NodeName=n0 Kind=gpu Name=g TFLOPS=4\nNodeName=n0 Kind=npu Name=p TFLOPS=4\n", "case.conf"));
  Scheduler s(layout);
  JobSpec a;
  a.id = 1;
  a.blocks = 3;
  a.kind = Kind::gpu;
  (void)s.submit(a);
  JobSpec b = a;
  b.id = 2;
  b.blocks = 2;
  b.kind = Kind::npu;
  (void)s.submit(b);
  std::string text = s.save();
  std::string cut = text.substr(0, text.find("job id=2"));
  EXPECT_THROW(Scheduler::restore(layout, cut), Error) << "job 2 and its blocks would be lost:\n" << cut;
}

TEST(StateCases, RunningJobWhoseBlocksDisagreeWithItsRequestIsAnError) {
  auto layout = std::make_shared<const Layout>(
      parse_inventory("NodeName=n0 Kind=gpu Name=g TFLOPS=8\n", "case.conf"));
  Scheduler s(layout);
  JobSpec a;
  a.id = 1;
  a.blocks = 3;
  (void)s.submit(a);
  std::string text = s.save();
  std::size_t at = text.find("blocks=3");
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, 8, "blocks=4");  // asks for 4, holds 3
  EXPECT_THROW(Scheduler::restore(layout, text), Error) << text;
}

TEST(StateCases, AnotherRegionOrderIsAnError) {
  const char* cards = "NodeName=n0 Kind=gpu Name=g TFLOPS=4\nNodeName=n0 Kind=npu Name=p TFLOPS=4\n";
  auto layout = std::make_shared<const Layout>(parse_inventory(cards, "case.conf"));
  Scheduler s(layout);
  JobSpec a;
  a.id = 1;
  a.blocks = 3;
  a.kind = Kind::gpu;
  (void)s.submit(a);
  auto reordered = std::make_shared<const Layout>(
      parse_inventory(std::string("RegionOrder=npu,gpu,fpga\n") + cards, "case.conf"));
  EXPECT_THROW(Scheduler::restore(reordered, s.save()), Error)
      << "job 1 asked for gpu blocks; on the new layout its blocks 0-2 are npu";
}

// Random damage: Error, or a consistent scheduler that keeps working. Never anything else.
TEST(StateProperty, RandomDamageIsAnErrorOrAConsistentState) {
  std::vector<std::string> findings;
  for (std::uint64_t seed = 1; seed <= scaled(400); ++seed) {
    Saved saved = random_saved(seed % 40 + 1, 30);
    Rng rng(seed * 31337);
    std::string text = saved.text;
    int edits = 1 + static_cast<int>(rng.below(3));
    for (int e = 0; e < edits && !text.empty(); ++e) {
      std::size_t at = rng.below(text.size());
      switch (rng.below(6)) {
        case 0: text[at] = static_cast<char>('0' + rng.below(10)); break;  // a digit
        case 1: text.erase(at, 1 + rng.below(4)); break;
        case 2: text.insert(at, 1, "-+,:=% 9\n"[rng.below(9)]); break;
        case 3: {  // a line twice
          std::size_t s = text.rfind('\n', at);
          s = s == std::string::npos ? 0 : s + 1;
          std::size_t t = text.find('\n', at);
          if (t != std::string::npos) text.insert(t + 1, text.substr(s, t + 1 - s));
          break;
        }
        case 4: {  // a number made large
          std::size_t d = text.find_first_of("0123456789", at);
          if (d != std::string::npos) text.insert(d, rng.chance(0.5) ? "4294967" : "99999999999999999999");
          break;
        }
        default: {  // spans made to touch or overlap
          std::size_t p = text.find('+', at);
          if (p != std::string::npos) text.insert(p + 1, "1");
        }
      }
    }
    std::string what;
    std::optional<Scheduler> back;
    Outcome o = try_restore(saved.layout, text, &what, &back);
    ASSERT_NE(o, Outcome::other) << "seed " << seed << ": restore threw a non-Error (" << what << ") on:\n"
                                 << text;
    if (o != Outcome::accepted) continue;
    std::string failure = check_usable(*back);
    if (!failure.empty() && findings.size() < 5) {
      findings.push_back("seed " + std::to_string(seed) + ": " + failure + "\n--- text:\n" + text +
                         "--- saved was:\n" + saved.text);
    }
  }
  std::string list;
  for (const auto& f : findings) list += "\n" + f;
  EXPECT_TRUE(findings.empty()) << "restore() accepted damaged text into an inconsistent state:" << list;
}

}  // namespace
}  // namespace tflops::pool::proptest

// SPDX-License-Identifier: GPL-2.0-or-later
// The parts of `tflopsctl pool --live` and `tflopsctl metrics` that need no cluster: Slurm's GRES
// text, the block numbering of a snapshot against the card inventory (the worked example's 200
// TFLOPS pool), the table and JSON, and the Prometheus text checked line by line.
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "live_output.h"
#include "live_view.h"
#include "metrics_text.h"
#include "slurm_gres_text.h"
#include "tflops/pool/error.h"
#include "tflops/pool/inventory.h"

namespace tflops::cli {
namespace {

using gres::GresItem;
using gres::merge_ranges;
using gres::parse_gres_text;

using pool::BlockRange;

std::vector<std::pair<std::uint32_t, std::uint32_t>> spans(const std::vector<BlockRange>& ranges) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  for (const auto& range : ranges) out.emplace_back(range.first, range.end() - 1);
  return out;
}

using Spans = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

// ---- Slurm's GRES text ----

TEST(SlurmGresText, JobDetailWithTypedItems) {
  // What `scontrol show job -d` printed for the worked example's 50-block job on node0
  // (tests/integration).
  const auto items = parse_gres_text(
      "tflops:gpu:18(IDX:0-17),tflops:npu:20(IDX:18-37),tflops:fpga:12(IDX:38-49)");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].name, "tflops");
  EXPECT_EQ(items[0].type, "gpu");
  EXPECT_EQ(items[0].count, 18u);
  EXPECT_TRUE(items[0].has_index);
  EXPECT_TRUE(items[0].complete);
  EXPECT_EQ(spans(items[0].indexes), (Spans{{0, 17}}));
  EXPECT_EQ(items[1].type, "npu");
  EXPECT_EQ(spans(items[1].indexes), (Spans{{18, 37}}));
  EXPECT_EQ(items[2].type, "fpga");
  EXPECT_EQ(items[2].count, 12u);
  EXPECT_EQ(spans(items[2].indexes), (Spans{{38, 49}}));
}

TEST(SlurmGresText, IndexListsWithCommasSingleBitsAndOtherGres) {
  const auto items = parse_gres_text("gpu:1(IDX:0),tflops:npu:7(IDX:20-23,30,40-41),gpu(CNT:2)");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].name, "gpu");
  EXPECT_EQ(items[0].type, "");
  EXPECT_EQ(spans(items[0].indexes), (Spans{{0, 0}}));
  EXPECT_EQ(items[1].count, 7u);
  EXPECT_EQ(spans(items[1].indexes), (Spans{{20, 23}, {30, 30}, {40, 41}}));
  EXPECT_EQ(items[1].index_count(), 7u);
  EXPECT_EQ(items[2].count, 2u);
  EXPECT_FALSE(items[2].has_index);
}

TEST(SlurmGresText, NodeGresConfiguredAndUsed) {
  auto items = parse_gres_text("tflops:gpu:18(S:0-1),tflops:npu:1K");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].count, 18u);
  EXPECT_FALSE(items[0].has_index);
  EXPECT_EQ(items[1].count, 1024u);

  items = parse_gres_text("tflops:gpu:18(IDX:0-17),tflops:npu:0(IDX:N/A)");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_TRUE(items[0].has_index);
  EXPECT_FALSE(items[1].has_index);
  EXPECT_EQ(items[1].count, 0u);

  // A job's detail names every type of its request, with an empty list for those it got none of.
  items = parse_gres_text("tflops:gpu:3(IDX:0-2),tflops:npu:0(IDX:),tflops:fpga:0(IDX:)");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(spans(items[0].indexes), (Spans{{0, 2}}));
  EXPECT_TRUE(items[1].has_index);
  EXPECT_TRUE(items[1].complete);
  EXPECT_TRUE(items[1].indexes.empty());

  EXPECT_TRUE(parse_gres_text("(null)").empty());
  EXPECT_TRUE(parse_gres_text("").empty());
  items = parse_gres_text("tflops:50");  // count-only, untyped
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].type, "");
  EXPECT_EQ(items[0].count, 50u);
}

TEST(SlurmGresText, ListCutBySlurmIsMarkedIncomplete) {
  // Slurm cut "0,2,4,...,120-125" inside the last range: the count says 10, the list names fewer.
  auto items = parse_gres_text("tflops:gpu:10(IDX:0,2,4,6,8,12-1)");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_FALSE(items[0].complete);
  EXPECT_EQ(spans(items[0].indexes), (Spans{{0, 0}, {2, 2}, {4, 4}, {6, 6}, {8, 8}}));
  // A list that is whole but holds a malformed word is an error, not a cut.
  EXPECT_THROW(parse_gres_text("tflops:gpu:2(IDX:0-1,x)"), pool::Error);
}

TEST(SlurmGresText, ErrorsQuoteTheText) {
  try {
    parse_gres_text("tflops:gpu:2(IDX:0-1");
    FAIL() << "no error";
  } catch (const pool::Error& error) {
    EXPECT_NE(std::string(error.what()).find("tflops:gpu:2(IDX:0-1"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("without ')'"), std::string::npos);
  }
  EXPECT_THROW(parse_gres_text(":gpu:2"), pool::Error);
  EXPECT_THROW(parse_gres_text("a:b:c:2"), pool::Error);
  EXPECT_THROW(parse_gres_text("tflops:gpu:2)"), pool::Error);
  EXPECT_THROW(parse_gres_text("tflops:gpu(CNT:)"), pool::Error);
}

// ---- the live view on the worked example's 200 TFLOPS pool ----

std::shared_ptr<const pool::Layout> spec_pool() {
  return std::make_shared<const pool::Layout>(pool::load_inventory(TFLOPS_EXAMPLES "/tflops.conf"));
}

SlurmNode node(const std::string& name, const std::string& gres, const std::string& used) {
  return {name, "mixed", gres, used};
}

// The Gres= the inventory gives, and Slurm's used text, for the four nodes.
SlurmSnapshot spec_snapshot() {
  SlurmSnapshot snapshot;
  snapshot.slurm_conf = "/test/slurm.conf";
  snapshot.nodes = {
      node("node0", "tflops:gpu:18,tflops:npu:20,tflops:fpga:25",
           "tflops:gpu:18(IDX:0-17),tflops:npu:20(IDX:18-37),tflops:fpga:12(IDX:38-49)"),
      node("node1", "tflops:gpu:20,tflops:npu:36", "tflops:gpu:0(IDX:N/A),tflops:npu:4(IDX:20-23)"),
      node("node2", "tflops:npu:3,tflops:fpga:23", "tflops:npu:0(IDX:N/A),tflops:fpga:0(IDX:N/A)"),
      node("node3", "tflops:gpu:28,tflops:npu:15,tflops:fpga:12",
           "tflops:gpu:0(IDX:N/A),tflops:npu:0(IDX:N/A),tflops:fpga:0(IDX:N/A)"),
  };
  snapshot.jobs = {
      {12,
       "big",
       "alice",
       SlurmJobState::running,
       {"node0"},
       {"tflops:gpu:18(IDX:0-17),tflops:npu:20(IDX:18-37),tflops:fpga:12(IDX:38-49)"}},
      {14,
       "mixed",
       "bob",
       SlurmJobState::running,
       {"node1"},
       {"gpu:1(IDX:0),tflops:gpu:0(IDX:),tflops:npu:4(IDX:20-23)"}},
      {15, "cpu-only", "bob", SlurmJobState::running, {"node2"}, {""}},
  };
  return snapshot;
}

TEST(LiveView, RunningJobsOwnTheirBlocks) {
  const auto view = build_live_view(spec_pool(), spec_snapshot());
  EXPECT_TRUE(view.warnings.empty()) << view.warnings.front();
  ASSERT_EQ(view.jobs.size(), 2u);  // job 15 holds no tflops
  EXPECT_EQ(view.jobs[0].id, 12u);
  EXPECT_EQ(view.jobs[0].blocks(), 50u);
  EXPECT_EQ(view.jobs[0].held(), 50u);
  EXPECT_EQ(spans(view.jobs[0].nodes[0].blocks), (Spans{{0, 49}}));
  EXPECT_EQ(view.jobs[1].nodes[0].node_index, 1u);
  EXPECT_EQ(spans(view.jobs[1].nodes[0].blocks), (Spans{{20, 23}}));

  const auto& node0 = view.nodes[0].owners;
  EXPECT_EQ(node0[0], (BlockOwner{Holder::running, 12}));
  EXPECT_EQ(node0[49], (BlockOwner{Holder::running, 12}));
  EXPECT_EQ(node0[50], (BlockOwner{}));
  EXPECT_EQ(view.nodes[0].used, (std::array<std::uint32_t, 3>{18, 20, 12}));
  EXPECT_EQ(view.nodes[1].used, (std::array<std::uint32_t, 3>{0, 4, 0}));
  EXPECT_EQ(view.used_blocks(), 54u);
  EXPECT_EQ(view.free_blocks(), 146u);
}

TEST(LiveView, SuspendedJobHoldsOrHasReleasedItsBlocks) {
  auto snapshot = spec_snapshot();
  // Job 20 was suspended on node3's GPU blocks 0-9. Stock Slurm keeps them (node lists them used).
  snapshot.jobs.push_back(
      {20, "low", "carol", SlurmJobState::suspended, {"node3"}, {"tflops:gpu:10(IDX:0-9)"}});
  snapshot.nodes[3].gres_used = "tflops:gpu:10(IDX:0-9),tflops:npu:0(IDX:N/A),tflops:fpga:0(IDX:N/A)";
  auto view = build_live_view(spec_pool(), snapshot);
  ASSERT_EQ(view.jobs.size(), 3u);
  EXPECT_EQ(view.jobs[2].held(), 10u);
  EXPECT_EQ(view.nodes[3].owners[0], (BlockOwner{Holder::suspended, 20}));
  EXPECT_EQ(view.nodes[3].used[0], 10u);

  // tflops' select plugin released them: the node lists them free.
  snapshot.nodes[3].gres_used = "tflops:gpu:0(IDX:N/A),tflops:npu:0(IDX:N/A),tflops:fpga:0(IDX:N/A)";
  view = build_live_view(spec_pool(), snapshot);
  EXPECT_EQ(view.jobs[2].blocks(), 10u);
  EXPECT_EQ(view.jobs[2].held(), 0u);
  EXPECT_EQ(view.nodes[3].owners[0], (BlockOwner{}));
  EXPECT_EQ(view.nodes[3].used[0], 0u);

  // ... and a running job got blocks 5-14 of them: the suspended job holds none of those.
  snapshot.jobs.push_back(
      {21, "high", "dave", SlurmJobState::running, {"node3"}, {"tflops:gpu:10(IDX:5-14)"}});
  snapshot.nodes[3].gres_used = "tflops:gpu:10(IDX:5-14),tflops:npu:0(IDX:N/A),tflops:fpga:0(IDX:N/A)";
  view = build_live_view(spec_pool(), snapshot);
  EXPECT_EQ(view.jobs[2].id, 20u);
  EXPECT_EQ(view.jobs[2].held(), 0u);
  EXPECT_EQ(view.nodes[3].owners[5], (BlockOwner{Holder::running, 21}));
  EXPECT_EQ(view.nodes[3].owners[0], (BlockOwner{}));
}

TEST(LiveView, BlocksNoJobNamesAreUsedByAnUnknownHolder) {
  auto snapshot = spec_snapshot();
  snapshot.nodes[3].gres_used = "tflops:gpu:2(IDX:3-4),tflops:npu:0(IDX:N/A),tflops:fpga:0(IDX:N/A)";
  const auto view = build_live_view(spec_pool(), snapshot);
  EXPECT_EQ(view.nodes[3].owners[3].holder, Holder::unknown);
  EXPECT_EQ(view.nodes[3].owners[5].holder, Holder::none);
  EXPECT_EQ(view.nodes[3].used[0], 2u);
}

TEST(LiveView, MismatchesWithTheInventoryAreWarnings) {
  auto snapshot = spec_snapshot();
  snapshot.nodes[2].gres = "tflops:npu:3,tflops:fpga:30";
  snapshot.nodes.push_back(node("node9", "tflops:gpu:4", "tflops:gpu:0(IDX:N/A)"));
  snapshot.nodes.erase(snapshot.nodes.begin() + 3);  // node3
  snapshot.jobs.push_back(
      {30, "far", "eve", SlurmJobState::running, {"node2"}, {"tflops:fpga:4(IDX:24-27)"}});
  const auto view = build_live_view(spec_pool(), snapshot);
  const auto all = [&] {
    std::string text;
    for (const auto& warning : view.warnings) text += warning + "\n";
    return text;
  }();
  EXPECT_NE(all.find("node2: Slurm has 30 fpga blocks, the card inventory 23"), std::string::npos) << all;
  EXPECT_NE(all.find("node node9 has tflops GRES in Slurm but is not in the card inventory"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("node node3 is in the card inventory but not in Slurm"), std::string::npos) << all;
  EXPECT_NE(all.find("block 26 is past the node's 26 blocks"), std::string::npos) << all;
  EXPECT_EQ(view.nodes[3].state, "absent");
  EXPECT_EQ(spans(view.jobs.back().nodes[0].blocks), (Spans{{24, 25}}));
}

TEST(LiveView, BadGresTextNamesTheJobAndNode) {
  auto snapshot = spec_snapshot();
  snapshot.jobs[0].gres_detail[0] = "tflops:gpu:18(IDX:0-17";
  try {
    build_live_view(spec_pool(), snapshot);
    FAIL() << "no error";
  } catch (const pool::Error& error) {
    EXPECT_NE(std::string(error.what()).find("job 12's GRES on node0"), std::string::npos) << error.what();
  }
}

// ---- output ----

TEST(LiveOutput, TableShowsPoolAndLocalNumbersAndHolders) {
  auto snapshot = spec_snapshot();
  snapshot.jobs.push_back(
      {20, "low", "carol", SlurmJobState::suspended, {"node3"}, {"tflops:gpu:10(IDX:0-9)"}});
  snapshot.nodes[3].gres_used = "tflops:gpu:10(IDX:0-9),tflops:npu:0(IDX:N/A),tflops:fpga:0(IDX:N/A)";
  std::ostringstream out;
  print_live_table(build_live_view(spec_pool(), snapshot), out);
  const auto text = out.str();
  EXPECT_NE(text.find("200 blocks of 1 TFLOPS, 136 free\n"), std::string::npos) << text;
  EXPECT_NE(text.find("jobs holding blocks: 2 running, 1 suspended"), std::string::npos) << text;
  // The worked example: node0's 50 blocks are pool 1-50: GPU 1-18, NPU 19-38, FPGA 39-50.
  EXPECT_NE(text.find("0-8    1-9      used 1-9 by job 12\n"), std::string::npos) << text;
  EXPECT_NE(text.find("38-62  39-63    used 39-50 by job 12, free 51-63\n"), std::string::npos) << text;
  EXPECT_NE(text.find("used 146-155 by job 20 (suspended), free 156-159"), std::string::npos) << text;
  EXPECT_NE(text.find("12   big    alice  running    node0  50      0-49   1-50\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("20   low    carol  suspended  node3  10      0-9    146-155\n"), std::string::npos)
      << text;
}

TEST(LiveOutput, JsonHasTheSameShapeAsPoolJson) {
  auto snapshot = spec_snapshot();
  const auto json = live_json(build_live_view(spec_pool(), snapshot));
  EXPECT_EQ(json["total_blocks"], 200);
  EXPECT_EQ(json["free_blocks"], 146);
  const auto& gpu0 = json["nodes"][0]["cards"][0];
  EXPECT_EQ(gpu0["name"], "gpu0");
  EXPECT_EQ(gpu0["used"][0]["job"], "12");
  EXPECT_EQ(gpu0["used"][0]["state"], "running");
  EXPECT_EQ(gpu0["used"][0]["first"], 1);
  EXPECT_EQ(gpu0["used"][0]["last"], 9);
  EXPECT_EQ(json["nodes"][1]["used_by_kind"]["npu"], 4);
  EXPECT_EQ(json["jobs"][1]["id"], 14);
  EXPECT_EQ(json["jobs"][1]["nodes"][0]["pool"], nlohmann::ordered_json::parse("[[84,87]]"));
  EXPECT_EQ(json["jobs"][1]["nodes"][0]["local"], nlohmann::ordered_json::parse("[[20,23]]"));
}

// ---- metrics: the exposition format, line by line ----

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Checks the text against the exposition format (version 0.0.4) and returns its samples
// ("name{labels}" -> value).
std::map<std::string, std::string> check_exposition(const std::string& text) {
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*)");
  const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) gauge)");
  const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?))");
  std::map<std::string, std::string> samples;
  std::set<std::string> seen;
  std::string current;
  std::smatch match;
  const auto lines = lines_of(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto& line = lines[i];
    if (std::regex_match(line, match, help)) {
      current = match[1];
      EXPECT_TRUE(seen.insert(current).second) << "metric repeated: " << line;
      const bool typed = i + 1 < lines.size() && std::regex_match(lines[i + 1], match, type) &&
                         match[1] == current;
      EXPECT_TRUE(typed) << "HELP not followed by its TYPE: " << line;
      ++i;
    } else if (std::regex_match(line, match, sample)) {
      EXPECT_EQ(match[1], current) << "sample outside its metric's block: " << line;
      const auto key = match[1].str() + match[2].str();
      EXPECT_TRUE(samples.emplace(key, match[3]).second) << "duplicate sample: " << line;
    } else {
      ADD_FAILURE() << "line " << i + 1 << " is not in the exposition format: '" << line << "'";
    }
  }
  return samples;
}

TEST(MetricsText, GaugesPerNodeAndKindAndJobs) {
  auto snapshot = spec_snapshot();
  snapshot.jobs.push_back(
      {20, "low", "carol", SlurmJobState::suspended, {"node3"}, {"tflops:gpu:10(IDX:0-9)"}});
  snapshot.nodes[3].gres_used = "tflops:gpu:10(IDX:0-9),tflops:npu:0(IDX:N/A),tflops:fpga:0(IDX:N/A)";
  const auto samples = check_exposition(metrics_text(build_live_view(spec_pool(), snapshot)));
  EXPECT_EQ(samples.at("tflops_up"), "1");
  EXPECT_EQ(samples.at("tflops_block_tflops"), "1");
  EXPECT_EQ(samples.at(R"(tflops_blocks_total{node="node0",kind="gpu"})"), "18");
  EXPECT_EQ(samples.at(R"(tflops_blocks_total{node="node0",kind="fpga"})"), "25");
  EXPECT_EQ(samples.at(R"(tflops_blocks_used{node="node0",kind="fpga"})"), "12");
  EXPECT_EQ(samples.at(R"(tflops_blocks_free{node="node0",kind="fpga"})"), "13");
  EXPECT_EQ(samples.at(R"(tflops_blocks_used{node="node3",kind="gpu"})"), "10");
  EXPECT_EQ(samples.at(R"(tflops_blocks_free{node="node1",kind="npu"})"), "32");
  EXPECT_EQ(samples.count(R"(tflops_blocks_total{node="node2",kind="gpu"})"), 0u);  // no GPU there
  EXPECT_EQ(samples.at(R"(tflops_jobs{state="running"})"), "2");
  EXPECT_EQ(samples.at(R"(tflops_jobs{state="suspended"})"), "1");
  EXPECT_EQ(samples.at(R"(tflops_job_blocks{state="running"})"), "54");
  EXPECT_EQ(samples.at(R"(tflops_job_blocks{state="suspended"})"), "10");
  EXPECT_EQ(samples.at("tflops_suspended_blocks_held"), "10");
  EXPECT_EQ(samples.at("tflops_warnings"), "0");
  // Every node and kind of the inventory: 10 regions, three gauges each.
  std::size_t per_node_kind = 0;
  for (const auto& [key, value] : samples) per_node_kind += key.find("{node=") != std::string::npos;
  EXPECT_EQ(per_node_kind, 30u);
}

TEST(MetricsText, LabelValuesAreEscaped) {
  auto layout = std::make_shared<const pool::Layout>(
      pool::parse_inventory("NodeName=n\"1 Kind=gpu Name=g0 TFLOPS=2\n", "test.conf"));
  SlurmSnapshot snapshot;
  snapshot.nodes = {node("n\"1", "tflops:gpu:2", "tflops:gpu:0(IDX:N/A)")};
  const auto text = metrics_text(build_live_view(layout, snapshot));
  EXPECT_NE(text.find(R"(tflops_blocks_total{node="n\"1",kind="gpu"} 2)"), std::string::npos) << text;
  check_exposition(text);
}

TEST(MetricsText, DownIsUpZeroAlone) {
  const auto samples = check_exposition(metrics_down_text());
  EXPECT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples.at("tflops_up"), "0");
}

}  // namespace
}  // namespace tflops::cli

// SPDX-License-Identifier: GPL-2.0-or-later
// Runs the built tflopsctl on the shipped examples (contrib/examples) and checks what a user and
// a script see: the JSON of the pool and of each scenario step, the worked examples (README.md),
// --help, and the exit status and file:line of every kind of bad input.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kExamples = TFLOPS_EXAMPLES;
const std::string kPoolConf = kExamples + "/tflops.conf";
const std::string kMigrationConf = kExamples + "/migration-10t.conf";

struct Result {
  int status = -1;
  std::string out;
  std::string err;
};

std::string shell_quote(const std::string& word) {
  std::string quoted = "'";
  for (const char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A scratch directory per test, for scenario and conf files written on the fly and for stderr.
class TflopsctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("tflopsctl_test-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) const {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  Result run(std::initializer_list<std::string> args) const {
    std::string command = shell_quote(TFLOPSCTL);
    for (const auto& arg : args) command += " " + shell_quote(arg);
    const auto err_path = dir_ / "stderr.txt";
    command += " 2>" + shell_quote(err_path.string());

    Result result;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) {
      ADD_FAILURE() << "popen failed: " << command;
      return result;
    }
    char buffer[4096];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, got);
    const int status = ::pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.err = read_file(err_path);
    return result;
  }

  // simulate --json: one object per line.
  std::vector<json> simulate(const std::string& conf, const std::string& scenario) const {
    const auto result = run({"simulate", "--conf", conf, scenario, "--json"});
    EXPECT_EQ(result.status, 0) << result.err;
    std::vector<json> steps;
    std::istringstream lines(result.out);
    for (std::string line; std::getline(lines, line);) steps.push_back(json::parse(line));
    return steps;
  }

  fs::path dir_;
};

const json& job_named(const json& step, const std::string& name) {
  for (const auto& job : step.at("jobs")) {
    if (job.at("name") == name) return job;
  }
  static const json none;
  ADD_FAILURE() << "no job " << name << " in " << step.dump();
  return none;
}

json ranges(std::initializer_list<std::pair<int, int>> list) {
  json out = json::array();
  for (const auto& [first, last] : list) out.push_back({first, last});
  return out;
}

void expect_job(const json& step, const std::string& name, const std::string& state, const json& blocks) {
  const auto& job = job_named(step, name);
  EXPECT_EQ(job.value("state", ""), state) << name << " at step " << step.dump();
  EXPECT_EQ(job.value("blocks", json()), blocks) << name << " at step " << step.dump();
}

// --- pool -----------------------------------------------------------------------------------

TEST_F(TflopsctlTest, PoolJsonNumbersSpecs200TflopsPool) {
  const auto result = run({"pool", "--conf", kPoolConf, "--json"});
  ASSERT_EQ(result.status, 0) << result.err;
  const auto pool = json::parse(result.out);
  EXPECT_EQ(pool.at("total_blocks"), 200);
  EXPECT_EQ(pool.at("block_tflops"), 1.0);
  const auto& nodes = pool.at("nodes");
  ASSERT_EQ(nodes.size(), 4u);
  EXPECT_EQ(nodes[0].at("name"), "node0");
  EXPECT_EQ(nodes[0].at("blocks"), 63);
  EXPECT_EQ(nodes[1].at("blocks"), 56);
  EXPECT_EQ(nodes[2].at("blocks"), 26);
  EXPECT_EQ(nodes[3].at("blocks"), 55);

  // node0: GPU 1-18 (two cards of 9), NPU 19-38, FPGA 39-63; node-local from 0.
  const auto& cards = nodes[0].at("cards");
  ASSERT_EQ(cards.size(), 4u);
  const struct {
    const char* kind;
    int first, last;
  } expected[] = {{"gpu", 1, 9}, {"gpu", 10, 18}, {"npu", 19, 38}, {"fpga", 39, 63}};
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(cards[i].dump());
    EXPECT_EQ(cards[i].at("kind"), expected[i].kind);
    EXPECT_EQ(cards[i].at("blocks").at("first"), expected[i].first);
    EXPECT_EQ(cards[i].at("blocks").at("last"), expected[i].last);
    EXPECT_EQ(cards[i].at("local_blocks").at("first"), expected[i].first - 1);
    EXPECT_EQ(cards[i].at("local_blocks").at("last"), expected[i].last - 1);
    EXPECT_TRUE(cards[i].at("used").empty());
  }
  EXPECT_EQ(cards[0].at("name"), "gpu0");
  EXPECT_EQ(cards[0].at("device"), "/dev/nvidia0");
  EXPECT_EQ(cards[1].at("device"), "/dev/nvidia1");
  EXPECT_EQ(cards[3].at("tflops"), 25.0);

  // node1 continues the pool-wide numbering, and starts again from 0 locally.
  const auto& node1_first = nodes[1].at("cards").at(0);
  EXPECT_EQ(node1_first.at("blocks").at("first"), 64);
  EXPECT_EQ(node1_first.at("local_blocks").at("first"), 0);
  EXPECT_EQ(nodes[3].at("cards").back().at("blocks").at("last"), 200);
}

TEST_F(TflopsctlTest, PoolTableShowsBothNumberings) {
  const auto result = run({"pool", "--conf", kPoolConf});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("200 blocks"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("39-63"), std::string::npos) << result.out;  // FPGA, pool-wide
  EXPECT_NE(result.out.find("38-62"), std::string::npos) << result.out;  // FPGA, node-local
  EXPECT_NE(result.out.find("free"), std::string::npos) << result.out;
}

TEST_F(TflopsctlTest, PoolWithStateShowsHolders) {
  const auto state = (dir_ / "state.txt").string();
  const auto sim = run(
      {"simulate", "--conf", kPoolConf, kExamples + "/50t-card.scenario", "--save-state", state});
  ASSERT_EQ(sim.status, 0) << sim.err;

  const auto table = run({"pool", "--conf", kPoolConf, "--state", state});
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("used 39-50 by vcard, free 51-63"), std::string::npos) << table.out;

  const auto result = run({"pool", "--conf", kPoolConf, "--state", state, "--json"});
  ASSERT_EQ(result.status, 0) << result.err;
  const auto pool = json::parse(result.out);
  const auto& cards = pool.at("nodes").at(0).at("cards");
  EXPECT_EQ(cards[0].at("used"), json::parse(R"([{"job":"vcard","id":1,"first":1,"last":9}])"));
  EXPECT_EQ(cards[3].at("used"), json::parse(R"([{"job":"vcard","id":1,"first":39,"last":50}])"));
  EXPECT_TRUE(pool.at("nodes").at(1).at("cards").at(0).at("used").empty());
}

TEST_F(TflopsctlTest, PoolRejectsADamagedStateFile) {
  const auto state = write("damaged.state", "this is not a state file\n");
  const auto result = run({"pool", "--conf", kPoolConf, "--state", state});
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("damaged.state"), std::string::npos) << result.err;
}

// --- simulate: the worked examples (README.md) -----------------------------------------------

TEST_F(TflopsctlTest, FiftyTflopsCardIsNode0Blocks1To50) {
  const auto steps = simulate(kPoolConf, kExamples + "/50t-card.scenario");
  ASSERT_EQ(steps.size(), 1u);
  const auto& step = steps[0];
  EXPECT_EQ(step.at("step"), 1);
  EXPECT_EQ(step.at("line"), "submit vcard 50");
  ASSERT_EQ(step.at("events").size(), 1u);
  EXPECT_EQ(step.at("events")[0].at("type"), "started");
  EXPECT_EQ(step.at("events")[0].at("to"), ranges({{1, 50}}));
  expect_job(step, "vcard", "running", ranges({{1, 50}}));
}

TEST_F(TflopsctlTest, MigrationCompactPacksJobsAsSpecSays) {
  const auto steps = simulate(kMigrationConf, kExamples + "/migration-10t.scenario");
  ASSERT_EQ(steps.size(), 5u);
  // t1
  expect_job(steps[2], "app1", "running", ranges({{1, 3}}));
  expect_job(steps[2], "app2", "running", ranges({{4, 6}}));
  expect_job(steps[2], "app3", "running", ranges({{7, 8}}));
  EXPECT_EQ(steps[2].at("free"), ranges({{9, 10}}));
  // t2: app1 exits
  expect_job(steps[3], "app1", "ended", json::array());
  EXPECT_EQ(steps[3].at("free"), ranges({{1, 3}, {9, 10}}));
  // app4 arrives
  const auto& last = steps[4];
  expect_job(last, "app2", "running", ranges({{1, 3}}));
  expect_job(last, "app3", "running", ranges({{4, 5}}));
  expect_job(last, "app4", "running", ranges({{6, 9}}));
  EXPECT_EQ(last.at("free"), ranges({{10, 10}}));
  bool app2_moved = false;
  for (const auto& event : last.at("events")) {
    if (event.at("type") == "moved" && event.at("job") == "app2") {
      app2_moved = true;
      EXPECT_EQ(event.at("from"), ranges({{4, 6}}));
      EXPECT_EQ(event.at("to"), ranges({{1, 3}}));
    }
  }
  EXPECT_TRUE(app2_moved) << last.dump();
}

TEST_F(TflopsctlTest, MigrationTextNamesTheMoves) {
  const auto result = run({"simulate", "--conf", kMigrationConf, kExamples + "/migration-10t.scenario"});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("moved app2 4-6 -> 1-3"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("started app4 6-9"), std::string::npos) << result.out;
}

TEST_F(TflopsctlTest, MigrationMinimalMovesTheFewestBlocks) {
  const auto conf = write("minimal.conf",
                          "MigrationPolicy=minimal\n"
                          "NodeName=node0 Kind=gpu Name=gpu0 TFLOPS=10\n");
  const auto steps = simulate(conf, kExamples + "/migration-10t.scenario");
  ASSERT_EQ(steps.size(), 5u);
  const auto& last = steps[4];
  expect_job(last, "app2", "running", ranges({{4, 6}}));
  expect_job(last, "app3", "running", ranges({{1, 2}}));
  expect_job(last, "app4", "running", ranges({{7, 10}}));
}

TEST_F(TflopsctlTest, PreemptionSuspendsThenResumes) {
  const auto steps = simulate(kPoolConf, kExamples + "/preemption.scenario");
  ASSERT_EQ(steps.size(), 6u);
  const json none = json::array();
  expect_job(steps[0], "low", "running", ranges({{1, 63}}));
  expect_job(steps[1], "peer", "waiting", none);  // equal priority cannot preempt
  // Step 3 of the method (doc/design.md): the higher priority suspends the lower and takes its
  // blocks.
  expect_job(steps[2], "low", "suspended", none);
  expect_job(steps[2], "high", "running", ranges({{1, 60}}));
  // More than the pool: it can never run here.
  expect_job(steps[3], "huge", "refused", none);
  EXPECT_FALSE(job_named(steps[3], "huge").at("reason").get<std::string>().empty());
  // Steps 7-8 of the method: high ends, low resumes.
  expect_job(steps[4], "high", "ended", none);
  expect_job(steps[4], "low", "running", ranges({{1, 63}}));
  expect_job(steps[4], "peer", "waiting", none);
  expect_job(steps[5], "low", "ended", none);
  expect_job(steps[5], "peer", "running", ranges({{1, 60}}));
}

// --- help and usage ----------------------------------------------------------------------------

TEST_F(TflopsctlTest, EveryHelpExitsZero) {
  const std::vector<std::vector<std::string>> calls = {{"--help"},
                                                       {"-h"},
                                                       {"help"},
                                                       {"help", "simulate"},
                                                       {"pool", "--help"},
                                                       {"simulate", "--help"},
                                                       {"estimate", "--help"},
                                                       {"estimate", "-h"}};
  for (const auto& call : calls) {
    std::string command = shell_quote(TFLOPSCTL);
    for (const auto& word : call) command += " " + shell_quote(word);
    SCOPED_TRACE(command);
    FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string out;
    char buffer[4096];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, got);
    const int status = ::pclose(pipe);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_NE(out.find("usage: tflopsctl"), std::string::npos) << out;
  }
}

TEST_F(TflopsctlTest, BadUsageExitsTwoWithUsage) {
  for (const auto& result :
       {run({}), run({"frobnicate"}), run({"--bogus"}), run({"pool"}),
        run({"pool", "--conf", kPoolConf, "--bogus"}), run({"simulate", "--conf", kPoolConf}),
        run({"simulate", "--conf", kPoolConf, "a.scenario", "b.scenario"}),
        run({"estimate", "--samples-per-second", "10"}),
        run({"estimate", "--gflops-per-sample", "4", "--params", "1e9", "--tokens-per-sample", "2",
             "--samples-per-second", "10"}),
        run({"estimate", "--params", "1e9", "--samples-per-second", "10"}),
        run({"estimate", "--gflops-per-sample", "four", "--samples-per-second", "10"})}) {
    EXPECT_EQ(result.status, 2) << result.err;
    EXPECT_NE(result.err.find("usage: tflopsctl"), std::string::npos) << result.err;
    EXPECT_TRUE(result.out.empty()) << result.out;
  }
  EXPECT_NE(run({"frobnicate"}).err.find("unknown command 'frobnicate'"), std::string::npos);
}

// --- bad input files ---------------------------------------------------------------------------

TEST_F(TflopsctlTest, BadScenarioLinesNameFileLineAndWord) {
  const struct {
    const char* line;
    const char* word;  // must appear in the message
  } cases[] = {
      {"sumbit app1 3", "sumbit"},
      {"submit app1", "BLOCKS"},
      {"submit app1 three", "three"},
      {"submit app1 0", "'0'"},
      {"submit app1 -3", "-3"},
      {"submit app1 3 prio=5", "prio"},
      {"submit app1 3 kind=tpu", "tpu"},
      {"submit app1 3 node=node9", "node9"},
      {"submit app1 3 migratable=maybe", "maybe"},
      {"end ghost", "ghost"},
      {"submit app0 3 priority=2", "app0"},  // duplicate of line 2
  };
  for (const auto& bad : cases) {
    SCOPED_TRACE(bad.line);
    const auto scenario = write("bad.scenario", std::string("# line 1 is a comment\nsubmit app0 1\n") +
                                                    bad.line + "\nsubmit later 1\n");
    const auto result = run({"simulate", "--conf", kPoolConf, scenario});
    EXPECT_EQ(result.status, 2);
    EXPECT_NE(result.err.find("bad.scenario:3:"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find(bad.word), std::string::npos) << result.err;
    EXPECT_TRUE(result.out.empty()) << "no step runs before the file is checked: " << result.out;
  }
}

TEST_F(TflopsctlTest, SchedulerErrorsNameTheScenarioLine) {
  // Ending a job the scheduler refused is the scheduler's error, not the parser's.
  const auto scenario = write("refused.scenario", "submit huge 500\n\nend huge\n");
  const auto result = run({"simulate", "--conf", kPoolConf, scenario});
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("refused.scenario:3: "), std::string::npos) << result.err;
}

TEST_F(TflopsctlTest, MissingScenarioIsNamed) {
  const auto result = run({"simulate", "--conf", kPoolConf, (dir_ / "nope.scenario").string()});
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("nope.scenario"), std::string::npos) << result.err;
}

TEST_F(TflopsctlTest, BadConfNamesFileAndLine) {
  const auto conf = write("bad.conf",
                          "# a comment\n"
                          "NodeName=node0 Kind=tpu Name=x0 TFLOPS=3\n");
  for (const auto& result :
       {run({"pool", "--conf", conf}), run({"simulate", "--conf", conf, kExamples + "/50t-card.scenario"}),
        run({"estimate", "--gflops-per-sample", "4", "--samples-per-second", "10", "--conf", conf})}) {
    EXPECT_EQ(result.status, 2);
    EXPECT_NE(result.err.find("bad.conf:2"), std::string::npos) << result.err;
  }
  const auto missing = run({"pool", "--conf", (dir_ / "missing.conf").string()});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("missing.conf"), std::string::npos) << missing.err;
}

// --- estimate ----------------------------------------------------------------------------------

TEST_F(TflopsctlTest, ConfLinesAreAnInventoryThatDetectsTheDevices) {
  const Result r = run({"devices", "--conf-lines", "--node", "n9", "--size", "64"});
  if (r.err.find("built without libtflops_hal") != std::string::npos) GTEST_SKIP() << r.err;
  ASSERT_EQ(r.status, 0) << r.err;
  if (r.out.find("NodeName=") == std::string::npos) GTEST_SKIP() << "no accelerator here: " << r.out;
  const bool detects = r.out.find(" Detect=opencl ") != std::string::npos ||
                       r.out.find(" Detect=cuda ") != std::string::npos;
  EXPECT_TRUE(detects) << r.out;
  // Tiny blocks, so that even a CPU's OpenCL device is worth some.
  const std::string conf = write("detected.conf", "BlockTFLOPS=0.00001\n" + r.out);
  const Result pool = run({"pool", "--conf", conf});
  EXPECT_EQ(pool.status, 0) << pool.err;
  EXPECT_NE(pool.out.find("n9 "), std::string::npos) << pool.out;
}

TEST_F(TflopsctlTest, EstimateGivesTheSbatchLine) {
  // 100 GFLOPs forward, training (x3) = 3e11 FLOPs per sample; x100/s = 30 TFLOPS sustained;
  // at 40% efficiency 75 TFLOPS peak = 75 blocks.
  const auto result = run(
      {"estimate", "--gflops-per-sample", "100", "--samples-per-second", "100", "--json"});
  ASSERT_EQ(result.status, 0) << result.err;
  const auto out = json::parse(result.out);
  EXPECT_DOUBLE_EQ(out.at("flops_per_sample").get<double>(), 3e11);
  EXPECT_DOUBLE_EQ(out.at("sustained_tflops").get<double>(), 30);
  EXPECT_DOUBLE_EQ(out.at("peak_tflops").get<double>(), 75);
  EXPECT_EQ(out.at("blocks"), 75);
  EXPECT_EQ(out.at("sbatch"), "sbatch --gres=tflops:75 ...");

  const auto text = run({"estimate", "--params", "1e9", "--tokens-per-sample", "1000", "--samples-per-second",
                         "1", "--inference", "--efficiency", "0.5"});
  ASSERT_EQ(text.status, 0) << text.err;
  // 2 x 1e9 x 1000 = 2e12 FLOPs = 2 TFLOPS sustained, 4 peak.
  EXPECT_NE(text.out.find("sbatch --gres=tflops:4 ..."), std::string::npos) << text.out;
}

TEST_F(TflopsctlTest, EstimateChecksThePool) {
  const auto fits = json::parse(run({"estimate", "--gflops-per-sample", "10", "--samples-per-second", "100",
                                     "--conf", kPoolConf, "--json"})
                                    .out);
  EXPECT_EQ(fits.at("blocks"), 8);  // 3e10 x 100 / 0.4 = 7.5 TFLOPS
  EXPECT_EQ(fits.at("pool").at("fits_node"), true);
  EXPECT_EQ(fits.at("pool").at("largest_node").at("name"), "node0");

  // 75 blocks: more than node0's 63, so two nodes of 38.
  const auto split = json::parse(run({"estimate", "--gflops-per-sample", "100", "--samples-per-second", "100",
                                      "--conf", kPoolConf, "--json"})
                                     .out);
  EXPECT_EQ(split.at("pool").at("fits_node"), false);
  EXPECT_EQ(split.at("pool").at("fits_pool"), true);
  EXPECT_EQ(split.at("sbatch"), "sbatch --nodes=2 --gres=tflops:38 ...");

  // 750 blocks: more than the pool's 200 (step 3 of the method: it can never run here).
  const auto result = run(
      {"estimate", "--gflops-per-sample", "1000", "--samples-per-second", "100", "--conf", kPoolConf});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("can never run here"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("sbatch"), std::string::npos) << result.out;
}

TEST_F(TflopsctlTest, EstimateRejectsBadNumbers) {
  const auto result = run({"estimate", "--gflops-per-sample", "-4", "--samples-per-second", "10"});
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("GFLOPs per sample"), std::string::npos) << result.err;
}

}  // namespace

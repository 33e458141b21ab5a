// SPDX-License-Identifier: GPL-2.0-or-later
// trace_eval: replays the Alibaba GPU trace (or any file in its columns) on every policy and
// writes CSV; see bench/trace/run_trace_eval.sh, which also draws the plots.
//
//   trace_eval --nodes NODES.csv --tasks TASKS.csv --out DIR [--seeds 10] [--first-seed 42]
//              [--ratio 1.3] [--block-tflops 1] [--small-block-tflops X] [--g-tflops 15.7]
//              [--tflops MODEL=T]... [--sensitivity 8.1,15.7,19.5,31.2]
//              [--synthetic-nodes N [--synthetic-ratio R]]
//
// The synthetic cluster repeats the trace's nodes up to N and replays one seed up to R x its
// GPU capacity on the headline block policy; its time goes to synthetic.csv.
#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "evaluation.h"
#include "tflops/pool/error.h"

using namespace tflops::trace;

namespace {

struct Args {
  std::string nodes, tasks, out = ".";
  int seeds = kFgdSeeds;
  std::uint64_t first_seed = kFgdFirstSeed;
  double ratio = kFgdArrivalRatio;
  double block_tflops = 1.0;
  double small_block_tflops = 0;  // 0: the smallest that fits
  double g_tflops = kAssumedUndisclosedTflops;
  std::vector<std::string> tflops;
  std::vector<double> sensitivity = {8.1, 15.7, 19.5, 31.2};
  std::size_t synthetic_nodes = 0;
  double synthetic_ratio = kFgdArrivalRatio;
};

constexpr const char* kUsage =
    "usage: trace_eval --nodes NODES.csv --tasks TASKS.csv [--out DIR] [--seeds 10] [--first-seed 42]\n"
    "                  [--ratio 1.3] [--block-tflops 1] [--small-block-tflops X] [--g-tflops 15.7]\n"
    "                  [--tflops MODEL=T]... [--sensitivity 8.1,15.7,19.5,31.2]\n"
    "                  [--synthetic-nodes N [--synthetic-ratio R]]\n"
    "\n"
    "Replays a GPU cluster trace (Alibaba's cluster-trace-gpu-v2023 columns) on every placement\n"
    "policy, FGD's way (tasks drawn per seed until the arrived GPU demand reaches RATIO x capacity,\n"
    "no departures), and writes summary.csv, curves.csv, seeds.csv, sensitivity.csv, bad_rows.csv\n"
    "and synthetic.csv into DIR (default '.', created if missing). bench/trace/run_trace_eval.sh\n"
    "runs it on the trace and draws the plots.\n"
    "\n"
    "  --nodes, --tasks      the trace's node and task CSV files\n"
    "  --seeds N             seeds per policy; --first-seed S the first of them\n"
    "  --ratio R             arrived GPU demand as a multiple of the cluster's GPU capacity\n"
    "  --block-tflops B      block size of the block policies; --small-block-tflops X the small one\n"
    "                        (default: the smallest that keeps every node within 1024 blocks)\n"
    "  --g-tflops T          TFLOPS assumed for the undisclosed GPU models G1-G3\n"
    "  --tflops MODEL=T      TFLOPS of a GPU model (repeatable)\n"
    "  --sensitivity LIST    the G1-G3 TFLOPS values the sensitivity run tries\n"
    "  --synthetic-nodes N   also replay a cluster of N nodes repeating the trace's, to\n"
    "                        --synthetic-ratio R of its GPU capacity (timed into synthetic.csv)\n"
    "  -h, --help            show this help and exit\n";

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "trace_eval: " << message << "\n(trace_eval --help lists the options)\n";
  std::exit(2);
}

double number(const std::string& flag, const std::string& text) {
  try {
    std::size_t used = 0;
    double value = std::stod(text, &used);
    if (used == text.size() && value > 0) return value;
  } catch (const std::exception&) {}
  usage_error(flag + " '" + text + "' is not a positive number");
}

Args parse_args(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "-h" || flag == "--help") {
      std::cout << kUsage;
      std::exit(0);
    } else if (flag == "--nodes") args.nodes = value();
    else if (flag == "--tasks") args.tasks = value();
    else if (flag == "--out") args.out = value();
    else if (flag == "--seeds") args.seeds = static_cast<int>(number(flag, value()));
    else if (flag == "--first-seed") args.first_seed = static_cast<std::uint64_t>(std::stoull(value()));
    else if (flag == "--ratio") args.ratio = number(flag, value());
    else if (flag == "--block-tflops") args.block_tflops = number(flag, value());
    else if (flag == "--small-block-tflops") args.small_block_tflops = number(flag, value());
    else if (flag == "--g-tflops") args.g_tflops = number(flag, value());
    else if (flag == "--tflops") args.tflops.push_back(value());
    else if (flag == "--synthetic-ratio") args.synthetic_ratio = number(flag, value());
    else if (flag == "--synthetic-nodes")
      args.synthetic_nodes = static_cast<std::size_t>(number(flag, value()));
    else if (flag == "--sensitivity") {
      args.sensitivity.clear();
      std::stringstream list(value());
      for (std::string item; std::getline(list, item, ',');) args.sensitivity.push_back(number(flag, item));
    } else usage_error("unknown argument '" + flag + "'");
  }
  if (args.nodes.empty() || args.tasks.empty()) usage_error("--nodes and --tasks are required");
  return args;
}

// One status line on stderr, rewritten in place on a terminal.
class Progress {
 public:
  Progress() : tty_(isatty(STDERR_FILENO) != 0) {}
  void show(const std::string& line, bool done) {
    if (tty_) {
      std::fprintf(stderr, "\r%-100s", line.c_str());
      if (done) std::fputc('\n', stderr);
    } else if (done) {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
  }

 private:
  bool tty_;
};

void write_file(const std::string& path, const std::function<void(std::ostream&)>& write) {
  std::ofstream out(path);
  if (!out) throw tflops::pool::Error(path + ": cannot write; check that the directory exists");
  write(out);
}

std::vector<PolicySummary> run(const Cluster& cluster, const std::vector<TaskSpec>& tasks,
                               const std::vector<PolicyDef>& policies, int seeds, const Args& args,
                               const std::string& title) {
  Progress progress;
  EvaluationInput input{&cluster, &tasks, args.first_seed, seeds, args.ratio};
  std::size_t shown = policies.size();
  return evaluate(input, policies, [&](std::size_t p, int s, double f) {
    const bool done = f >= 1.0 && s + 1 == seeds;
    char line[160];
    std::snprintf(line, sizeof line, "%s [%zu/%zu] %-40s seed %d/%d %3.0f%%", title.c_str(), p + 1,
                  policies.size(), policies[p].name.c_str(), s + 1, seeds, f * 100);
    if (p != shown || f >= 1.0 || s == 0) progress.show(line, done);
    if (done) shown = p;
  });
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse_args(argc, argv);
  std::error_code made;
  std::filesystem::create_directories(args.out, made);
  if (made) {
    std::cerr << "trace_eval: cannot create the output folder " << args.out << ": " << made.message() << "\n";
    return 1;
  }
  try {
    auto nodes = load_nodes(args.nodes);
    auto tasks = load_tasks(args.tasks);
    ModelTflops table = default_model_tflops(args.g_tflops);
    for (const auto& assignment : args.tflops) set_model_tflops(table, assignment);
    std::vector<BadRow> duplicates;
    const Cluster cluster = make_cluster(nodes.rows, table, duplicates, args.nodes);

    std::ofstream bad(args.out + "/bad_rows.csv");
    bad << "file,line,problem\n";
    auto report = [&](const std::string& file, const std::vector<BadRow>& rows) {
      for (const BadRow& row : rows) {
        std::cerr << file << ":" << row.line << ": " << row.message << " (row skipped)\n";
        bad << '"' << file << "\"," << row.line << ",\"" << row.message << "\"\n";
      }
    };
    report(args.nodes, nodes.bad);
    report(args.nodes, duplicates);
    report(args.tasks, tasks.bad);
    if (cluster.gpu_milli == 0 || tasks.rows.empty()) {
      throw tflops::pool::Error("nothing to replay: the node list has no GPU or the task list no valid row");
    }
    std::cerr << "trace: " << cluster.nodes.size() << " nodes, " << cluster.gpu_milli / 1000 << " GPUs, "
              << tasks.rows.size() << " tasks; G1-G3 at " << args.g_tflops << " TFLOPS\n";

    const double small = args.small_block_tflops > 0 ? args.small_block_tflops
                                                     : smallest_block_tflops(cluster, args.block_tflops);
    const double ratio = cpu_per_gpu_milli(tasks.rows);
    auto summaries = run(cluster, tasks.rows, standard_policies(args.block_tflops, small, ratio), args.seeds,
                         args, "policies");
    write_file(args.out + "/summary.csv", [&](std::ostream& o) { write_summary_csv(o, summaries); });
    write_file(args.out + "/curves.csv", [&](std::ostream& o) { write_curves_csv(o, summaries); });
    write_file(args.out + "/seeds.csv", [&](std::ostream& o) { write_seeds_csv(o, summaries); });

    // How the block result moves with the TFLOPS assumed for the undisclosed G1-G3.
    std::ofstream sens(args.out + "/sensitivity.csv");
    sens << "g_tflops,policy,placed_pct_at_130,allocated_pct_at_130,rounding_loss_pct,stranded_cpu_pct\n";
    for (double g : args.sensitivity) {
      ModelTflops varied = table;
      for (const char* model : {"G1", "G2", "G3"}) varied[model] = g;
      std::vector<BadRow> ignored;
      const Cluster c = make_cluster(nodes.rows, varied, ignored, args.nodes);
      const double s = args.small_block_tflops > 0 ? small : smallest_block_tflops(c, args.block_tflops);
      auto all = standard_policies(args.block_tflops, s, ratio);
      std::vector<PolicyDef> picked = {all[2], all[8]};
      std::ostringstream title;
      title << "G=" << g;
      for (const PolicySummary& p : run(c, tasks.rows, picked, args.seeds, args, title.str())) {
        sens << g << ",\"" << p.name << "\"," << p.mean.placed_pct_at_130 << ','
             << p.mean.allocated_pct_at_130 << ',' << p.mean.rounding_loss_pct << ','
             << p.mean.stranded_pct.cpu_short << '\n';
      }
    }

    if (args.synthetic_nodes > 0) {
      const Cluster big = scaled_cluster(cluster, args.synthetic_nodes);
      auto all = standard_policies(args.block_tflops, small, ratio);
      std::vector<PolicyDef> picked = {all.back()};
      Args synthetic = args;
      synthetic.ratio = args.synthetic_ratio;
      auto results = run(big, tasks.rows, picked, 1, synthetic, "synthetic");
      std::ofstream syn(args.out + "/synthetic.csv");
      syn << "nodes,gpus,arrival_ratio,policy,tasks,placed_pct_at_130,allocated_pct_at_130,seconds,tasks_per_second\n";
      for (const PolicySummary& p : results) {
        syn << big.nodes.size() << ',' << big.gpu_milli / 1000 << ',' << args.synthetic_ratio << ",\""
            << p.name << "\"," << p.mean.tasks << ',' << p.mean.placed_pct_at_130 << ','
            << p.mean.allocated_pct_at_130 << ',' << p.mean.seconds << ',' << p.mean.tasks / p.mean.seconds
            << '\n';
        std::cerr << "synthetic " << big.nodes.size() << " nodes: " << p.name << ": " << p.mean.tasks
                  << " tasks in " << p.mean.seconds << " s\n";
      }
    }
    write_summary_table(std::cout, summaries);
  } catch (const tflops::pool::Error& e) {
    std::cerr << "trace_eval: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

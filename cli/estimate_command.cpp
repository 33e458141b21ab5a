// SPDX-License-Identifier: GPL-2.0-or-later
// tflopsctl estimate: step 1 of the method (doc/design.md) for a user about to submit. From a
// model's cost and the throughput wanted, the TFLOPS to request and the sbatch line; with the
// site's inventory, also whether the pool can ever hold it (step 3 of the method: more than the
// pool and it can never run).
#include <algorithm>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "command_line.h"
#include "commands.h"
#include "tflops/pool/estimate.h"
#include "tflops/pool/inventory.h"
#include "tflops/pool/layout.h"

namespace tflops::cli {

namespace {

using json = nlohmann::ordered_json;

// What the inventory says about a request of `blocks` blocks.
struct PoolFit {
  std::string source;
  std::uint64_t total_blocks = 0;
  std::string largest_node;
  std::uint32_t largest_node_blocks = 0;
  bool fits_node = false;
  bool fits_pool = false;
  // When no node holds it but the pool does: the fewest nodes that each hold an equal share.
  std::optional<std::uint32_t> nodes;
  std::uint32_t blocks_per_node = 0;
};

PoolFit fit_on(const pool::Layout& layout, std::int64_t blocks) {
  PoolFit fit;
  fit.source = layout.inventory().source;
  fit.total_blocks = layout.total_blocks();
  for (const auto& node : layout.nodes()) {
    if (node.blocks > fit.largest_node_blocks) {
      fit.largest_node_blocks = node.blocks;
      fit.largest_node = node.name;
    }
  }
  fit.fits_node = blocks <= static_cast<std::int64_t>(fit.largest_node_blocks);
  fit.fits_pool = blocks <= static_cast<std::int64_t>(fit.total_blocks);
  fit.blocks_per_node = static_cast<std::uint32_t>(blocks);
  if (fit.fits_node || !fit.fits_pool) return fit;

  // Slurm's --gres counts per node, so a multi-node job asks for the same share on each node.
  const auto node_count = static_cast<std::uint32_t>(layout.nodes().size());
  for (std::uint32_t nodes = 2; nodes <= node_count; ++nodes) {
    const auto share = static_cast<std::uint32_t>((blocks + nodes - 1) / nodes);
    const auto holding = std::count_if(layout.nodes().begin(), layout.nodes().end(),
                                       [&](const auto& node) { return node.blocks >= share; });
    if (holding >= static_cast<std::ptrdiff_t>(nodes)) {
      fit.nodes = nodes;
      fit.blocks_per_node = share;
      break;
    }
  }
  return fit;
}

std::string number_text(double value) {
  std::ostringstream out;
  out.precision(6);
  out << value;
  return out.str();
}

std::string sbatch_line(std::int64_t blocks, const std::optional<PoolFit>& fit) {
  if (fit && fit->nodes) {
    return "sbatch --nodes=" + std::to_string(*fit->nodes) +
           " --gres=tflops:" + std::to_string(fit->blocks_per_node) + " ...";
  }
  return "sbatch --gres=tflops:" + std::to_string(blocks) + " ...";
}

void print_text(const pool::EstimateInput& input, const pool::Estimate& result,
                const std::optional<PoolFit>& fit) {
  const bool training = input.model.training;
  std::cout << "flops per sample:  " << number_text(result.flops_per_sample)
            << (training ? " (training: forward + backward, 3 x forward)" : " (inference: forward)") << "\n"
            << "sustained:         " << number_text(result.sustained_tflops) << " TFLOPS at "
            << number_text(input.samples_per_second) << " samples/s\n"
            << "peak:              " << number_text(result.peak_tflops) << " TFLOPS at "
            << number_text(input.efficiency * 100) << "% efficiency\n"
            << "blocks:            " << result.blocks << " of " << number_text(input.block_tflops)
            << " TFLOPS\n";
  if (fit) {
    std::cout << "pool " << fit->source << ": " << fit->total_blocks << " blocks, the largest node "
              << fit->largest_node << " has " << fit->largest_node_blocks << "\n";
    if (!fit->fits_pool) {
      std::cout << "verdict:           more than the pool: it can never run here; lower the "
                   "throughput or find a larger pool\n";
      return;
    }
    if (fit->fits_node) {
      std::cout << "verdict:           fits on one node\n";
    } else if (fit->nodes) {
      std::cout << "verdict:           more than any node: spread it over " << *fit->nodes << " nodes of "
                << fit->blocks_per_node << " blocks\n";
    } else {
      std::cout << "verdict:           more than any node, and no equal split over nodes holds "
                   "it; lower the throughput\n";
      return;
    }
  }
  std::cout << "use:               " << sbatch_line(result.blocks, fit) << "\n";
}

json result_json(const pool::EstimateInput& input, const pool::Estimate& result,
                 const std::optional<PoolFit>& fit) {
  json out = {{"training", input.model.training},
              {"samples_per_second", input.samples_per_second},
              {"efficiency", input.efficiency},
              {"block_tflops", input.block_tflops},
              {"flops_per_sample", result.flops_per_sample},
              {"sustained_tflops", result.sustained_tflops},
              {"peak_tflops", result.peak_tflops},
              {"blocks", result.blocks}};
  const bool runnable = !fit || (fit->fits_pool && (fit->fits_node || fit->nodes));
  out["sbatch"] = runnable ? json(sbatch_line(result.blocks, fit)) : json(nullptr);
  if (fit) {
    out["pool"] = {{"conf", fit->source},
                   {"total_blocks", fit->total_blocks},
                   {"largest_node", {{"name", fit->largest_node}, {"blocks", fit->largest_node_blocks}}},
                   {"fits_node", fit->fits_node},
                   {"fits_pool", fit->fits_pool},
                   {"nodes", fit->nodes ? json(*fit->nodes) : json(nullptr)}};
  }
  return out;
}

}  // namespace

int estimate_command(const Args& args) {
  CommandSyntax syntax;
  syntax.synopsis =
      "tflopsctl estimate (--gflops-per-sample G | --params P --tokens-per-sample T)\n"
      "                          --samples-per-second S [--efficiency E] [--inference]\n"
      "                          [--block-tflops B | --conf FILE] [--json]";
  syntax.summary =
      "Estimates the TFLOPS blocks a job needs from its model's cost and the samples per second\n"
      "it must process, and prints the sbatch line that requests them. Training costs three\n"
      "forward passes per sample (forward and backward), inference one.";
  syntax.options.add_options()("gflops-per-sample", po::value<double>()->value_name("G"),
                               "forward cost of one sample, GFLOPs")(
      "params", po::value<double>()->value_name("P"),
      "a transformer's parameter count (e.g. 7e9); forward = 2 x P x T")(
      "tokens-per-sample", po::value<double>()->value_name("T"), "tokens in one sample")(
      "samples-per-second", po::value<double>()->required()->value_name("S"),
      "throughput the job must reach")("efficiency", po::value<double>()->value_name("E"),
                                       "achieved / peak FLOPS the job expects, in (0, 1]; default 0.4")(
      "inference", "the job only runs forward passes")("block-tflops", po::value<double>()->value_name("B"),
                                                       "TFLOPS per block; default 1")(
      "conf,c", po::value<std::string>()->value_name("FILE"),
      "card inventory: block size from it, and whether the job fits a node and the pool")(
      "json", "print JSON instead of text");
  syntax.epilog =
      "Example: tflopsctl estimate --params 7e9 --tokens-per-sample 2048 --samples-per-second 1\n";

  const auto options = parse_command_line(args, syntax);
  if (!options) return 0;
  const auto& values = *options;

  const bool by_gflops = values.count("gflops-per-sample") > 0;
  const bool by_params = values.count("params") > 0 || values.count("tokens-per-sample") > 0;
  if (by_gflops == by_params) {
    throw UsageError(by_gflops ? "give --gflops-per-sample or --params with --tokens-per-sample, "
                                 "not both"
                               : "the model's cost is missing: give --gflops-per-sample G, or "
                                 "--params P with --tokens-per-sample T",
                     usage_text(syntax));
  }
  if (by_params && (!values.count("params") || !values.count("tokens-per-sample"))) {
    throw UsageError("--params and --tokens-per-sample go together; give both", usage_text(syntax));
  }
  if (values.count("block-tflops") && values.count("conf")) {
    throw UsageError("--conf sets the block size from the inventory; drop --block-tflops",
                     usage_text(syntax));
  }

  pool::EstimateInput input;
  if (by_gflops) {
    input.model.gflops_per_sample = values["gflops-per-sample"].as<double>();
  } else {
    input.model.parameters = values["params"].as<double>();
    input.model.tokens_per_sample = values["tokens-per-sample"].as<double>();
  }
  input.model.training = values.count("inference") == 0;
  input.samples_per_second = values["samples-per-second"].as<double>();
  if (values.count("efficiency")) input.efficiency = values["efficiency"].as<double>();
  if (values.count("block-tflops")) input.block_tflops = values["block-tflops"].as<double>();

  std::optional<pool::Layout> layout;
  if (values.count("conf")) {
    layout.emplace(pool::load_inventory(values["conf"].as<std::string>()));
    input.block_tflops = layout->options().block_tflops;
  }

  const pool::Estimate result = pool::estimate(input);
  std::optional<PoolFit> fit;
  if (layout) fit = fit_on(*layout, result.blocks);

  if (values.count("json")) {
    std::cout << result_json(input, result, fit).dump(2) << "\n";
  } else {
    print_text(input, result, fit);
  }
  return 0;
}

}  // namespace tflops::cli

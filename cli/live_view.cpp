// SPDX-License-Identifier: GPL-2.0-or-later
#include "live_view.h"

#include <algorithm>
#include <map>

#include "slurm_gres_text.h"
#include "tflops/pool/error.h"

namespace tflops::cli {

using gres::GresItem;
using gres::merge_ranges;
using gres::parse_gres_text;

namespace {

std::string kind_text(pool::Kind kind) { return std::string(pool::kind_name(kind)); }

// Slurm's GRES text of `what` ("node node0's gres_used"), with the context added to errors.
std::vector<GresItem> parse_named(const std::string& text, const std::string& what,
                                  const std::string& gres_name) {
  std::vector<GresItem> items;
  try {
    items = parse_gres_text(text);
  } catch (const pool::Error& error) {
    throw pool::Error(what + ": " + error.what());
  }
  std::erase_if(items, [&](const GresItem& item) { return item.name != gres_name; });
  return items;
}

// What a node's gres_used says: the used count per kind, and which blocks are used where the
// list is whole.
struct NodeUse {
  std::array<std::optional<std::uint32_t>, pool::kKindCount> count;
  std::vector<bool> known;  // per block: the node's list says whether it is used
  std::vector<bool> used;
};

class ViewBuilder {
 public:
  ViewBuilder(std::shared_ptr<const pool::Layout> layout, const SlurmSnapshot& snapshot,
              const std::string& gres_name)
      : snapshot_(snapshot), gres_name_(gres_name) {
    view_.layout = std::move(layout);
    view_.slurm_conf = snapshot.slurm_conf;
  }

  LiveView build() {
    read_nodes();
    read_jobs();
    place(SlurmJobState::running);
    place(SlurmJobState::suspended);
    count_use();
    return std::move(view_);
  }

 private:
  const pool::Layout& layout() const { return *view_.layout; }

  void warn(std::string text) { view_.warnings.push_back(std::move(text)); }

  void read_nodes() {
    std::map<std::string, const SlurmNode*> by_name;
    for (const auto& node : snapshot_.nodes) by_name[node.name] = &node;
    for (const auto& node_layout : layout().nodes()) {
      LiveNode live;
      live.owners.resize(node_layout.blocks);
      NodeUse use{{}, std::vector<bool>(node_layout.blocks), std::vector<bool>(node_layout.blocks)};
      const auto found = by_name.find(node_layout.name);
      if (found == by_name.end()) {
        live.state = "absent";
        warn("node " + node_layout.name + " is in the card inventory but not in Slurm");
      } else {
        live.state = found->second->state;
        check_configured(node_layout, *found->second);
        read_use(node_layout, *found->second, use);
        by_name.erase(found);
      }
      view_.nodes.push_back(std::move(live));
      uses_.push_back(std::move(use));
    }
    for (const auto& [name, node] : by_name) {
      if (!parse_named(node->gres, "node " + name + "'s gres", gres_name_).empty()) {
        warn("node " + name + " has " + gres_name_ +
             " GRES in Slurm but is not in the card inventory; its blocks are not shown");
      }
    }
  }

  // Slurm numbers a node's bits by its registered records; the numbering here is the
  // inventory's. They agree only when the counts per kind agree.
  void check_configured(const pool::NodeLayout& node_layout, const SlurmNode& node) {
    std::array<std::uint64_t, pool::kKindCount> slurm{};
    for (const auto& item : parse_named(node.gres, "node " + node.name + "'s gres", gres_name_)) {
      const auto kind = pool::parse_kind(item.type);
      if (kind && item.count) slurm[static_cast<std::size_t>(*kind)] += *item.count;
    }
    for (const auto kind : pool::kAllKinds) {
      const auto index = static_cast<std::size_t>(kind);
      const auto inventory = node_layout.regions[index].count;
      if (slurm[index] != inventory) {
        warn("node " + node.name + ": Slurm has " + std::to_string(slurm[index]) + " " + kind_text(kind) +
             " blocks, the card inventory " + std::to_string(inventory) +
             "; block numbers may not match (is --conf the tflops.conf slurmd reads?)");
      }
    }
  }

  void read_use(const pool::NodeLayout& node_layout, const SlurmNode& node, NodeUse& use) {
    for (const auto& item : parse_named(node.gres_used, "node " + node.name + "'s gres_used", gres_name_)) {
      const auto kind = pool::parse_kind(item.type);
      if (!kind || !item.count) continue;  // untyped (count-only): the jobs' lists decide
      auto& count = use.count[static_cast<std::size_t>(*kind)];
      count = count.value_or(0) + static_cast<std::uint32_t>(*item.count);
      if (!item.complete) continue;
      // A whole list: every block of the kind's region is known, used or not.
      const auto region = node_layout.regions[static_cast<std::size_t>(*kind)];
      for (auto block = region.first; block < region.end(); ++block) use.known[block] = true;
      for (const auto& range : item.indexes) {
        for (auto block = range.first; block < range.end() && block < node_layout.blocks; ++block) {
          use.used[block] = true;
        }
      }
    }
  }

  void read_jobs() {
    for (const auto& job : snapshot_.jobs) {
      LiveJob live{job.id, job.name, job.user, job.state, {}};
      for (std::size_t i = 0; i < job.nodes.size() && i < job.gres_detail.size(); ++i) {
        const auto what = "job " + std::to_string(job.id) + "'s GRES on " + job.nodes[i];
        const auto items = parse_named(job.gres_detail[i], what, gres_name_);
        if (items.empty()) continue;
        JobNodeBlocks blocks{job.nodes[i], layout().find_node(job.nodes[i])};
        for (const auto& item : items) {
          blocks.count += item.count.value_or(item.index_count());
          blocks.complete = blocks.complete && item.complete;
          blocks.blocks.insert(blocks.blocks.end(), item.indexes.begin(), item.indexes.end());
        }
        merge_ranges(blocks.blocks);
        if (!blocks.complete) {
          warn(what + ": Slurm cut its block list, " + std::to_string(blocks.count) +
               " blocks, the first listed shown");
        }
        if (!blocks.node_index) {
          warn(what + ": node not in the card inventory");
        } else {
          clip(blocks, what);
        }
        live.nodes.push_back(std::move(blocks));
      }
      if (!live.nodes.empty()) view_.jobs.push_back(std::move(live));
    }
    std::sort(view_.jobs.begin(), view_.jobs.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  }

  // Drops block numbers the inventory's node does not have.
  void clip(JobNodeBlocks& blocks, const std::string& what) {
    const auto size = layout().nodes()[*blocks.node_index].blocks;
    for (auto& range : blocks.blocks) {
      if (range.end() > size) {
        warn(what + ": block " + std::to_string(std::max(range.first, size)) + " is past the node's " +
             std::to_string(size) +
             " blocks in the card inventory (is --conf the tflops.conf slurmd reads?)");
        range.count = range.first < size ? size - range.first : 0;
      }
    }
    std::erase_if(blocks.blocks, [](const auto& range) { return range.count == 0; });
  }

  void place(SlurmJobState state) {
    const auto holder = state == SlurmJobState::running ? Holder::running : Holder::suspended;
    for (auto& job : view_.jobs) {
      if (job.state != state) continue;
      for (auto& blocks : job.nodes) {
        if (!blocks.node_index) continue;
        auto& owners = view_.nodes[*blocks.node_index].owners;
        const auto& use = uses_[*blocks.node_index];
        for (const auto& range : blocks.blocks) {
          for (auto block = range.first; block < range.end(); ++block) {
            auto& owner = owners[block];
            if (owner.holder == Holder::running && holder == Holder::running) {
              warn("job " + std::to_string(job.id) + " and job " + std::to_string(owner.job) + " both hold " +
                   blocks.node + " block " + std::to_string(block));
              continue;
            }
            if (owner.holder != Holder::none) continue;  // given to a running job: released
            // A suspended job whose block the node lists as free has released it.
            if (holder == Holder::suspended && use.known[block] && !use.used[block]) continue;
            owner = {holder, job.id};
            ++blocks.held;
          }
        }
      }
    }
  }

  void count_use() {
    for (std::uint32_t node = 0; node < view_.nodes.size(); ++node) {
      auto& live = view_.nodes[node];
      const auto& use = uses_[node];
      std::array<std::uint32_t, pool::kKindCount> placed{};
      for (std::uint32_t block = 0; block < live.owners.size(); ++block) {
        auto& owner = live.owners[block];
        if (owner.holder == Holder::none && use.known[block] && use.used[block]) {
          owner.holder = Holder::unknown;
        }
        if (owner.holder != Holder::none) {
          ++placed[static_cast<std::size_t>(layout().card_at(node, block).kind)];
        }
      }
      for (std::size_t kind = 0; kind < pool::kKindCount; ++kind) {
        live.used[kind] = use.count[kind].value_or(placed[kind]);
      }
    }
  }

  const SlurmSnapshot& snapshot_;
  const std::string gres_name_;
  LiveView view_;
  std::vector<NodeUse> uses_;  // parallel to view_.nodes
};

}  // namespace

std::uint64_t LiveJob::blocks() const {
  std::uint64_t total = 0;
  for (const auto& node : nodes) total += node.count;
  return total;
}

std::uint64_t LiveJob::held() const {
  std::uint64_t total = 0;
  for (const auto& node : nodes) total += node.held;
  return total;
}

std::uint32_t LiveNode::used_total() const {
  std::uint32_t total = 0;
  for (const auto count : used) total += count;
  return total;
}

std::uint64_t LiveView::used_blocks() const {
  std::uint64_t total = 0;
  for (const auto& node : nodes) total += node.used_total();
  return total;
}

LiveView build_live_view(std::shared_ptr<const pool::Layout> layout, const SlurmSnapshot& snapshot,
                         const std::string& gres_name) {
  return ViewBuilder(std::move(layout), snapshot, gres_name).build();
}

}  // namespace tflops::cli

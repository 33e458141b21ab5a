// SPDX-License-Identifier: GPL-2.0-or-later
// What slurmctld says about the cluster, as plain data: its nodes with their GRES text, and the
// jobs that hold resources (running or suspended) with their per-node GRES detail. read_slurm()
// is the only code that talks to libslurm (slurm_reader.cpp); everything built on the snapshot
// is tested without Slurm.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tflops::cli {

struct SlurmNode {
  std::string name;
  std::string state;      // "idle", "mixed", "down+drain", ...
  std::string gres;       // configured GRES (node_info gres)
  std::string gres_used;  // GRES in use (node_info gres_used)
};

enum class SlurmJobState : std::uint8_t { running, suspended };

struct SlurmJob {
  std::uint32_t id = 0;
  std::string name;
  std::string user;
  SlurmJobState state = SlurmJobState::running;
  std::vector<std::string> nodes;        // the job's nodes in Slurm's node order
  std::vector<std::string> gres_detail;  // per entry of `nodes`: "tflops:gpu:18(IDX:0-17),..."
};

struct SlurmSnapshot {
  std::string slurm_conf;  // the slurm.conf the client read, for messages
  std::vector<SlurmNode> nodes;
  std::vector<SlurmJob> jobs;  // running and suspended only
};

// True when tflopsctl was built with libslurm; read_slurm() throws otherwise.
bool slurm_reader_built();

// Asks slurmctld (slurm_load_node, slurm_load_jobs with SHOW_DETAIL). Throws tflops::pool::Error
// with Slurm's reason and what to check when it cannot.
SlurmSnapshot read_slurm();

}  // namespace tflops::cli

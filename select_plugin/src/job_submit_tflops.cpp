// SPDX-License-Identifier: GPL-2.0-or-later
// job_submit/tflops (slurmctld): refuses at submission, and at `scontrol update`, the tflops
// requests no node could ever hold, requests for zero blocks and malformed ones, with a message
// naming the value and the fix (request_check.h). Everything else passes untouched.
//
// The inventory is read once, from where gres/tflops reads it (inventory_path.h). An inventory
// that cannot be read refuses nothing and says so in slurmctld's log: the nodes' own check
// (gres/tflops) still stops bad requests from running.
//
// The hooks Slurm calls are in job_submit_hooks_v*.cpp, one per hook signature generation.
#include "job_submit_tflops.h"

#include <exception>
#include <memory>
#include <string>

#include "inventory_path.h"
#include "plugin_export.h"
#include "request_check.h"
#include "tflops/pool/inventory.h"
#include "tflops/pool/layout.h"

extern "C" {
TFLOPS_EXPORT extern const char plugin_name[] = "Refuse TFLOPS block requests that can never run";
TFLOPS_EXPORT extern const char plugin_type[] = "job_submit/tflops";
TFLOPS_EXPORT extern const uint32_t plugin_version = SLURM_VERSION_NUMBER;
}

namespace {

constexpr const char kPrefix[] = "job_submit/tflops: ";
tflops::pool::Layout* g_layout = nullptr;  // heap: nothing runs at dlclose

bool unset(uint32_t n) { return n == 0 || n == NO_VAL; }

}  // namespace

namespace tflops::select {

std::optional<std::string> refuse_job(const job_desc_msg_t& job_desc, const job_record_t* job_ptr) {
  if (!g_layout) return std::nullopt;
  try {
    RequestShape shape;
    shape.tres_per_node = job_desc.tres_per_node ? job_desc.tres_per_node : "";
    shape.tres_per_job = job_desc.tres_per_job ? job_desc.tres_per_job : "";
    uint32_t nodes = job_desc.min_nodes;
    if (unset(nodes) && job_ptr && job_ptr->details) nodes = job_ptr->details->min_nodes;
    shape.min_nodes = unset(nodes) ? 1 : nodes;
    std::optional<std::string> refusal = refuse_request(shape, *g_layout);
    if (refusal && job_ptr)
      info("%supdate of JobId=%u refused: %s", kPrefix, job_ptr->job_id, refusal->c_str());
    else if (refusal) info("%srefused: %s", kPrefix, refusal->c_str());
    return refusal;
  } catch (const std::exception& e) {
    error("%s%s", kPrefix, e.what());
  }
  return std::nullopt;
}

}  // namespace tflops::select

extern "C" {

TFLOPS_EXPORT int init(void) {
  const std::string path = tflops::slurm_side::inventory_path();
  try {
    g_layout = new tflops::pool::Layout(tflops::pool::load_inventory(path));
  } catch (const std::exception& e) {
    error("%scannot read the card inventory, refusing nothing: %s", kPrefix, e.what());
  }
  return SLURM_SUCCESS;
}

TFLOPS_EXPORT int fini(void) {
  delete g_layout;
  g_layout = nullptr;
  return SLURM_SUCCESS;
}

}  // extern "C"

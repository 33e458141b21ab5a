// job_submit/tflops (slurmctld): refuses at submission the tflops requests no node could ever
// hold, requests for zero blocks and malformed ones, with a message naming the value and the fix
// (request_check.h); sbatch prints it. Everything else passes untouched.
//
// The inventory is read once, from where gres/tflops reads it (inventory_path.h). An inventory
// that cannot be read refuses nothing and says so in slurmctld's log: the nodes' own check
// (gres/tflops) still stops bad requests from running.
#include <exception>
#include <memory>
#include <string>

#include "inventory_path.h"
#include "request_check.h"
#include "slurm.h"
#include "tflops/pool/inventory.h"
#include "tflops/pool/layout.h"

#define TFLOPS_EXPORT __attribute__((visibility("default")))

extern "C" {
TFLOPS_EXPORT extern const char plugin_name[] = "Refuse TFLOPS block requests that can never run";
TFLOPS_EXPORT extern const char plugin_type[] = "job_submit/tflops";
TFLOPS_EXPORT extern const uint32_t plugin_version = SLURM_VERSION_NUMBER;
}

namespace {

constexpr const char kPrefix[] = "job_submit/tflops: ";
tflops::pool::Layout* g_layout = nullptr;  // heap: nothing runs at dlclose

int check(const char* tres_per_node, const char* tres_per_job, uint32_t min_nodes,
          char** err_msg) {
  if (!g_layout) return SLURM_SUCCESS;
  try {
    tflops::select::RequestShape shape;
    shape.tres_per_node = tres_per_node ? tres_per_node : "";
    shape.tres_per_job = tres_per_job ? tres_per_job : "";
    shape.min_nodes = (min_nodes == 0 || min_nodes == NO_VAL) ? 1 : min_nodes;
    if (auto refusal = tflops::select::refuse_request(shape, *g_layout)) {
      *err_msg = xstrdup(refusal->c_str());
      info("%srefused: %s", kPrefix, refusal->c_str());
      return ESLURM_INVALID_GRES;
    }
  } catch (const std::exception& e) {
    error("%s%s", kPrefix, e.what());
  }
  return SLURM_SUCCESS;
}

}  // namespace

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

TFLOPS_EXPORT int job_submit(job_desc_msg_t* job_desc, uint32_t, char** err_msg) {
  return check(job_desc->tres_per_node, job_desc->tres_per_job, job_desc->min_nodes, err_msg);
}

TFLOPS_EXPORT int job_modify(job_desc_msg_t* job_desc, job_record_t*, uint32_t, char** err_msg) {
  return check(job_desc->tres_per_node, job_desc->tres_per_job, job_desc->min_nodes, err_msg);
}

}  // extern "C"

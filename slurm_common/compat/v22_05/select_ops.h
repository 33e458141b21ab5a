// Slurm 22.05's select hooks as its loader calls them: slurm_select_ops_t, which 22.05 still
// declares in src/common/select.h (included first).
#pragma once

namespace tflops::compat {

using SelectOps = slurm_select_ops_t;

}  // namespace tflops::compat

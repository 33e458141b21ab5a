// SPDX-License-Identifier: GPL-2.0-or-later
// The job environment contract between gres/tflops, which writes it into every job, step and
// Prolog/Epilog holding tflops blocks, and the HAL, which reads it (doc/job-environment.md
// has the formats and rules). Its version and variable names are defined here only: both sides
// use these, so that they cannot drift apart. The tests spell the names out on purpose.
#pragma once

#include <array>

namespace tflops::env_contract {

// Raised for any change that can break a reader (a variable removed or its format changed);
// variables may be added within a version.
inline constexpr int kVersion = 1;

// The contract's own variables.
inline constexpr char kVarVersion[] = "SLURM_TFLOPS_VERSION";
inline constexpr char kVarNode[] = "SLURM_TFLOPS_NODE";
inline constexpr char kVarBlocks[] = "SLURM_TFLOPS_BLOCKS";
inline constexpr char kVarPoolBlocks[] = "SLURM_TFLOPS_POOL_BLOCKS";
inline constexpr char kVarOnNode[] = "SLURM_TFLOPS_ON_NODE";
inline constexpr char kVarCards[] = "SLURM_TFLOPS_CARDS";
inline constexpr char kVarLayout[] = "SLURM_TFLOPS_LAYOUT";
inline constexpr char kVarPoolFirst[] = "SLURM_TFLOPS_POOL_FIRST";
inline constexpr char kVarShares[] = "SLURM_TFLOPS_SHARES";
inline constexpr char kVarFpgaDevices[] = "SLURM_TFLOPS_FPGA_DEVICES";
inline constexpr char kVarBackends[] = "SLURM_TFLOPS_BACKENDS";  // optional addition for the HAL
// Read by the HAL only (for use outside Slurm and in tests); Slurm's side never writes it.
inline constexpr char kVarAllocFile[] = "SLURM_TFLOPS_ALLOC_FILE";

// What gres/tflops writes and therefore owns: removed from a job or step holding no blocks.
inline constexpr std::array<const char*, 11> kWrittenVars = {
    kVarVersion, kVarNode,      kVarBlocks, kVarPoolBlocks,  kVarOnNode,  kVarCards,
    kVarLayout,  kVarPoolFirst, kVarShares, kVarFpgaDevices, kVarBackends};

// The vendors' variables the contract sets for the cards a job holds (never removed: they may
// belong to a gres/gpu beside tflops).
inline constexpr char kVarCudaVisibleDevices[] = "CUDA_VISIBLE_DEVICES";
inline constexpr char kVarCudaMpsThreadPercentage[] = "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE";
inline constexpr char kVarRocrVisibleDevices[] = "ROCR_VISIBLE_DEVICES";
inline constexpr char kVarZeAffinityMask[] = "ZE_AFFINITY_MASK";
inline constexpr char kVarAscendVisibleDevices[] = "ASCEND_RT_VISIBLE_DEVICES";
// mpirun's forwarding of signals to its ranks: "none" unless the job set it, under the names of
// Open MPI 4's mpirun (ORTE, Debian 12) and Open MPI 5's (PRRTE, Debian 13), which reads only its
// own.
inline constexpr char kVarMpirunSignalForwarding[] = "OMPI_MCA_ess_base_forward_signals";
inline constexpr char kVarPrrteSignalForwarding[] = "PRTE_MCA_ess_base_forward_signals";

}  // namespace tflops::env_contract

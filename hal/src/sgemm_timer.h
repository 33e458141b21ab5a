// SPDX-License-Identifier: GPL-2.0-or-later
// Times SGEMM on one opened device: the calibration behind `tflopsctl devices` and
// Weighting::measured, and VirtualCard::balance's rounds.
#pragma once

#include <cstddef>

#include "backend.h"

namespace tflops::hal::detail {

// Best wall time in seconds of `repeats` SGEMMs (rows x k) x (k x n) after one untimed warm-up.
double time_sgemm(Device& device, std::size_t rows, std::size_t n, std::size_t k, int repeats);

}  // namespace tflops::hal::detail

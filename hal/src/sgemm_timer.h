// Times SGEMM on one opened device: the calibration behind `tflopsctl devices` and
// Weighting::measured.
#pragma once

#include <cstddef>

#include "backend.h"

namespace tflops::hal::detail {

// Best wall time in seconds of `repeats` n x n x n SGEMMs after one untimed warm-up.
double time_sgemm(Device& device, std::size_t n, int repeats);

}  // namespace tflops::hal::detail

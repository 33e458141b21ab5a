// SPDX-License-Identifier: GPL-2.0-or-later
// Element types the all-reduce sums, and the host arithmetic on them.
//
// float16 (IEEE binary16) and bfloat16 have no MPI datatype and no portable C++ type in C++20:
// they travel as raw 16-bit words and are summed on the host by widening to float32 and
// rounding the sum back to nearest-even, so a + b gives the same bits on every rank.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tflops::mpi {

enum class DType : std::uint8_t { f32, f64, f16, bf16 };

inline constexpr DType kAllDTypes[] = {DType::f32, DType::f64, DType::f16, DType::bf16};

std::size_t dtype_size(DType type);
std::string_view dtype_name(DType type);                  // "float32", "float64", ...
std::optional<DType> parse_dtype(std::string_view word);  // the names above or f32/f64/f16/bf16

float half_to_float(std::uint16_t half);
std::uint16_t float_to_half(float value);  // round to nearest even; overflow -> inf
float bfloat16_to_float(std::uint16_t value);
std::uint16_t float_to_bfloat16(float value);  // round to nearest even; NaN stays NaN

// inout[i] += in[i] for `count` elements of `type`. The buffers must not overlap.
void sum_into(DType type, void* inout, const void* in, std::size_t count);

}  // namespace tflops::mpi

// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/mpi/dtype.h"

#include <bit>
#include <cmath>

namespace tflops::mpi {

std::size_t dtype_size(DType type) {
  switch (type) {
    case DType::f32: return 4;
    case DType::f64: return 8;
    case DType::f16:
    case DType::bf16: return 2;
  }
  return 0;
}

std::string_view dtype_name(DType type) {
  switch (type) {
    case DType::f32: return "float32";
    case DType::f64: return "float64";
    case DType::f16: return "float16";
    case DType::bf16: return "bfloat16";
  }
  return "?";
}

std::optional<DType> parse_dtype(std::string_view word) {
  for (DType type : kAllDTypes) {
    if (word == dtype_name(type)) return type;
  }
  if (word == "f32") return DType::f32;
  if (word == "f64") return DType::f64;
  if (word == "f16") return DType::f16;
  if (word == "bf16") return DType::bf16;
  return std::nullopt;
}

float half_to_float(std::uint16_t half) {
  const std::uint32_t sign = static_cast<std::uint32_t>(half & 0x8000u) << 16;
  const std::uint32_t exponent = (half >> 10) & 0x1fu;
  const std::uint32_t mantissa = half & 0x3ffu;
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24, exact in float
    const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

std::uint16_t float_to_half(float value) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
  const std::uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) return sign | 0x7e00u;                // NaN (quiet)
  if (magnitude >= 0x477ff000u) return sign | 0x7c00u;               // >= 65520 rounds to infinity
  if (magnitude < 0x38800000u) {                                     // below 2^-14: subnormal half
    const float scaled = std::bit_cast<float>(magnitude) * 0x1p24f;  // exact; rint rounds to even
    return static_cast<std::uint16_t>(sign | static_cast<std::uint16_t>(std::nearbyint(scaled)));
  }
  // Rebias the exponent (127 -> 15) and round the mantissa from 23 to 10 bits, ties to even;
  // a carry out of the mantissa correctly bumps the exponent.
  const std::uint32_t rounded = magnitude - 0x38000000u + 0xfffu + ((magnitude >> 13) & 1u);
  return static_cast<std::uint16_t>(sign | (rounded >> 13));
}

float bfloat16_to_float(std::uint16_t value) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(value) << 16);
}

std::uint16_t float_to_bfloat16(float value) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((bits >> 16) | 0x40u);
  return static_cast<std::uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

namespace {

template <typename T>
void add(T* __restrict inout, const T* __restrict in, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) inout[i] += in[i];
}

template <float (*Widen)(std::uint16_t), std::uint16_t (*Narrow)(float)>
void add16(std::uint16_t* __restrict inout, const std::uint16_t* __restrict in, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) inout[i] = Narrow(Widen(inout[i]) + Widen(in[i]));
}

}  // namespace

void sum_into(DType type, void* inout, const void* in, std::size_t count) {
  switch (type) {
    case DType::f32: add(static_cast<float*>(inout), static_cast<const float*>(in), count); return;
    case DType::f64: add(static_cast<double*>(inout), static_cast<const double*>(in), count); return;
    case DType::f16:
      add16<half_to_float, float_to_half>(static_cast<std::uint16_t*>(inout),
                                          static_cast<const std::uint16_t*>(in), count);
      return;
    case DType::bf16:
      add16<bfloat16_to_float, float_to_bfloat16>(static_cast<std::uint16_t*>(inout),
                                                  static_cast<const std::uint16_t*>(in), count);
      return;
  }
}

}  // namespace tflops::mpi

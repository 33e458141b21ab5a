// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/mpi/dtype.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using namespace tflops::mpi;

TEST(DType, NamesParseBack) {
  for (DType type : kAllDTypes) EXPECT_EQ(parse_dtype(dtype_name(type)), type);
  EXPECT_EQ(parse_dtype("bf16"), DType::bf16);
  EXPECT_FALSE(parse_dtype("int8"));
  EXPECT_EQ(dtype_size(DType::f64), 8u);
  EXPECT_EQ(dtype_size(DType::bf16), 2u);
}

TEST(DType, HalfRoundTripsEveryFiniteHalf) {
  for (std::uint32_t bits = 0; bits < 0x10000; ++bits) {
    const auto half = static_cast<std::uint16_t>(bits);
    if ((half & 0x7c00u) == 0x7c00u && (half & 0x3ffu) != 0) continue;  // NaN payloads
    EXPECT_EQ(float_to_half(half_to_float(half)), half) << std::hex << bits;
  }
}

TEST(DType, HalfRoundsToNearestEvenAndOverflows) {
  EXPECT_EQ(half_to_float(0x3c00), 1.0f);
  EXPECT_EQ(float_to_half(1.0f + 0x1p-11f), 0x3c00);      // tie -> even (down)
  EXPECT_EQ(float_to_half(1.0f + 3 * 0x1p-11f), 0x3c02);  // tie -> even (up)
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);             // largest half
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);             // rounds to infinity
  EXPECT_EQ(float_to_half(-0x1p-24f), 0x8001);            // smallest subnormal
  EXPECT_EQ(float_to_half(0x1p-26f), 0x0000);             // underflows to zero
  EXPECT_TRUE(std::isnan(half_to_float(float_to_half(std::numeric_limits<float>::quiet_NaN()))));
}

TEST(DType, BFloat16RoundsToNearestEven) {
  EXPECT_EQ(float_to_bfloat16(1.0f), 0x3f80);
  EXPECT_EQ(float_to_bfloat16(1.0f + 0x1p-8f), 0x3f80);  // tie -> even
  EXPECT_EQ(float_to_bfloat16(1.0f + 3 * 0x1p-8f), 0x3f82);
  EXPECT_EQ(bfloat16_to_float(0xc040), -3.0f);
  EXPECT_TRUE(std::isnan(bfloat16_to_float(float_to_bfloat16(std::numeric_limits<float>::quiet_NaN()))));
}

TEST(DType, SumIntoAddsEachType) {
  std::vector<double> a = {1.5, -2, 1e300}, b = {2.25, 2, 1e300};
  sum_into(DType::f64, a.data(), b.data(), a.size());
  EXPECT_EQ(a, (std::vector<double>{3.75, 0, 2e300}));
  std::vector<std::uint16_t> h = {float_to_half(1.5f), float_to_half(2048.0f)};
  const std::vector<std::uint16_t> g = {float_to_half(0.25f), float_to_half(1.0f)};
  sum_into(DType::f16, h.data(), g.data(), h.size());
  EXPECT_EQ(half_to_float(h[0]), 1.75f);
  EXPECT_EQ(half_to_float(h[1]), 2048.0f);  // 2049 is not a half: ties to even
}

// SPDX-License-Identifier: GPL-2.0-or-later
// The kernels besides GEMM, written once for OpenCL C and CUDA (NVRTC): each backend prepends
// its definitions of KERNEL, GLOBAL, GID and the float math functions. One work-item per
// element, per row (softmax, row_sum) or per column (col_sum). Multiply-adds are not contracted
// to FMA (FP_CONTRACT OFF here, --fmad=false for NVRTC), as the host's plain loops are not: the
// replicas of a buffer updated on different devices then stay bit for bit equal.
#pragma once

namespace tflops::hal::detail {

inline constexpr const char* kOpenClPrelude = R"(
#pragma OPENCL FP_CONTRACT OFF
#define KERNEL __kernel
#define GLOBAL __global
#define GID ((uint)get_global_id(0))
#define EXPF exp
#define LOGF log
#define FLOORF floor
)";

inline constexpr const char* kCudaPrelude = R"(
typedef unsigned int uint;
#define KERNEL extern "C" __global__
#define GLOBAL
#define GID (blockIdx.x * blockDim.x + threadIdx.x)
#define EXPF expf
#define LOGF logf
#define FLOORF floorf
)";

inline constexpr const char* kKernels = R"(
KERNEL void tf_axpy(uint n, float alpha, GLOBAL const float* x, GLOBAL float* y) {
  uint i = GID; if (i < n) y[i] += alpha * x[i];
}
KERNEL void tf_scale(uint n, float alpha, GLOBAL float* x) {
  uint i = GID; if (i < n) x[i] *= alpha;
}
KERNEL void tf_fill(uint n, float value, GLOBAL float* x) {
  uint i = GID; if (i < n) x[i] = value;
}
KERNEL void tf_copy(uint n, GLOBAL const float* x, GLOBAL float* y) {
  uint i = GID; if (i < n) y[i] = x[i];
}
KERNEL void tf_bias_add(uint n, uint cols, GLOBAL float* x, GLOBAL const float* bias) {
  uint i = GID; if (i < n) x[i] += bias[i % cols];
}
KERNEL void tf_relu(uint n, GLOBAL const float* x, GLOBAL float* y) {
  uint i = GID; if (i < n) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}
KERNEL void tf_relu_grad(uint n, GLOBAL const float* dy, GLOBAL const float* y, GLOBAL float* dx) {
  uint i = GID; if (i < n) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}
KERNEL void tf_softmax_xent(uint rows, uint classes, GLOBAL const float* logits,
                            GLOBAL const float* labels, float grad_scale, GLOBAL float* grad,
                            GLOBAL float* loss) {
  uint r = GID; if (r >= rows) return;
  GLOBAL const float* z = logits + r * classes;
  GLOBAL float* g = grad + r * classes;
  float top = z[0];
  for (uint c = 1; c < classes; ++c) top = z[c] > top ? z[c] : top;
  float sum = 0.0f;
  for (uint c = 0; c < classes; ++c) sum += EXPF(z[c] - top);
  float label = labels[r];
  int valid = label >= 0.0f && label < (float)classes && label == FLOORF(label);
  uint y = valid ? (uint)label : 0u;
  for (uint c = 0; c < classes; ++c)
    g[c] = grad_scale * (EXPF(z[c] - top) / sum - ((valid && c == y) ? 1.0f : 0.0f));
  loss[r] = valid ? LOGF(sum) - (z[y] - top) : -1.0f;
}
KERNEL void tf_col_sum(uint rows, uint cols, GLOBAL const float* x, GLOBAL float* y) {
  uint c = GID; if (c >= cols) return;
  float sum = 0.0f;
  for (uint r = 0; r < rows; ++r) sum += x[r * cols + c];
  y[c] = sum;
}
KERNEL void tf_row_sum(uint rows, uint cols, GLOBAL const float* x, GLOBAL float* y) {
  uint r = GID; if (r >= rows) return;
  float sum = 0.0f;
  for (uint c = 0; c < cols; ++c) sum += x[r * cols + c];
  y[r] = sum;
}
)";

}  // namespace tflops::hal::detail

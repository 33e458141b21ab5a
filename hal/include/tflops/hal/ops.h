// SPDX-License-Identifier: GPL-2.0-or-later
// The operations a data-parallel trainer needs, each run on every slice at once, each slice on
// its own part. Results equal a single-device FP32 run to rounding. All buffers of one call must
// belong to the same virtual card; shapes and layouts are checked first and a mismatch is an
// Error naming the operation, the operand and both shapes/layouts. A device failure in any slice
// is a DeviceError naming that slice; the outputs are then undefined.
//
// Layout rules (S = sharded, R = replicated, P = partial; "same" = every operand alike):
//   gemm        C = alpha op(A) op(B) + beta C, op = transpose or not.
//                 C:S  <- op(A) rows sharded (A:S, no transpose) x op(B) R     (forward, dX)
//                 C:P  <- A:S transposed x B:S not transposed (contraction over the shared rows:
//                         weight gradients X^T dY)
//                 C:R  <- A:R x B:R (every slice computes the whole product)
//   axpy        y += alpha x                          same layout and shape
//   scale       x *= alpha                            any layout
//   bias_add    x[r][c] += bias[0][c]                 x S or R; bias R, 1 x cols
//   relu        y = max(x, 0)                         same (y may be x)
//   relu_grad   dx = dy * (y > 0)                     same (y the forward output; dx may be dy)
//   softmax_xent  per row r of logits (rows x classes) with class label[r] (labels: rows x 1,
//               the class index as a float): returns sum over rows of -log softmax(r)[label],
//               and writes grad = grad_scale * (softmax(r) - onehot(label)).  logits, labels
//               and grad S (or all R); a label outside [0, classes) is an Error naming the row.
//   col_sum     y[0][c] = sum_r x[r][c]               x S -> y P;  x R -> y R   (bias gradients)
//   row_sum     y[r][0] = sum_c x[r][c]               same
//   copy        dst = src                             same layout and shape
#pragma once

#include <cstdint>

#include "tflops/hal/buffer.h"

namespace tflops::hal {

enum class Trans : std::uint8_t { no, yes };

void gemm(Trans trans_a, Trans trans_b, float alpha, const Buffer& a, const Buffer& b, float beta, Buffer& c);
void axpy(float alpha, const Buffer& x, Buffer& y);
void scale(float alpha, Buffer& x);
void bias_add(Buffer& x, const Buffer& bias);
void relu(const Buffer& x, Buffer& y);
void relu_grad(const Buffer& dy, const Buffer& y, Buffer& dx);
double softmax_xent(const Buffer& logits, const Buffer& labels, float grad_scale, Buffer& grad);
void col_sum(const Buffer& x, Buffer& y);
void row_sum(const Buffer& x, Buffer& y);
void copy(const Buffer& src, Buffer& dst);

}  // namespace tflops::hal

// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/hal/ops.h"

#include <cmath>
#include <string>

#include "card_state.h"
#include "tflops/hal/error.h"

namespace tflops::hal {

namespace {

using detail::BufferState;
using detail::CardState;
using detail::DeviceArray;

std::string describe(const Buffer& b) {
  return std::to_string(b.rows()) + " x " + std::to_string(b.cols()) + " " +
         std::string(layout_name(b.layout()));
}

[[noreturn]] void mismatch(const char* op, const std::string& why) {
  throw Error(std::string(op) + ": " + why);
}

// The card all operands share; Error when they belong to different cards.
CardState& card_of(const char* op, std::initializer_list<const Buffer*> buffers) {
  CardState* card = (*buffers.begin())->state()->card.get();
  for (const Buffer* b : buffers)
    if (b->state()->card.get() != card) mismatch(op, "operands belong to different virtual cards");
  return *card;
}

void same_shape(const char* op, const Buffer& a, const char* an, const Buffer& b, const char* bn) {
  if (a.rows() != b.rows() || a.cols() != b.cols() || a.layout() != b.layout())
    mismatch(op, std::string(an) + " is " + describe(a) + " but " + bn + " is " + describe(b) +
                     " (they must match in shape and layout)");
}

DeviceArray& part(const Buffer& b, std::size_t s) { return *b.state()->parts[s]; }

// Runs `work(slice, rows of that slice)` on every slice with rows, then waits for the devices.
template <class Work>
void run(CardState& card, const char* op, const Buffer& shape, Work work) {
  card.check_active(op);
  const BufferState& b = *shape.state();
  card.each_slice([&](std::size_t s) {
    const std::size_t rows = b.slice_rows(s);
    if (rows == 0) return;
    detail::Device& d = *card.slices[s].device;
    work(s, d, rows);
    d.finish();
  });
}

}  // namespace

void gemm(Trans trans_a, Trans trans_b, float alpha, const Buffer& a, const Buffer& b, float beta,
          Buffer& c) {
  const char* op = "gemm";
  CardState& card = card_of(op, {&a, &b, &c});
  const bool ta = trans_a == Trans::yes, tb = trans_b == Trans::yes;
  const std::size_t m = ta ? a.cols() : a.rows(), k = ta ? a.rows() : a.cols();
  const std::size_t kb = tb ? b.cols() : b.rows(), n = tb ? b.rows() : b.cols();
  if (k != kb || c.rows() != m || c.cols() != n)
    mismatch(op, "op(A) is " + std::to_string(m) + " x " + std::to_string(k) + ", op(B) " +
                     std::to_string(kb) + " x " + std::to_string(n) + ", C " + describe(c));
  const Layout la = a.layout(), lb = b.layout(), lc = c.layout();
  std::lock_guard lock(card.mutex);
  if (lc == Layout::sharded && la == Layout::sharded && !ta && lb == Layout::replicated) {
    run(card, op, c, [&](std::size_t s, detail::Device& d, std::size_t rows) {
      d.gemm(false, tb, rows, n, k, alpha, part(a, s), a.cols(), part(b, s), b.cols(), beta, part(c, s), n);
    });
  } else if (lc == Layout::partial && la == Layout::sharded && ta && lb == Layout::sharded && !tb) {
    // Every slice contracts over its own rows of A and B: an addend of the whole product.
    run(card, op, a, [&](std::size_t s, detail::Device& d, std::size_t rows) {
      d.gemm(true, false, m, n, rows, alpha, part(a, s), a.cols(), part(b, s), b.cols(), beta, part(c, s), n);
    });
    // Slices with no rows keep beta * C as their addend.
    card.each_slice([&](std::size_t s) {
      if (a.state()->slice_rows(s) != 0 || beta == 1.0f) return;
      card.slices[s].device->scale(m * n, beta, part(c, s));
      card.slices[s].device->finish();
    });
  } else if (lc == Layout::replicated && la == Layout::replicated && lb == Layout::replicated) {
    run(card, op, c, [&](std::size_t s, detail::Device& d, std::size_t) {
      d.gemm(ta, tb, m, n, k, alpha, part(a, s), a.cols(), part(b, s), b.cols(), beta, part(c, s), n);
    });
  } else {
    mismatch(op, "no split for A " + describe(a) + (ta ? " transposed" : "") + ", B " + describe(b) +
                     (tb ? " transposed" : "") + ", C " + describe(c) +
                     " (see ops.h: C sharded <- A sharded x B replicated; C partial <- A^T "
                     "sharded x B sharded; C replicated <- A replicated x B replicated)");
  }
}

void axpy(float alpha, const Buffer& x, Buffer& y) {
  CardState& card = card_of("axpy", {&x, &y});
  same_shape("axpy", x, "x", y, "y");
  std::lock_guard lock(card.mutex);
  run(card, "axpy", y, [&](std::size_t s, detail::Device& d, std::size_t rows) {
    d.axpy(rows * y.cols(), alpha, part(x, s), part(y, s));
  });
}

void scale(float alpha, Buffer& x) {
  CardState& card = card_of("scale", {&x});
  std::lock_guard lock(card.mutex);
  run(card, "scale", x, [&](std::size_t s, detail::Device& d, std::size_t rows) {
    d.scale(rows * x.cols(), alpha, part(x, s));
  });
}

void bias_add(Buffer& x, const Buffer& bias) {
  CardState& card = card_of("bias_add", {&x, &bias});
  if (x.layout() == Layout::partial || bias.layout() != Layout::replicated || bias.rows() != 1 ||
      bias.cols() != x.cols())
    mismatch("bias_add", "x is " + describe(x) + ", bias " + describe(bias) +
                             " (x sharded or replicated; bias 1 x " + std::to_string(x.cols()) +
                             " replicated)");
  std::lock_guard lock(card.mutex);
  run(card, "bias_add", x, [&](std::size_t s, detail::Device& d, std::size_t rows) {
    d.bias_add(rows, x.cols(), part(x, s), part(bias, s));
  });
}

void relu(const Buffer& x, Buffer& y) {
  CardState& card = card_of("relu", {&x, &y});
  same_shape("relu", x, "x", y, "y");
  if (x.layout() == Layout::partial) mismatch("relu", "x is partial: reduce it first");
  std::lock_guard lock(card.mutex);
  run(card, "relu", y, [&](std::size_t s, detail::Device& d, std::size_t rows) {
    d.relu(rows * y.cols(), part(x, s), part(y, s));
  });
}

void relu_grad(const Buffer& dy, const Buffer& y, Buffer& dx) {
  CardState& card = card_of("relu_grad", {&dy, &y, &dx});
  same_shape("relu_grad", dy, "dy", y, "y");
  same_shape("relu_grad", dy, "dy", dx, "dx");
  if (y.layout() == Layout::partial) mismatch("relu_grad", "y is partial: reduce it first");
  std::lock_guard lock(card.mutex);
  run(card, "relu_grad", dx, [&](std::size_t s, detail::Device& d, std::size_t rows) {
    d.relu_grad(rows * dx.cols(), part(dy, s), part(y, s), part(dx, s));
  });
}

double softmax_xent(const Buffer& logits, const Buffer& labels, float grad_scale, Buffer& grad) {
  const char* op = "softmax_xent";
  CardState& card = card_of(op, {&logits, &labels, &grad});
  same_shape(op, logits, "logits", grad, "grad");
  if (labels.rows() != logits.rows() || labels.cols() != 1 || labels.layout() != logits.layout() ||
      logits.layout() == Layout::partial)
    mismatch(op, "logits are " + describe(logits) + ", labels " + describe(labels) +
                     " (labels: one class index per row, same layout; not partial)");
  const std::size_t classes = logits.cols();
  std::lock_guard lock(card.mutex);
  card.check_active(op);
  const std::size_t slices = card.slices.size();
  std::vector<std::vector<float>> losses(slices);
  run(card, op, logits, [&](std::size_t s, detail::Device& d, std::size_t rows) {
    auto loss = d.alloc(rows);
    d.softmax_xent(rows, classes, part(logits, s), part(labels, s), grad_scale, part(grad, s), *loss);
    losses[s].resize(rows);
    d.read(*loss, 0, losses[s].data(), rows);
  });
  // Replicated operands: every slice computed the same rows; count them once.
  const std::size_t counted = logits.layout() == Layout::replicated ? 1 : slices;
  double total = 0;
  for (std::size_t s = 0; s < counted; ++s) {
    for (std::size_t r = 0; r < losses[s].size(); ++r) {
      if (losses[s][r] < 0) {
        const std::size_t row = logits.state()->slice_offset(s) + r;
        throw Error(std::string(op) + ": row " + std::to_string(row) + " has label outside [0, " +
                    std::to_string(classes) + "): labels must be class indices");
      }
      total += losses[s][r];
    }
  }
  return total;
}

void col_sum(const Buffer& x, Buffer& y) {
  CardState& card = card_of("col_sum", {&x, &y});
  const Layout want = x.layout() == Layout::sharded ? Layout::partial : x.layout();
  if (y.rows() != 1 || y.cols() != x.cols() || y.layout() != want)
    mismatch("col_sum", "x is " + describe(x) + ", y " + describe(y) + " (y must be 1 x " +
                            std::to_string(x.cols()) + " " + std::string(layout_name(want)) + ")");
  std::lock_guard lock(card.mutex);
  card.check_active("col_sum");
  card.each_slice([&](std::size_t s) {
    detail::Device& d = *card.slices[s].device;
    const std::size_t rows = x.state()->slice_rows(s);
    if (rows == 0) d.fill(x.cols(), 0.0f, part(y, s));  // an empty shard adds nothing
    else d.col_sum(rows, x.cols(), part(x, s), part(y, s));
    d.finish();
  });
}

void row_sum(const Buffer& x, Buffer& y) {
  CardState& card = card_of("row_sum", {&x, &y});
  if (y.rows() != x.rows() || y.cols() != 1 || y.layout() != x.layout())
    mismatch("row_sum", "x is " + describe(x) + ", y " + describe(y) + " (y must be " +
                            std::to_string(x.rows()) + " x 1, same layout)");
  std::lock_guard lock(card.mutex);
  run(card, "row_sum", x, [&](std::size_t s, detail::Device& d, std::size_t rows) {
    d.row_sum(rows, x.cols(), part(x, s), part(y, s));
  });
}

void copy(const Buffer& src, Buffer& dst) {
  CardState& card = card_of("copy", {&src, &dst});
  same_shape("copy", src, "src", dst, "dst");
  std::lock_guard lock(card.mutex);
  run(card, "copy", dst, [&](std::size_t s, detail::Device& d, std::size_t rows) {
    d.copy(rows * dst.cols(), part(src, s), part(dst, s));
  });
}

}  // namespace tflops::hal

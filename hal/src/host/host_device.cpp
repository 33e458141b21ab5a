// SPDX-License-Identifier: GPL-2.0-or-later
// The host backend: the CPU as a device. GEMM through OpenBLAS (one OpenBLAS thread per call,
// our own pinned threads each taking a block of rows, so a slice uses exactly its share of the
// cores); the other kernels are plain loops split the same way.
#include <cblas.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

#include "backend.h"
#include "slice_workers.h"
#include "tflops/hal/error.h"

namespace tflops::hal::detail {

namespace {

class HostArray : public DeviceArray {
 public:
  explicit HostArray(std::size_t size) : DeviceArray(size), data(std::max<std::size_t>(size, 1), 0.0f) {}
  std::vector<float> data;
};

float* ptr(DeviceArray& a) { return static_cast<HostArray&>(a).data.data(); }
const float* ptr(const DeviceArray& a) { return static_cast<const HostArray&>(a).data.data(); }

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("model name")) return line.substr(line.find(':') + 2);
  return "CPU";
}

DeviceInfo host_info() {
  DeviceInfo info;
  info.selector = {Backend::host, 0};
  info.name = cpu_model();
  info.vendor = "host";
  info.type = "cpu";
  info.compute_units = static_cast<unsigned>(usable_cpus().size());
  info.memory_bytes = static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGE_SIZE);
  return info;
}

class HostDevice : public Device {
 public:
  HostDevice(DeviceInfo info, std::vector<int> cpus)
      : info_(std::move(info)), threads_(cpus.size()), workers_(cpus.size(), cpus) {
    openblas_set_num_threads(1);  // parallelism is ours: see the file comment
  }

  const DeviceInfo& info() const override { return info_; }
  unsigned units() const override { return static_cast<unsigned>(threads_); }
  bool share_enforced() const override { return true; }

  std::unique_ptr<DeviceArray> alloc(std::size_t size) override { return std::make_unique<HostArray>(size); }
  void write(DeviceArray& dst, std::size_t offset, const float* src, std::size_t size) override {
    std::memcpy(ptr(dst) + offset, src, size * sizeof(float));
  }
  void read(const DeviceArray& src, std::size_t offset, float* dst, std::size_t size) override {
    std::memcpy(dst, ptr(src) + offset, size * sizeof(float));
  }

  void gemm(bool ta, bool tb, std::size_t m, std::size_t n, std::size_t k, float alpha, const DeviceArray& a,
            std::size_t lda, const DeviceArray& b, std::size_t ldb, float beta, DeviceArray& c,
            std::size_t ldc) override {
    // Rows of C per thread; row i of op(A) starts at a + i*lda (or column i: a + i).
    rows_split(m, [&](std::size_t first, std::size_t count) {
      const float* a0 = ptr(a) + (ta ? first : first * lda);
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                  static_cast<int>(count), static_cast<int>(n), static_cast<int>(k), alpha, a0,
                  static_cast<int>(lda), ptr(b), static_cast<int>(ldb), beta, ptr(c) + first * ldc,
                  static_cast<int>(ldc));
    });
  }
  void axpy(std::size_t n, float alpha, const DeviceArray& x, DeviceArray& y) override {
    elementwise(n, [&, xp = ptr(x), yp = ptr(y)](std::size_t i) { yp[i] += alpha * xp[i]; });
  }
  void scale(std::size_t n, float alpha, DeviceArray& x) override {
    elementwise(n, [&, xp = ptr(x)](std::size_t i) { xp[i] *= alpha; });
  }
  void fill(std::size_t n, float value, DeviceArray& x) override { std::fill_n(ptr(x), n, value); }
  void copy(std::size_t n, const DeviceArray& x, DeviceArray& y) override {
    std::memcpy(ptr(y), ptr(x), n * sizeof(float));
  }
  void bias_add(std::size_t rows, std::size_t cols, DeviceArray& x, const DeviceArray& bias) override {
    rows_split(rows, [&](std::size_t first, std::size_t count) {
      for (std::size_t r = first; r < first + count; ++r)
        for (std::size_t c = 0; c < cols; ++c) ptr(x)[r * cols + c] += ptr(bias)[c];
    });
  }
  void relu(std::size_t n, const DeviceArray& x, DeviceArray& y) override {
    elementwise(n, [xp = ptr(x), yp = ptr(y)](std::size_t i) { yp[i] = xp[i] > 0 ? xp[i] : 0.0f; });
  }
  void relu_grad(std::size_t n, const DeviceArray& dy, const DeviceArray& y, DeviceArray& dx) override {
    elementwise(n,
                [d = ptr(dy), yp = ptr(y), o = ptr(dx)](std::size_t i) { o[i] = yp[i] > 0 ? d[i] : 0.0f; });
  }
  void softmax_xent(std::size_t rows, std::size_t classes, const DeviceArray& logits,
                    const DeviceArray& labels, float grad_scale, DeviceArray& grad,
                    DeviceArray& loss) override {
    rows_split(rows, [&](std::size_t first, std::size_t count) {
      for (std::size_t r = first; r < first + count; ++r) {
        const float* z = ptr(logits) + r * classes;
        float* g = ptr(grad) + r * classes;
        float top = z[0];
        for (std::size_t c = 1; c < classes; ++c) top = std::max(top, z[c]);
        float sum = 0;
        for (std::size_t c = 0; c < classes; ++c) sum += std::exp(z[c] - top);
        const float label = ptr(labels)[r];
        const bool valid = label >= 0 && label < static_cast<float>(classes) && label == std::floor(label);
        const std::size_t y = valid ? static_cast<std::size_t>(label) : 0;
        for (std::size_t c = 0; c < classes; ++c)
          g[c] = grad_scale * (std::exp(z[c] - top) / sum - (valid && c == y ? 1.0f : 0.0f));
        ptr(loss)[r] = valid ? std::log(sum) - (z[y] - top) : -1.0f;
      }
    });
  }
  void col_sum(std::size_t rows, std::size_t cols, const DeviceArray& x, DeviceArray& y) override {
    rows_split(cols, [&](std::size_t first, std::size_t count) {
      for (std::size_t c = first; c < first + count; ++c) {
        float sum = 0;
        for (std::size_t r = 0; r < rows; ++r) sum += ptr(x)[r * cols + c];
        ptr(y)[c] = sum;
      }
    });
  }
  void row_sum(std::size_t rows, std::size_t cols, const DeviceArray& x, DeviceArray& y) override {
    rows_split(rows, [&](std::size_t first, std::size_t count) {
      for (std::size_t r = first; r < first + count; ++r) {
        float sum = 0;
        for (std::size_t c = 0; c < cols; ++c) sum += ptr(x)[r * cols + c];
        ptr(y)[r] = sum;
      }
    });
  }
  void finish() override {}  // every call above returns when done

 private:
  // Splits [0, total) into one contiguous part per thread; small work stays on one thread.
  template <class Work>
  void rows_split(std::size_t total, Work work) {
    const std::size_t parts = std::min(threads_, std::max<std::size_t>(total, 1));
    workers_.run([&](std::size_t t) {
      if (t >= parts) return;
      const std::size_t first = total * t / parts, last = total * (t + 1) / parts;
      if (last > first) work(first, last - first);
    });
  }
  template <class Op>
  void elementwise(std::size_t n, Op op) {
    rows_split(n, [&](std::size_t first, std::size_t count) {
      for (std::size_t i = first; i < first + count; ++i) op(i);
    });
  }

  DeviceInfo info_;
  std::size_t threads_;
  IndexedWorkers workers_;
};

std::vector<DeviceInfo> list_host() { return {host_info()}; }

std::unique_ptr<Device> open_host(const DeviceInfo& device, const SliceRequest& request) {
  std::vector<int> cpus = request.cpus.empty() ? usable_cpus() : request.cpus;
  return std::make_unique<HostDevice>(device, std::move(cpus));
}

}  // namespace

BackendOps host_backend() { return {Backend::host, list_host, open_host}; }

}  // namespace tflops::hal::detail

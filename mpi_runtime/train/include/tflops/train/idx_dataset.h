// SPDX-License-Identifier: GPL-2.0-or-later
// MNIST-style IDX files (Fashion-MNIST: Debian package dataset-fashion-mnist, files in
// /usr/share/datasets/fashion-mnist/*.gz), gzip-compressed or not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tflops::train {

struct Dataset {
  std::size_t samples = 0;
  std::size_t features = 0;           // pixels per image
  std::vector<unsigned char> pixels;  // samples x features, 0..255 (4x smaller than floats)
  std::vector<float> labels;          // class index per sample (as float: what hal::softmax_xent takes)

  // Sample `index` scaled to [0, 1], written to `out` (features floats).
  void image(std::size_t index, float* out) const;
};

// Reads DIR/PREFIX-images-idx3-ubyte[.gz] and DIR/PREFIX-labels-idx1-ubyte[.gz] (PREFIX is
// "train" or "t10k"). Throws std::runtime_error naming the file and what is wrong with it
// (missing: install dataset-fashion-mnist or pass the directory holding the files).
Dataset load_idx(const std::string& dir, const std::string& prefix);

}  // namespace tflops::train

// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/train/idx_dataset.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#ifdef TFLOPS_TRAIN_ZLIB
#include <zlib.h>
#endif

namespace tflops::train {

namespace {

std::string find_file(const std::string& dir, const std::string& name) {
  for (const std::string& candidate : {dir + "/" + name + ".gz", dir + "/" + name}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  throw std::runtime_error(dir + "/" + name + "[.gz]: no such file; install the Debian package " +
                           "dataset-fashion-mnist or pass the directory holding the IDX files (--data DIR)");
}

std::vector<unsigned char> read_all(const std::string& path) {
  std::vector<unsigned char> bytes;
  unsigned char block[1 << 16];
#ifdef TFLOPS_TRAIN_ZLIB
  gzFile file = gzopen(path.c_str(), "rb");  // reads uncompressed files as they are
  if (file == nullptr) throw std::runtime_error(path + ": cannot open");
  int got = 0;
  while ((got = gzread(file, block, sizeof block)) > 0) bytes.insert(bytes.end(), block, block + got);
  gzclose(file);
  if (got < 0) throw std::runtime_error(path + ": corrupt gzip data");
#else
  if (path.ends_with(".gz")) {
    throw std::runtime_error(path + ": built without zlib; gunzip the file or rebuild with zlib1g-dev");
  }
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) throw std::runtime_error(path + ": cannot open");
  std::size_t got = 0;
  while ((got = std::fread(block, 1, sizeof block, file)) > 0) bytes.insert(bytes.end(), block, block + got);
  std::fclose(file);
#endif
  return bytes;
}

std::uint32_t big_endian(const std::vector<unsigned char>& bytes, std::size_t at) {
  return (std::uint32_t{bytes[at]} << 24) | (std::uint32_t{bytes[at + 1]} << 16) |
         (std::uint32_t{bytes[at + 2]} << 8) | bytes[at + 3];
}

// The IDX header: magic 0x00000800 + number of dimensions, then each dimension.
std::vector<std::size_t> dimensions(const std::vector<unsigned char>& bytes, const std::string& path,
                                    unsigned want) {
  if (bytes.size() < 4 || big_endian(bytes, 0) != 0x800u + want) {
    throw std::runtime_error(path + ": not an IDX file of unsigned bytes with " + std::to_string(want) +
                             " dimensions");
  }
  std::vector<std::size_t> dims;
  std::size_t total = 1;
  for (unsigned d = 0; d < want; ++d) {
    dims.push_back(big_endian(bytes, 4 + 4 * d));
    total *= dims.back();
  }
  if (bytes.size() != 4 + 4 * want + total) {
    throw std::runtime_error(path + ": " + std::to_string(bytes.size()) + " bytes, the header promises " +
                             std::to_string(4 + 4 * want + total) + " (truncated download?)");
  }
  return dims;
}

}  // namespace

void Dataset::image(std::size_t index, float* out) const {
  const unsigned char* in = pixels.data() + index * features;
  for (std::size_t i = 0; i < features; ++i) out[i] = static_cast<float>(in[i]) * (1.0f / 255.0f);
}

Dataset load_idx(const std::string& dir, const std::string& prefix) {
  const std::string image_path = find_file(dir, prefix + "-images-idx3-ubyte");
  const std::string label_path = find_file(dir, prefix + "-labels-idx1-ubyte");
  const auto images = read_all(image_path);
  const auto labels = read_all(label_path);
  const auto image_dims = dimensions(images, image_path, 3);
  const auto label_dims = dimensions(labels, label_path, 1);
  if (image_dims[0] != label_dims[0]) {
    throw std::runtime_error(image_path + " has " + std::to_string(image_dims[0]) + " images but " +
                             label_path + " has " + std::to_string(label_dims[0]) + " labels");
  }
  Dataset data;
  data.samples = image_dims[0];
  data.features = image_dims[1] * image_dims[2];
  data.pixels.assign(images.begin() + 16, images.end());
  data.labels.resize(data.samples);
  for (std::size_t i = 0; i < data.samples; ++i) data.labels[i] = static_cast<float>(labels[8 + i]);
  return data;
}

}  // namespace tflops::train

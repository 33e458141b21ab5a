// SPDX-License-Identifier: GPL-2.0-or-later
#include "text_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tflops/pool/error.h"

namespace tflops::cli {

namespace {

[[noreturn]] void fail(std::string_view doing, const std::string& path, std::string_view what, int error) {
  std::string message = "cannot ";
  message += doing;
  message += " ";
  message += what;
  message += " '" + path + "'";
  if (error != 0) message += std::string(": ") + std::strerror(error);
  throw pool::Error(message);
}

}  // namespace

std::string read_text_file(const std::string& path, std::string_view what) {
  // A directory opens as a stream on Linux and then reads as nothing: say what it is instead.
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) fail("read", path, what, EISDIR);
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("read", path, what, errno);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail("read", path, what, errno);
  return text.str();
}

void write_text_file(const std::string& path, std::string_view text, std::string_view what) {
  errno = 0;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) fail("write", path, what, errno);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) fail("write", path, what, errno);
}

}  // namespace tflops::cli

// SPDX-License-Identifier: GPL-2.0-or-later
// tflopsctl metrics: the live pool as Prometheus gauges, printed or written for node_exporter's
// textfile collector (contrib/systemd/tflops-metrics.{service,timer} run it every minute).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "command_line.h"
#include "commands.h"
#include "live_source.h"
#include "live_view.h"
#include "metrics_text.h"
#include "slurm_snapshot.h"
#include "tflops/pool/error.h"

namespace tflops::cli {

namespace {

[[noreturn]] void write_failed(const std::string& what, const std::string& path) {
  throw pool::Error("cannot " + what + " '" + path + "': " + std::strerror(errno) +
                    "; --textfile must name a file in a directory tflopsctl may write");
}

// node_exporter may read the file at any moment: write a temporary file beside it (a name not
// ending in .prom, which the collector skips), flush it to disk, then rename it over the target.
void write_atomically(const std::string& path, const std::string& text) {
  const std::filesystem::path target(path);
  const auto temporary = (target.parent_path() /
                          ("." + target.filename().string() + ".tmp." + std::to_string(::getpid())))
                             .string();
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) write_failed("create", temporary);
  std::size_t done = 0;
  while (done < text.size()) {
    const auto wrote = ::write(fd, text.data() + done, text.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) {
      const int error = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      errno = error;
      write_failed("write", temporary);
    }
    done += static_cast<std::size_t>(wrote);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(temporary.c_str());
    write_failed("write", temporary);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    errno = error;
    write_failed("rename the metrics onto", path);
  }
}

}  // namespace

int metrics_command(const Args& args) {
  CommandSyntax syntax;
  syntax.synopsis = "tflopsctl metrics [--conf FILE] [--textfile FILE]";
  syntax.summary =
      "Reads the running cluster through libslurm and prints Prometheus gauges: blocks total,\n"
      "used and free per node and card kind, and the jobs holding blocks (running, suspended).";
  syntax.options.add_options()(
      "conf,c", po::value<std::string>()->value_name("FILE"),
      "card inventory (default: tflops.conf beside $SLURM_CONF or /etc/slurm/slurm.conf)")(
      "textfile", po::value<std::string>()->value_name("FILE"),
      "write FILE atomically (temporary file + rename) instead of printing, for node_exporter's "
      "textfile collector, e.g. /var/lib/prometheus/node-exporter/tflops.prom");
  syntax.epilog =
      "When Slurm or the inventory cannot be read, the output is 'tflops_up 0' alone and the\n"
      "exit status is 2, so that an alert fires rather than old figures going stale.\n";

  const auto options = parse_command_line(args, syntax);
  if (!options) return 0;
  std::optional<std::string> conf;
  if (options->count("conf")) conf = (*options)["conf"].as<std::string>();
  const auto emit = [&](const std::string& text) {
    if (options->count("textfile")) {
      write_atomically((*options)["textfile"].as<std::string>(), text);
    } else {
      std::cout << text;
    }
  };

  std::string text;
  try {
    auto layout = std::make_shared<const pool::Layout>(load_live_inventory(conf));
    text = metrics_text(build_live_view(layout, read_slurm()));
  } catch (const pool::Error&) {
    emit(metrics_down_text());
    throw;
  }
  emit(text);
  return 0;
}

}  // namespace tflops::cli

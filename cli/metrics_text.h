// SPDX-License-Identifier: GPL-2.0-or-later
// Prometheus text exposition (format 0.0.4) of the live pool, for node_exporter's textfile
// collector: gauges of blocks per node and kind, and of the jobs holding them.
#pragma once

#include <string>

#include "live_view.h"

namespace tflops::cli {

// Every metric: "# HELP", "# TYPE ... gauge", then its samples; tflops_up 1.
std::string metrics_text(const LiveView& view);

// What to expose when Slurm or the inventory could not be read: tflops_up 0 only, so that an
// alert fires instead of the last figures going stale.
std::string metrics_down_text();

}  // namespace tflops::cli

// SPDX-License-Identifier: GPL-2.0-or-later
// What every tflops Slurm plugin exports: the build hides all symbols (-fvisibility=hidden), and
// these are the plugin's interface to Slurm's loader (plugin_name, plugin_type, plugin_version and
// the hooks of its type, with C linkage).
#pragma once

#define TFLOPS_EXPORT __attribute__((visibility("default")))

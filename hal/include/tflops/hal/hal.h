// SPDX-License-Identifier: GPL-2.0-or-later
// The whole public HAL in one include: allocation, devices, virtual card, buffers, operations,
// suspend hooks, calibration.
#pragma once

#include "tflops/hal/allocation.h"
#include "tflops/hal/buffer.h"
#include "tflops/hal/calibrate.h"
#include "tflops/hal/device.h"
#include "tflops/hal/error.h"
#include "tflops/hal/ops.h"
#include "tflops/hal/suspend_hooks.h"
#include "tflops/hal/virtual_card.h"

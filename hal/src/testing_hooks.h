// SPDX-License-Identifier: GPL-2.0-or-later
// Test-only entry points (tests/hal links them; programs never call them).
#pragma once

#include <cstddef>

#include "tflops/hal/virtual_card.h"

namespace tflops::hal::testing {

// Makes slice `slice`'s device fail every call from now on, as a device that vanished does: the
// next operation must raise a DeviceError naming that slice.
void break_slice(VirtualCard& card, std::size_t slice);

}  // namespace tflops::hal::testing

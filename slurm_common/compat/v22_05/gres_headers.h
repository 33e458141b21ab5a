// SPDX-License-Identifier: GPL-2.0-or-later
// Slurm 22.05's headers as gres/tflops uses them (gres.h still in src/common/), and 24.11's names
// for what 22.05 calls otherwise, so that the plugin's code is the same for every generation.
#pragma once

extern "C" {
#include "config.h"
#include "slurm/slurm.h"
#include "slurm/slurm_errno.h"
#include "src/common/slurm_xlator.h"  // first: it renames the symbols the headers below declare

#include "src/common/bitstring.h"
#include "src/common/env.h"
#include "src/common/gres.h"
#include "src/common/list.h"
#include "src/common/log.h"
#include "src/common/pack.h"
#include "src/common/read_config.h"
#include "src/common/xmalloc.h"
#include "src/common/xstring.h"
}

#include "list_names.h"

// SPDX-License-Identifier: GPL-2.0-or-later
// Slurm 24.11's and 26.05's headers as gres/tflops uses them: gres.h moved to src/interfaces/
// (23.02), and List/ListIterator are gone (list_t *, list_itr_t *). The two generations differ
// here only inside structs the plugin fills field by field or zeroes (26.05's gres_device_t
// gained `flags`).
#pragma once

extern "C" {
#include "config.h"
#include "slurm/slurm.h"
#include "slurm/slurm_errno.h"
#include "src/common/slurm_xlator.h"  // first: it renames the symbols the headers below declare

#include "src/common/bitstring.h"
#include "src/common/env.h"
#include "src/common/list.h"
#include "src/common/log.h"
#include "src/common/pack.h"
#include "src/common/read_config.h"
#include "src/common/xmalloc.h"
#include "src/common/xstring.h"
#include "src/interfaces/gres.h"
}

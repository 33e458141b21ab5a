// SPDX-License-Identifier: GPL-2.0-or-later
// 24.11's names for 22.05's list types (List and ListIterator are pointers to these), so that
// the plugins' code is the same for every generation. Needs src/common/list.h included first.
#pragma once

typedef struct xlist list_t;
typedef struct listIterator list_itr_t;

// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/pool/hostlist.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tflops/pool/error.h"

using testing::ElementsAre;
using testing::HasSubstr;
using tflops::pool::Error;
using tflops::pool::expand_hostlist;

TEST(Hostlist, ExpandsRangesListsAndPadding) {
  EXPECT_THAT(expand_hostlist("node[0-3]"), ElementsAre("node0", "node1", "node2", "node3"));
  EXPECT_THAT(expand_hostlist("n[08-10,12]"), ElementsAre("n08", "n09", "n10", "n12"));
  EXPECT_THAT(expand_hostlist("a,b[1-2]"), ElementsAre("a", "b1", "b2"));
  EXPECT_THAT(expand_hostlist("r[0-1]n[0-1]"), ElementsAre("r0n0", "r0n1", "r1n0", "r1n1"));
  EXPECT_THAT(expand_hostlist("/dev/nvidia[0-1]"), ElementsAre("/dev/nvidia0", "/dev/nvidia1"));
  EXPECT_THAT(expand_hostlist("plain"), ElementsAre("plain"));
}

TEST(Hostlist, RejectsMalformedLists) {
  for (const char* bad : {"node[0-3", "node0-3]", "node[3-0]", "node[a-b]", "node[]", "a,,b", ""}) {
    EXPECT_THROW(expand_hostlist(bad), Error) << bad;
  }
  try {
    expand_hostlist("node[3-0]");
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("backwards"));
  }
}

TEST(Hostlist, RefusesListsWhoseNamesTogetherRunToGigabytes) {
  // 1,000,000 hosts is under the host cap, but 106 characters each are 106 MB of names.
  const std::string long_names = std::string(100, 'x') + "[000000-999999]";
  try {
    expand_hostlist(long_names);
    ADD_FAILURE() << "a list of 106 MB of names was expanded";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("MiB of names"));
  }
  // Brackets multiply: 17^4 * 6 names of ~40 characters.
  EXPECT_THROW(
      expand_hostlist("abcdefghijklmnopqrstuvwxyz[00-15,20]x[00-15,20]y[00-15,20]z[00-15,20]r[0-1]n[00-02]"),
      Error);
  EXPECT_EQ(expand_hostlist("node[0-99999]").size(), 100000u);  // a big cluster still expands
}

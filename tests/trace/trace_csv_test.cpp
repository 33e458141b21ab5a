// SPDX-License-Identifier: GPL-2.0-or-later
#include "trace_csv.h"

#include <gtest/gtest.h>

#include "tflops/pool/error.h"

using namespace tflops::trace;

TEST(TraceCsv, ReadsNodesByColumnName) {
  auto parsed = parse_nodes("model,gpu,sn,memory_mib,cpu_milli\nT4,2,n0,1024,8000\n", "nodes.csv");
  ASSERT_EQ(parsed.rows.size(), 1u);
  EXPECT_TRUE(parsed.bad.empty());
  EXPECT_EQ(parsed.rows[0].name, "n0");
  EXPECT_EQ(parsed.rows[0].gpus, 2u);
  EXPECT_EQ(parsed.rows[0].cpu_milli, 8000);
  EXPECT_EQ(parsed.rows[0].memory_mib, 1024);
  EXPECT_EQ(parsed.rows[0].model, "T4");
  EXPECT_EQ(parsed.rows[0].line, 2);
}

TEST(TraceCsv, ReadsTasksWithSpecAndQos) {
  auto parsed = parse_tasks(
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase\r\n"
      "p0,6000,12288,1,460,,LS,Running\r\n"
      "p1,1000,100,2,1000,V100M16|V100M32,BE,Failed\r\n"
      "p2,1000,100,0,0,,Guaranteed,Running\r\n",
      "tasks.csv");
  ASSERT_EQ(parsed.rows.size(), 3u);
  EXPECT_TRUE(parsed.bad.empty());
  EXPECT_TRUE(parsed.rows[0].is_sharing());
  EXPECT_EQ(parsed.rows[0].gpu_demand_milli(), 460);
  EXPECT_EQ(parsed.rows[1].gpu_spec, (std::vector<std::string>{"V100M16", "V100M32"}));
  EXPECT_EQ(parsed.rows[1].qos, Qos::be);
  EXPECT_EQ(parsed.rows[1].gpu_demand_milli(), 2000);
  EXPECT_EQ(parsed.rows[2].qos, Qos::guaranteed);
}

TEST(TraceCsv, BadRowsAreReportedWithLineNumbersAndSkipped) {
  auto parsed = parse_tasks(
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,qos\n"
      "ok,1000,10,1,500,LS\n"
      "\n"                         // blank lines are not rows
      "short,1000,10,1\n"          // line 4: too few fields
      "neg,-5,10,1,500,LS\n"       // line 5: out of range
      "milli,1000,10,1,1500,LS\n"  // line 6: more than a card
      "word,lots,10,1,500,LS\n"    // line 7: not a number
      "zero,1000,10,1,0,LS\n"      // line 8: GPU task without thousandths
      "qos,1000,10,1,500,Gold\n"   // line 9: unknown QoS
      "ok2,1000,10,0,0,BE\n",
      "tasks.csv");
  ASSERT_EQ(parsed.rows.size(), 2u);
  EXPECT_EQ(parsed.rows[1].name, "ok2");
  EXPECT_EQ(parsed.rows[1].line, 10);
  ASSERT_EQ(parsed.bad.size(), 6u);
  std::vector<int> lines;
  for (const auto& bad : parsed.bad) lines.push_back(bad.line);
  EXPECT_EQ(lines, (std::vector<int>{4, 5, 6, 7, 8, 9}));
  EXPECT_NE(parsed.bad[0].message.find("4 fields"), std::string::npos) << parsed.bad[0].message;
  EXPECT_NE(parsed.bad[3].message.find("lots"), std::string::npos) << parsed.bad[3].message;
  EXPECT_NE(parsed.bad[5].message.find("Gold"), std::string::npos) << parsed.bad[5].message;
}

TEST(TraceCsv, MissingColumnNamesTheFileAndColumn) {
  try {
    parse_nodes("sn,cpu_milli,gpu,model\nn0,1,1,T4\n", "nodes.csv");
    FAIL() << "a header without memory_mib was accepted";
  } catch (const tflops::pool::Error& e) {
    EXPECT_NE(std::string(e.what()).find("nodes.csv:1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("memory_mib"), std::string::npos) << e.what();
  }
}

TEST(TraceCsv, MissingFileIsAnError) {
  EXPECT_THROW(load_tasks("/nonexistent/tasks.csv"), tflops::pool::Error);
}

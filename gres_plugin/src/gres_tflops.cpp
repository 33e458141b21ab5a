// SPDX-License-Identifier: GPL-2.0-or-later
// gres/tflops: registers one GRES record per card of the node's inventory (tflops.conf), in the
// pool's block order, and writes the job's blocks and cards into its environment.
//
// A thin layer: Slurm structures in, pool calls, Slurm structures out. The decisions (numbering,
// regions, the environment's contents) live in tflops::pool and card_map.cpp. No exception
// crosses into Slurm: every hook catches everything and logs it.
//
// Where the inventory comes from: inventory_path.h. The hooks whose name or signature differ
// between Slurm generations are exported by gres_hooks_vMM_mm.cpp (gres_hooks.h).
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "card_map.h"
#include "detection.h"
#include "inventory_path.h"
#include "job_env_contract.h"
#include "plugin_export.h"
#include "tflops/pool/error.h"
#include "tflops/pool/inventory.h"
#include "tflops/pool/layout.h"

// Slurm's headers (through compat/gres_headers.h) after ours: slurm_xlator.h renames words such
// as error and info by macro.
#include "gres_hooks.h"

using tflops::gres::CardMap;

extern "C" {
TFLOPS_EXPORT extern const char plugin_name[] = "Gres TFLOPS block plugin";
TFLOPS_EXPORT extern const char plugin_type[] = "gres/tflops";
TFLOPS_EXPORT extern const uint32_t plugin_version = SLURM_VERSION_NUMBER;
}

namespace {

// Heap objects only: nothing with a destructor runs at dlclose.
CardMap* g_map = nullptr;
list_t* g_devices = nullptr;

const char kPrefix[] = "gres/tflops: ";

void set_map(CardMap* map) {
  delete g_map;
  g_map = map;
  FREE_NULL_LIST(g_devices);
}

// The NodeName this slurmd runs as: `-N name` on its command line, else the name slurm.conf
// gives this host.
std::string this_node_name() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::size_t start = 0;
  while (start < all.size()) {
    std::size_t end = all.find('\0', start);
    if (end == std::string::npos) end = all.size();
    args.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "-N" && i + 1 < args.size()) return args[i + 1];
    if (args[i].rfind("-N", 0) == 0 && args[i].size() > 2 && args[i][2] != '-') return args[i].substr(2);
  }
  std::string name;
  if (char* alias = slurm_conf_get_aliased_nodename()) {
    name = alias;
    xfree(alias);
    return name;
  }
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) == 0) {
    name = host;
    name = name.substr(0, name.find('.'));
  }
  return name;
}

gres_slurmd_conf_t* new_record(const tflops::gres::CardEntry& card, uint32_t cpu_cnt, uint32_t id) {
  auto* rec = static_cast<gres_slurmd_conf_t*>(xmalloc(sizeof(gres_slurmd_conf_t)));
  rec->config_flags = GRES_CONF_HAS_FILE | GRES_CONF_HAS_TYPE;
  rec->count = card.count;
  rec->cpu_cnt = cpu_cnt;
  rec->file = xstrdup(card.device.empty() ? "/dev/null" : card.device.c_str());
  rec->name = xstrdup("tflops");
  rec->type_name = xstrdup(card.kind.c_str());
  rec->plugin_id = id;
  return rec;
}

int remove_ours(void* x, void* arg) {
  auto* rec = static_cast<gres_slurmd_conf_t*>(x);
  return rec->plugin_id == *static_cast<uint32_t*>(arg) ? 1 : 0;
}

int count_ours(void* x, void* arg) {
  auto* rec = static_cast<gres_slurmd_conf_t*>(x);
  if (rec->plugin_id == static_cast<uint32_t*>(arg)[0]) static_cast<uint32_t*>(arg)[1] += rec->count;
  return 0;
}

void destroy_device(void* x) {
  auto* dev = static_cast<gres_device_t*>(x);
  xfree(dev->path);
  xfree(dev->unique_id);
  xfree(dev);
}

// One gres_device_t per block (the index is the block's bit); cards share their device file,
// and Slurm de-duplicates by path, so a card is allowed when one of its blocks is allocated.
// xmalloc zeroes the record: the fields not set here (alloc, unique_id, and 26.05's flags) are 0.
list_t* build_devices(const CardMap& map) {
  list_t* list = list_create(destroy_device);
  for (const auto& card : map.cards) {
    if (card.device.empty()) continue;
    struct stat st;
    gres_device_id_t desc{};
    desc.type = DEV_TYPE_NONE;
    if (stat(card.device.c_str(), &st) == 0) {
      if (S_ISCHR(st.st_mode)) desc.type = DEV_TYPE_CHAR;
      else if (S_ISBLK(st.st_mode)) desc.type = DEV_TYPE_BLOCK;
      desc.major = major(st.st_rdev);
      desc.minor = minor(st.st_rdev);
    }
    for (uint32_t b = card.first; b < card.first + card.count; ++b) {
      auto* dev = static_cast<gres_device_t*>(xmalloc(sizeof(gres_device_t)));
      dev->index = static_cast<int>(b);
      dev->dev_desc = desc;
      dev->dev_num = tflops::gres::device_number(card.device);
      dev->path = xstrdup(card.device.c_str());
      list_append(list, dev);
    }
  }
  return list;
}

// The node's devices as the HAL lists them, for Detect= cards: the JSON of `tflopsctl devices
// --json --no-calibrate`, run as a child so that no device runtime loads into slurmd.
// $TFLOPS_TFLOPSCTL names the program; by default tflopsctl on slurmd's PATH.
std::string list_node_devices() {
  const char* configured = std::getenv("TFLOPS_TFLOPSCTL");
  const std::string program = configured && *configured ? configured : "tflopsctl";
  std::string quoted = "'";
  for (char c : program) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  const std::string command = quoted + "' devices --json --no-calibrate";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw tflops::pool::Error("cannot run " + program + " to detect the cards' devices");
  std::string output;
  char chunk[4096];
  while (std::size_t n = std::fread(chunk, 1, sizeof chunk, pipe)) output.append(chunk, n);
  const int status = pclose(pipe);
  if (status != 0) {
    throw tflops::pool::Error(
        program + " devices --json --no-calibrate failed (status " + std::to_string(status) +
        "), so the Detect= cards have no devices. Fix: install tflopsctl on the node (or "
        "point TFLOPS_TFLOPSCTL at it in slurmd's environment) and run it by hand to see why");
  }
  return output;
}

std::vector<uint32_t> bits_of(bitstr_t* bits) {
  std::vector<uint32_t> out;
  if (!bits) return out;
  bitoff_t n = bit_size(bits);
  for (bitoff_t i = 0; i < n; ++i)
    if (bit_test(bits, i)) out.push_back(static_cast<uint32_t>(i));
  return out;
}

void clear_env(char** env) {
  if (!env) return;
  for (const auto& name : tflops::gres::owned_env_names()) unsetenvp(env, name.c_str());
}

// Slurm suspends a job by sending SIGTSTP to every process of it, then SIGSTOP 2 s later. Open
// MPI's mpirun passes the SIGTSTP it gets on to its ranks as a SIGSTOP, which stops them before
// they can save their device buffers and free the cards for the preempting job. Inside Slurm
// the forwarding adds nothing (slurmstepd signals the ranks itself), so a job holding blocks has
// it off (under the name of each Open MPI generation) unless the job sets it.

void set_env(char*** env_ptr, const std::vector<uint32_t>& blocks) {
  if (blocks.empty() || !g_map) {
    clear_env(*env_ptr);
    return;
  }
  for (const auto& [name, value] : tflops::gres::job_env(*g_map, blocks))
    env_array_overwrite(env_ptr, name.c_str(), value.c_str());
  for (const char* forwarding :
       {tflops::env_contract::kVarMpirunSignalForwarding, tflops::env_contract::kVarPrrteSignalForwarding})
    if (!getenvp(*env_ptr, forwarding)) env_array_overwrite(env_ptr, forwarding, "none");
}

// Parses "0-8,10" (what SLURM_TFLOPS_BLOCKS holds) back into numbers.
void add_ranges(const char* text, std::vector<uint32_t>& out) {
  if (!text) return;
  std::string s(text);
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t comma = s.find(',', pos);
    std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    unsigned long a = 0, b = 0;
    int n = std::sscanf(item.c_str(), "%lu-%lu", &a, &b);
    if (n == 1) b = a;
    if (n >= 1 && b >= a && b < tflops::pool::kMaxBlocksPerNode)
      for (unsigned long i = a; i <= b; ++i) out.push_back(static_cast<uint32_t>(i));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
}

template <typename F>
void guarded(const char* hook, F&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    error("%s%s: %s", kPrefix, hook, e.what());
  } catch (...) {
    error("%s%s: unknown exception", kPrefix, hook);
  }
}

}  // namespace

extern "C" {

TFLOPS_EXPORT int init(void) {
  debug("%sloaded", kPrefix);
  return SLURM_SUCCESS;
}

TFLOPS_EXPORT int fini(void) {
  set_map(nullptr);
  return SLURM_SUCCESS;
}

TFLOPS_EXPORT int gres_p_node_config_load(list_t* gres_conf_list, node_config_load_t* config) {
  if (!config || !config->in_slurmd || !gres_conf_list) return SLURM_SUCCESS;
  int rc = SLURM_ERROR;
  guarded(__func__, [&] {
    std::string node = this_node_name();
    std::string path = tflops::slurm_side::inventory_path();
    CardMap map;
    try {
      tflops::pool::Layout layout(tflops::pool::load_inventory(path));
      map = tflops::gres::card_map(layout, node);
      if (tflops::gres::wants_detection(map))
        tflops::gres::assign_detected_devices(map, tflops::gres::parse_detected_devices(list_node_devices()),
                                              path);
    } catch (const tflops::pool::Error& e) {
      error("%sbad card inventory, slurmd on %s cannot start: %s", kPrefix, node.c_str(), e.what());
      return;
    }
    char name[] = "tflops";
    uint32_t id = gres_build_id(name);
    uint32_t declared[2] = {id, 0};
    list_for_each(gres_conf_list, count_ours, declared);
    if (map.cards.empty()) {
      if (declared[1] > 0) {
        error(
            "%s%s: no card of node %s is listed, but slurm.conf/gres.conf give it tflops:%u. Fix: add "
            "lines 'NodeName=%s Kind=gpu|npu|fpga Name=... Device=... TFLOPS=...' to %s, or remove tflops "
            "from the node's Gres=",
            kPrefix, path.c_str(), node.c_str(), declared[1], node.c_str(), path.c_str());
        return;
      }
      info("%s%s lists no card of node %s: it offers no tflops blocks", kPrefix, path.c_str(), node.c_str());
      set_map(new CardMap(map));
      rc = SLURM_SUCCESS;
      return;
    }
    list_delete_all(gres_conf_list, remove_ours, &id);
    for (const auto& card : map.cards) list_append(gres_conf_list, new_record(card, config->cpu_cnt, id));
    if (declared[1] > 0 && declared[1] != map.blocks)
      info(
          "%sslurm.conf declares tflops:%u on %s but %s gives it %u blocks; registering %u (make Gres= in "
          "slurm.conf match to avoid the node being drained)",
          kPrefix, declared[1], node.c_str(), path.c_str(), map.blocks, map.blocks);
    for (const auto& card : map.cards)
      info("%s%s card %s (%s, %s%s%s) blocks %u-%u", kPrefix, node.c_str(), card.name.c_str(),
           card.kind.c_str(), card.device.c_str(),
           card.backend.empty() ? "" : ", detected: ", card.backend.c_str(), card.first,
           card.first + card.count - 1);
    set_map(new CardMap(map));
    rc = SLURM_SUCCESS;
  });
  return rc;
}

TFLOPS_EXPORT void gres_p_job_set_env(char*** job_env_ptr, bitstr_t* gres_bit_alloc, uint64_t gres_cnt,
                                      gres_internal_flags_t flags) {
  (void)gres_cnt;
  (void)flags;
  guarded(__func__, [&] { set_env(job_env_ptr, bits_of(gres_bit_alloc)); });
}

TFLOPS_EXPORT void gres_p_step_set_env(char*** step_env_ptr, bitstr_t* gres_bit_alloc, uint64_t gres_cnt,
                                       gres_internal_flags_t flags) {
  (void)gres_cnt;
  (void)flags;
  guarded(__func__, [&] { set_env(step_env_ptr, bits_of(gres_bit_alloc)); });
}

// Argument order as in the ops struct (gres.c), not as in gres_mps.c/gres_shard.c.
TFLOPS_EXPORT void gres_p_task_set_env(char*** step_env_ptr, bitstr_t* gres_bit_alloc, uint64_t gres_cnt,
                                       bitstr_t* usable_gres, gres_internal_flags_t flags) {
  (void)gres_cnt;
  (void)flags;
  guarded(__func__, [&] { set_env(step_env_ptr, bits_of(usable_gres ? usable_gres : gres_bit_alloc)); });
}

TFLOPS_EXPORT void gres_p_send_stepd(buf_t* buffer) {
  std::string text;
  guarded(__func__, [&] { text = g_map ? tflops::gres::serialize(*g_map) : std::string(); });
  packstr(const_cast<char*>(text.c_str()), buffer);
}

TFLOPS_EXPORT void gres_p_recv_stepd(buf_t* buffer) {
  char* text = nullptr;
  uint32_t len = 0;
  safe_unpackstr_xmalloc(&text, &len, buffer);
  guarded(__func__, [&] {
    if (text && *text) set_map(new CardMap(tflops::gres::parse_card_map(text)));
    else set_map(nullptr);
  });
  xfree(text);
  return;
unpack_error:
  error("%s%s: unpack error", kPrefix, __func__);
  xfree(text);
}

TFLOPS_EXPORT list_t* gres_p_get_devices(void) {
  list_t* out = nullptr;
  guarded(__func__, [&] {
    if (g_map && !g_devices) g_devices = build_devices(*g_map);
    out = g_devices;
  });
  return out;
}

TFLOPS_EXPORT void gres_p_step_hardware_init(bitstr_t* usable_gres, char* settings) {
  (void)usable_gres;
  (void)settings;
}

TFLOPS_EXPORT void gres_p_step_hardware_fini(void) {}

}  // extern "C"

namespace tflops::gres::hooks {

bitstr_t** copy_job_blocks(const gres_job_state_t* gres_js, uint32_t* node_cnt) {
  *node_cnt = gres_js ? gres_js->node_cnt : 0;
  auto* out = static_cast<bitstr_t**>(xcalloc(*node_cnt ? *node_cnt : 1, sizeof(bitstr_t*)));
  for (uint32_t i = 0; i < *node_cnt; ++i)
    if (gres_js->gres_bit_alloc && gres_js->gres_bit_alloc[i]) out[i] = bit_copy(gres_js->gres_bit_alloc[i]);
  return out;
}

void set_prep_env(const char* hook, char*** env_ptr, bitstr_t** per_node, uint32_t node_cnt, int node_inx) {
  guarded(hook, [&] {
    if (!per_node || node_inx < 0 || static_cast<uint32_t>(node_inx) >= node_cnt) return;
    std::vector<uint32_t> blocks = bits_of(per_node[node_inx]);
    if (blocks.empty()) return;
    if (*env_ptr) add_ranges(getenvp(*env_ptr, tflops::env_contract::kVarBlocks), blocks);
    std::sort(blocks.begin(), blocks.end());
    blocks.erase(std::unique(blocks.begin(), blocks.end()), blocks.end());
    set_env(env_ptr, blocks);
  });
}

}  // namespace tflops::gres::hooks

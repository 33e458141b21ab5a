// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/pool/inventory.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "tflops/pool/error.h"
#include "tflops/pool/hostlist.h"
#include "tflops/pool/words.h"

namespace tflops::pool {
namespace {

constexpr std::size_t kMaxCardsPerNode = 1024;  // Slurm's blocks per node
constexpr std::size_t kMaxCards = std::size_t{1} << 20;
// Every card keeps its node's, its own and its device's names: long names times many cards would
// otherwise run into gigabytes below the card cap.
constexpr std::size_t kMaxCardTextBytes = std::size_t{64} << 20;

const std::vector<std::string_view> kCardKeys = {"NodeName", "Kind", "Name", "Device", "Detect", "TFLOPS"};
const std::vector<std::string_view> kOptionKeys = {"BlockTFLOPS", "RegionOrder", "MigrationPolicy",
                                                   "PreemptMinPriorityGap"};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// One line's words, with where each came from, so every message can quote the word.
struct Word {
  std::string text;
  std::string key;  // canonical spelling
  std::string value;
};

class LineParser {
 public:
  LineParser(const std::string& source, int line) : source_(source), line_(line) {}

  [[noreturn]] void fail(std::string_view word, const std::string& problem, const std::string& fix) const {
    throw Error(source_ + ":" + std::to_string(line_) + ": '" + std::string(word) + "': " + problem + "; " +
                fix);
  }

  Word split(std::string_view text) const {
    std::size_t eq = text.find('=');
    if (eq == std::string_view::npos) {
      fail(text, "not a key=value word", "write it as Key=value, e.g. TFLOPS=9");
    }
    std::string_view key = text.substr(0, eq);
    std::string_view value = text.substr(eq + 1);
    std::string canonical;
    for (const auto& known : kCardKeys) {
      if (to_lower(key) == to_lower(known)) canonical = known;
    }
    for (const auto& known : kOptionKeys) {
      if (to_lower(key) == to_lower(known)) canonical = known;
    }
    if (canonical.empty()) {
      std::string_view best = kCardKeys.front();
      std::size_t best_distance = SIZE_MAX;
      for (const auto* keys : {&kCardKeys, &kOptionKeys}) {
        for (const auto& known : *keys) {
          std::size_t d = edit_distance(to_lower(key), to_lower(known));
          if (d < best_distance) best_distance = d, best = known;
        }
      }
      fail(text, "unknown key '" + std::string(key) + "'",
           "did you mean " + std::string(best) +
               "? Card lines take NodeName, Kind, Name, "
               "Device, Detect, TFLOPS; option lines take BlockTFLOPS, RegionOrder, MigrationPolicy, "
               "PreemptMinPriorityGap");
    }
    if (value.empty()) fail(text, "empty value", "give " + canonical + " a value");
    return Word{std::string(text), canonical, std::string(value)};
  }

  double positive_number(const Word& word, const std::string& fix) const {
    double value = 0;
    const char* begin = word.value.data();
    const char* end = begin + word.value.size();
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr != end || !std::isfinite(value)) {
      fail(word.text, "'" + word.value + "' is not a number", fix);
    }
    if (value <= 0) fail(word.text, "must be greater than 0", fix);
    return value;
  }

  std::vector<std::string> hosts(const Word& word) const {
    try {
      return expand_hostlist(word.value);
    } catch (const Error& e) {
      fail(word.text, e.what(), "write a Slurm host list such as node[0-3] or gpu[0-1]");
    }
  }

 private:
  const std::string& source_;
  int line_;
};

void apply_option(const LineParser& p, const Word& word, PoolOptions& options) {
  if (word.key == "BlockTFLOPS") {
    options.block_tflops = p.positive_number(word, "give the TFLOPS of one block, e.g. BlockTFLOPS=1");
  } else if (word.key == "RegionOrder") {
    std::vector<Kind> order;
    std::stringstream items(word.value);
    std::string item;
    while (std::getline(items, item, ',')) {
      auto kind = parse_kind(item);
      if (!kind) p.fail(word.text, "unknown kind '" + item + "'", "list gpu, npu and fpga");
      if (std::find(order.begin(), order.end(), *kind) != order.end()) {
        p.fail(word.text, "kind '" + item + "' listed twice", "list each of gpu, npu, fpga once");
      }
      order.push_back(*kind);
    }
    if (order.size() != kKindCount) {
      p.fail(word.text, "names " + std::to_string(order.size()) + " kinds",
             "list all three, e.g. RegionOrder=gpu,npu,fpga");
    }
    std::copy(order.begin(), order.end(), options.region_order.begin());
  } else if (word.key == "MigrationPolicy") {
    std::string value = to_lower(word.value);
    if (value == "compact") options.migration = MigrationPolicy::compact;
    else if (value == "minimal") options.migration = MigrationPolicy::minimal;
    else if (value == "none") options.migration = MigrationPolicy::none;
    else p.fail(word.text, "unknown policy '" + word.value + "'", "use compact, minimal or none");
  } else if (word.key == "PreemptMinPriorityGap") {
    std::int64_t gap = 0;
    const char* end = word.value.data() + word.value.size();
    auto [ptr, ec] = std::from_chars(word.value.data(), end, gap);
    if (ec != std::errc() || ptr != end || gap < 1) {
      p.fail(word.text, "'" + word.value + "' is not a whole number of at least 1",
             "e.g. PreemptMinPriorityGap=1 (a victim must be at least that much lower)");
    }
    options.min_priority_gap = gap;
  }
}

// (node, card name) and (node, device) as one hash key; '\n' cannot occur inside a word.
std::string pair_key(const std::string& node, const std::string& item) {
  std::string key;
  key.reserve(node.size() + item.size() + 1);
  key.append(node).append(1, '\n').append(item);
  return key;
}

}  // namespace

std::string_view migration_policy_name(MigrationPolicy policy) {
  switch (policy) {
    case MigrationPolicy::none: return "none";
    case MigrationPolicy::compact: return "compact";
    case MigrationPolicy::minimal: return "minimal";
  }
  return "?";
}

Inventory parse_inventory(std::string_view text, std::string source) {
  Inventory inventory;
  inventory.source = source;
  std::unordered_map<std::string, int> card_lines;    // (node, card name) -> line, for duplicates
  std::unordered_map<std::string, int> device_lines;  // (node, device) -> line
  std::map<std::string, int> option_lines;
  std::unordered_set<std::string> known_nodes;
  std::size_t card_text = 0;  // bytes of names the cards so far keep

  int line_number = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_number;
    if (std::size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    auto texts = split_words(line);
    if (texts.empty()) continue;

    LineParser p(inventory.source, line_number);
    std::map<std::string, Word> words;
    for (auto t : texts) {
      Word word = p.split(t);
      if (words.count(word.key)) p.fail(t, word.key + " given twice", "keep one " + word.key);
      words.emplace(word.key, std::move(word));
    }

    if (!words.count("NodeName")) {
      for (const auto& [key, word] : words) {
        if (std::find(kCardKeys.begin(), kCardKeys.end(), key) != kCardKeys.end()) {
          p.fail(word.text, "card key on a line without NodeName",
                 "start the card's line with NodeName=<node>");
        }
        if (auto seen = option_lines.find(key); seen != option_lines.end()) {
          p.fail(word.text, key + " already set on line " + std::to_string(seen->second),
                 "set each option once");
        }
        option_lines[key] = line_number;
        apply_option(p, word, inventory.options);
      }
      continue;
    }

    for (const auto& [key, word] : words) {
      if (std::find(kOptionKeys.begin(), kOptionKeys.end(), key) != kOptionKeys.end()) {
        p.fail(word.text, "pool option on a card line", "put " + key + " on a line of its own");
      }
    }
    const Word& node_word = words.at("NodeName");
    for (std::string_view required : {"Kind", "Name", "TFLOPS"}) {
      if (!words.count(std::string(required))) {
        p.fail(node_word.text, "card line without " + std::string(required),
               "add " + std::string(required) +
                   "=..., e.g. NodeName=node0 Kind=gpu Name=gpu0 "
                   "Device=/dev/nvidia0 TFLOPS=9");
      }
    }
    const Word& kind_word = words.at("Kind");
    auto kind = parse_kind(kind_word.value);
    if (!kind) p.fail(kind_word.text, "unknown card kind '" + kind_word.value + "'", "use gpu, npu or fpga");
    double tflops = p.positive_number(words.at("TFLOPS"), "give the card's TFLOPS, e.g. TFLOPS=9");

    std::vector<std::string> nodes = p.hosts(node_word);
    std::vector<std::string> names = p.hosts(words.at("Name"));
    // Every card is worth a block at least and a node holds 1024 blocks at most, so larger lists
    // are typos; checking before expanding keeps a stray range from making millions of cards.
    if (names.size() > kMaxCardsPerNode) {
      p.fail(words.at("Name").text, "names " + std::to_string(names.size()) + " cards",
             "a node holds at most " + std::to_string(kMaxCardsPerNode) + " cards (one block each)");
    }
    if (inventory.cards.size() + nodes.size() * names.size() > kMaxCards) {
      p.fail(node_word.text, "the inventory would hold more than " + std::to_string(kMaxCards) + " cards",
             "check the NodeName and Name ranges");
    }
    std::string detect;
    if (auto it = words.find("Detect"); it != words.end()) {
      detect = to_lower(it->second.value);
      if (detect != "cuda" && detect != "opencl") {
        p.fail(it->second.text, "unknown backend '" + it->second.value + "' to detect",
               "use Detect=cuda or Detect=opencl (the backends tflopsctl devices lists)");
      }
      if (words.count("Device")) {
        p.fail(it->second.text, "Detect= and Device= together",
               "drop Device=: slurmd finds the device of a detected card itself");
      }
    }
    std::vector<std::string> devices;
    if (auto it = words.find("Device"); it != words.end()) {
      devices = p.hosts(it->second);
      if (devices.size() != names.size()) {
        p.fail(it->second.text,
               "names " + std::to_string(devices.size()) + " devices for " + std::to_string(names.size()) +
                   " cards",
               "give one device per card name, e.g. Name=gpu[0-1] Device=/dev/nvidia[0-1]");
      }
    }
    card_text += total_length(nodes) * names.size() +
                 (total_length(names) + total_length(devices)) * nodes.size();
    if (card_text > kMaxCardTextBytes) {
      p.fail(node_word.text,
             "the inventory's cards would keep more than " + std::to_string(kMaxCardTextBytes >> 20) +
                 " MiB of node, card and device names",
             "check the NodeName, Name and Device ranges");
    }

    for (const auto& node : nodes) {
      if (known_nodes.insert(node).second) inventory.nodes.push_back(node);
      for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string key = pair_key(node, names[i]);
        if (auto seen = card_lines.find(key); seen != card_lines.end()) {
          p.fail(words.at("Name").text,
                 "card " + names[i] + " on " + node + " already declared on line " +
                     std::to_string(seen->second),
                 "give each card of a node its own Name");
        }
        card_lines.emplace(key, line_number);
        std::string device = devices.empty() ? std::string() : devices[i];
        if (!device.empty()) {
          const std::string device_key = pair_key(node, device);
          if (auto seen = device_lines.find(device_key); seen != device_lines.end()) {
            p.fail(
                words.at("Device").text,
                "device " + device + " on " + node + " already used on line " + std::to_string(seen->second),
                "give each card its own device file");
          }
          device_lines.emplace(device_key, line_number);
        }
        inventory.cards.push_back(Card{node, names[i], *kind, device, detect, tflops, line_number});
      }
    }
  }
  if (inventory.cards.empty()) {
    throw Error(inventory.source +
                ": no cards declared; add lines such as "
                "'NodeName=node0 Kind=gpu Name=gpu0 Device=/dev/nvidia0 TFLOPS=9'");
  }
  return inventory;
}

Inventory load_inventory(const std::string& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    throw Error(path + ": is a directory, not a card inventory; name the file (e.g. /etc/slurm/tflops.conf)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(path + ": cannot open the card inventory; check the path (e.g. /etc/slurm/tflops.conf)");
  }
  std::stringstream content;
  content << in.rdbuf();
  return parse_inventory(content.str(), path);
}

}  // namespace tflops::pool

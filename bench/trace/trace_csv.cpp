// SPDX-License-Identifier: GPL-2.0-or-later
#include "trace_csv.h"

#include <charconv>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "tflops/pool/error.h"
#include "tflops/pool/words.h"

namespace tflops::trace {
namespace {

using pool::Error;

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = line.find(',', start);
    fields.push_back(line.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// One data row with its fields looked up by column name; a problem throws RowError.
struct RowError {
  std::string message;
};

class Row {
 public:
  Row(const std::unordered_map<std::string, std::size_t>& columns,
      const std::vector<std::string_view>& fields)
      : columns_(columns), fields_(fields) {}

  std::optional<std::string_view> optional_text(const std::string& column) const {
    auto it = columns_.find(column);
    if (it == columns_.end()) return std::nullopt;
    return trim(fields_[it->second]);
  }

  std::string_view text(const std::string& column) const {
    auto value = optional_text(column);
    if (!value || value->empty()) throw RowError{column + " is empty"};
    return *value;
  }

  std::int64_t integer(const std::string& column, std::int64_t low, std::int64_t high) const {
    std::string_view word = text(column);
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
    if (ec != std::errc() || end != word.data() + word.size()) {
      throw RowError{column + " '" + std::string(word) + "' is not a whole number"};
    }
    if (value < low || value > high) {
      throw RowError{column + " " + std::string(word) + " is outside " + std::to_string(low) + ".." +
                     std::to_string(high)};
    }
    return value;
  }

 private:
  const std::unordered_map<std::string, std::size_t>& columns_;
  const std::vector<std::string_view>& fields_;
};

constexpr std::int64_t kBig = std::int64_t{1} << 40;

// Walks the lines: header first, then one call of `parse_row` per non-empty line.
template <typename T>
Parsed<T> parse_csv(std::string_view text, const std::string& source,
                    const std::vector<std::string>& required, const std::function<T(const Row&)>& parse_row) {
  Parsed<T> parsed;
  std::unordered_map<std::string, std::size_t> columns;
  std::size_t width = 0;
  int line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    std::string_view line = trim(text.substr(start, end == std::string_view::npos ? end : end - start));
    start = end == std::string_view::npos ? text.size() : end + 1;
    ++line_number;
    if (line.empty()) continue;
    auto fields = split_fields(line);
    if (columns.empty()) {
      for (std::size_t i = 0; i < fields.size(); ++i) columns[pool::to_lower(trim(fields[i]))] = i;
      width = fields.size();
      for (const std::string& column : required) {
        if (!columns.count(column)) {
          throw Error(source + ":" + std::to_string(line_number) + ": the header has no column '" + column +
                      "'; the first line must name the columns, e.g. " + [&] {
                        std::string all;
                        for (const auto& c : required) all += (all.empty() ? "" : ",") + c;
                        return all;
                      }());
        }
      }
      continue;
    }
    if (fields.size() != width) {
      parsed.bad.push_back({line_number, "has " + std::to_string(fields.size()) +
                                             " fields where the header has " + std::to_string(width)});
      continue;
    }
    try {
      T row = parse_row(Row(columns, fields));
      row.line = line_number;
      parsed.rows.push_back(std::move(row));
    } catch (const RowError& e) {
      parsed.bad.push_back({line_number, e.message});
    }
  }
  if (columns.empty()) throw Error(source + ": empty file; expected a header line and rows");
  return parsed;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the file; check the path");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<Qos> parse_qos(std::string_view word) {
  std::string lower = pool::to_lower(word);
  if (lower == "ls") return Qos::ls;
  if (lower == "be") return Qos::be;
  if (lower == "burstable") return Qos::burstable;
  if (lower == "guaranteed") return Qos::guaranteed;
  return std::nullopt;
}

}  // namespace

std::string_view qos_name(Qos qos) {
  switch (qos) {
    case Qos::ls: return "LS";
    case Qos::be: return "BE";
    case Qos::burstable: return "Burstable";
    case Qos::guaranteed: return "Guaranteed";
  }
  return "?";
}

Parsed<NodeSpec> parse_nodes(std::string_view text, const std::string& source) {
  return parse_csv<NodeSpec>(text, source, {"sn", "cpu_milli", "memory_mib", "gpu", "model"},
                             [](const Row& row) {
                               NodeSpec node;
                               node.name = row.text("sn");
                               node.cpu_milli = row.integer("cpu_milli", 0, kBig);
                               node.memory_mib = row.integer("memory_mib", 0, kBig);
                               node.gpus = static_cast<std::uint32_t>(row.integer("gpu", 0, 1024));
                               auto model = row.optional_text("model");
                               node.model = model ? std::string(*model) : "";
                               if (node.gpus > 0 && node.model.empty())
                                 throw RowError{"model is empty for a node with GPUs"};
                               return node;
                             });
}

Parsed<TaskSpec> parse_tasks(std::string_view text, const std::string& source) {
  return parse_csv<TaskSpec>(
      text, source, {"name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli"}, [](const Row& row) {
        TaskSpec task;
        task.name = row.text("name");
        task.cpu_milli = row.integer("cpu_milli", 0, kBig);
        task.memory_mib = row.integer("memory_mib", 0, kBig);
        task.num_gpu = static_cast<std::uint32_t>(row.integer("num_gpu", 0, 1024));
        task.gpu_milli = static_cast<std::uint32_t>(row.integer("gpu_milli", 0, 1000));
        if (task.num_gpu > 0 && task.gpu_milli == 0) {
          throw RowError{"gpu_milli is 0 for a task with num_gpu " + std::to_string(task.num_gpu) +
                         " (give 1..1000 thousandths of a card)"};
        }
        if (task.num_gpu == 0 && task.gpu_milli > 0) {
          throw RowError{"gpu_milli " + std::to_string(task.gpu_milli) + " with num_gpu 0"};
        }
        if (auto spec = row.optional_text("gpu_spec"); spec && !spec->empty()) {
          std::size_t at = 0;
          while (at <= spec->size()) {
            std::size_t bar = spec->find('|', at);
            std::string_view model = trim(spec->substr(at, bar == std::string_view::npos ? bar : bar - at));
            if (model.empty()) throw RowError{"gpu_spec '" + std::string(*spec) + "' has an empty model"};
            task.gpu_spec.emplace_back(model);
            if (bar == std::string_view::npos) break;
            at = bar + 1;
          }
        }
        if (auto qos = row.optional_text("qos"); qos && !qos->empty()) {
          auto parsed = parse_qos(*qos);
          if (!parsed)
            throw RowError{"qos '" + std::string(*qos) + "' is not LS, BE, Burstable or Guaranteed"};
          task.qos = *parsed;
        }
        return task;
      });
}

Parsed<NodeSpec> load_nodes(const std::string& path) { return parse_nodes(read_file(path), path); }
Parsed<TaskSpec> load_tasks(const std::string& path) { return parse_tasks(read_file(path), path); }

}  // namespace tflops::trace

// SPDX-License-Identifier: GPL-2.0-or-later
#include "tflops/hal/virtual_card.h"

#include <cmath>
#include <numeric>

#include "card_state.h"
#include "sgemm_timer.h"
#include "tflops/hal/error.h"

namespace tflops::hal {

std::string SliceInfo::label() const {
  return card + " (" + format_selector(device.selector) + " '" + device.name + "')";
}

namespace detail {

void CardState::check_active(const char* what) const {
  if (suspended)
    throw Error(std::string(what) +
                ": the virtual card is suspended (its devices are released "
                "until resume())");
}

namespace {

// The CPUs a host slice gets: its share of the usable CPUs, at least one. Host slices of one
// card list take consecutive CPUs so that two of them do not share a core.
std::vector<int> host_cpus_for(const CardOptions& options, double share, bool enforce, std::size_t& next) {
  const std::vector<int> cpus = options.host_cpus.empty() ? usable_cpus() : options.host_cpus;
  std::size_t count = cpus.size();
  if (enforce) count = std::max<std::size_t>(1, std::lround(share * static_cast<double>(cpus.size())));
  std::vector<int> mine;
  for (std::size_t i = 0; i < count; ++i) mine.push_back(cpus[(next + i) % cpus.size()]);
  next += count;
  return mine;
}

}  // namespace

void open_slices(CardState& card) {
  std::vector<DeviceInfo> devices = list_devices();
  std::vector<Slice> slices;
  std::string failures;
  std::size_t next_cpu = 0;
  for (const CardAlloc& c : card.alloc.cards) {
    const std::string what = std::string(pool::kind_name(c.kind)) + " card " + c.name +
                             (c.device.empty() ? "" : " (" + c.device + ")") + " blocks " +
                             std::to_string(c.blocks.front()) + "-" + std::to_string(c.blocks.back()) +
                             " via " + format_selector(c.selector);
    const BackendOps* backend = find_backend(c.selector.backend);
    if (!backend) {
      failures += "\n  " + what + ": the " + std::string(backend_name(c.selector.backend)) +
                  " backend is not built into this libtflops_hal";
      continue;
    }
    const DeviceInfo* device = nullptr;
    for (const DeviceInfo& d : devices)
      if (d.selector == c.selector) device = &d;
    if (!device) {
      failures += "\n  " + what +
                  ": no such device (see `tflopsctl devices`; map cards to "
                  "devices with TFLOPS_HAL_BACKENDS=KIND|NAME=SELECTOR)";
      continue;
    }
    SliceInfo info;
    info.card = c.name;
    info.kind = c.kind;
    info.device = *device;
    info.blocks = static_cast<std::uint32_t>(c.blocks.size());
    info.share = c.share();
    SliceRequest request{info.label(), info.share, card.options.enforce_share, {}};
    if (c.selector.backend == Backend::host)
      request.cpus = host_cpus_for(card.options, info.share, card.options.enforce_share, next_cpu);
    try {
      Slice slice{info, backend->open(*device, request)};
      slice.info.units = slice.device->units();
      slice.info.share_enforced = slice.device->share_enforced();
      slices.push_back(std::move(slice));
    } catch (const std::exception& error) {
      failures += "\n  " + what + ": " + error.what();
    }
  }
  if (!failures.empty())
    throw Error("cannot open the virtual card of " + std::to_string(card.alloc.blocks()) + " blocks (" +
                card.alloc.source + (card.alloc.node.empty() ? "" : " on " + card.alloc.node) +
                "):" + failures);
  card.slices = std::move(slices);
  card.weights.clear();
  for (const Slice& s : card.slices) card.weights.push_back(s.info.blocks / double(card.alloc.blocks()));
  card.workers = std::make_unique<IndexedWorkers>(card.slices.size());
  for (std::size_t i = 0; i < card.slices.size(); ++i) card.slices[i].info.weight = card.weights[i];
}

}  // namespace detail

void detail::apply_weights(CardState& card, const std::vector<double>& weights) {
  if (weights.size() != card.slices.size())
    throw Error("set_weights: " + std::to_string(weights.size()) + " weights for " +
                std::to_string(card.slices.size()) + " slices");
  for (double w : weights)
    if (!(w > 0) || !std::isfinite(w)) throw Error("set_weights: weights must be positive");
  std::vector<std::vector<float>> values;
  for (detail::BufferState* b : card.buffers) {
    if (b->layout != Layout::sharded) continue;
    values.emplace_back(b->rows * b->cols);
    b->gather(values.back().data());
  }
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  for (std::size_t i = 0; i < weights.size(); ++i) {
    card.weights[i] = weights[i] / total;
    card.slices[i].info.weight = card.weights[i];
  }
  std::size_t v = 0;
  for (detail::BufferState* b : card.buffers) {
    if (b->layout != Layout::sharded) continue;
    b->allocate();
    b->scatter(values[v++].data());
  }
}

namespace {

// Each slice's GFLOPS alone (one at a time: the weights mean "speed when working").
std::vector<double> time_gemm(detail::CardState& card, std::size_t n) {
  std::vector<double> gflops;
  for (detail::Slice& slice : card.slices)
    gflops.push_back(2.0 * static_cast<double>(n * n * n) / detail::time_sgemm(*slice.device, n, n, n, 3) /
                     1e9);
  return gflops;
}

// Opens the slices and weighs them (no buffer has parts yet: the caller allocates them after).
void open_and_weigh(detail::CardState& card) {
  detail::open_slices(card);
  if (card.options.weighting != Weighting::measured) return;
  const std::vector<double> gflops = time_gemm(card, card.options.calibration_size);
  const double total = std::accumulate(gflops.begin(), gflops.end(), 0.0);
  for (std::size_t i = 0; i < gflops.size(); ++i) {
    card.weights[i] = gflops[i] / total;
    card.slices[i].info.weight = card.weights[i];
  }
}

}  // namespace

VirtualCard::VirtualCard(Allocation alloc, CardOptions options)
    : state_(std::make_shared<detail::CardState>()) {
  state_->alloc = std::move(alloc);
  state_->options = std::move(options);
  open_and_weigh(*state_);
}

VirtualCard VirtualCard::from_env(CardOptions options) {
  return VirtualCard(current_allocation(), std::move(options));
}

VirtualCard VirtualCard::from_card_list(std::string_view text, CardOptions options) {
  return VirtualCard(parse_card_list(text, process_env()), std::move(options));
}

VirtualCard::VirtualCard(VirtualCard&&) noexcept = default;
VirtualCard& VirtualCard::operator=(VirtualCard&&) noexcept = default;
VirtualCard::~VirtualCard() = default;

const Allocation& VirtualCard::allocation() const { return state_->alloc; }

std::size_t VirtualCard::slice_count() const {
  std::lock_guard lock(state_->mutex);
  return state_->slices.size();
}

std::vector<SliceInfo> VirtualCard::slices() const {
  std::lock_guard lock(state_->mutex);
  std::vector<SliceInfo> out;
  for (const auto& s : state_->slices) out.push_back(s.info);
  return out;
}

std::vector<double> VirtualCard::weights() const {
  std::lock_guard lock(state_->mutex);
  return state_->weights;
}

void VirtualCard::set_weights(const std::vector<double>& weights) {
  std::lock_guard lock(state_->mutex);
  state_->check_active("set_weights");
  detail::apply_weights(*state_, weights);
}

std::vector<double> VirtualCard::calibrate(std::size_t n) {
  std::lock_guard lock(state_->mutex);
  state_->check_active("calibrate");
  return time_gemm(*state_, n);
}

RowSplit VirtualCard::split(std::size_t rows) const {
  std::lock_guard lock(state_->mutex);
  state_->check_active("split");
  return split_rows(rows, state_->weights);
}

bool VirtualCard::suspended() const {
  std::lock_guard lock(state_->mutex);
  return state_->suspended;
}

void VirtualCard::suspend() {
  std::lock_guard lock(state_->mutex);
  if (state_->suspended) return;
  for (detail::BufferState* b : state_->buffers) {
    b->saved.resize(b->rows * b->cols);
    b->gather(b->saved.data());
  }
  for (detail::BufferState* b : state_->buffers) b->parts.clear();
  state_->workers.reset();
  state_->slices.clear();  // closes every device context: the cards are free
  state_->suspended = true;
}

void VirtualCard::resume() {
  resume(state_->options.source ? state_->options.source() : resumed_allocation());
}

void VirtualCard::resume(Allocation alloc) {
  std::lock_guard lock(state_->mutex);
  if (!state_->suspended) throw Error("resume: the virtual card is not suspended");
  state_->alloc = std::move(alloc);
  open_and_weigh(*state_);  // on failure the card stays suspended, the saved values kept
  state_->suspended = false;
  for (detail::BufferState* b : state_->buffers) {
    b->allocate();
    b->scatter(b->saved.data());
    b->saved = {};
  }
}

}  // namespace tflops::hal

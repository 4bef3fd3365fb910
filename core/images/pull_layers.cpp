// plan_layers and download_layers: docker's layer events and a 3-thread download pool.
#include "core/images/pull_layers.hpp"

#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "core/images/layer_fetch.hpp"

namespace berth::core::images {

namespace {

constexpr std::size_t kParallel = 3;  // docker's max-concurrent-downloads default

// A download stopped because a sibling failed: never the error reported.
struct Aborted {};

class Downloader {
 public:
  Downloader(const std::vector<LayerJob>& jobs, const LayerDownload& ctx)
      : jobs_(jobs), ctx_(ctx), staged_(jobs.size()) {}

  std::vector<std::optional<StagedLayer>> run() {
    for (std::size_t i = 0; i < jobs_.size(); ++i) {
      if (jobs_[i].dup) continue;
      if (jobs_[i].present) {
        say(i, "Already exists");
      } else {
        say(i, "Pulling fs layer");
        todo_.push_back(i);
      }
    }
    for (std::size_t k = kParallel; k < todo_.size(); ++k) say(todo_[k], "Waiting");
    std::size_t threads = std::min(kParallel, todo_.size());
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back([this] { work(); });
    if (threads > 0) work();
    for (auto& t : pool) t.join();
    if (ctx_.cancel.cancelled()) pull_cancelled();
    if (failure_) std::rethrow_exception(failure_);
    return std::move(staged_);
  }

 private:
  void say(std::size_t i, const char* status, std::uint64_t current = 0, std::uint64_t total = 0) {
    std::lock_guard lock(emit_mutex_);
    ctx_.emit(TransferEvent{.kind = TransferEvent::Kind::layer,
                            .id = short_hex(jobs_[i].desc.digest),
                            .status = status,
                            .current = current,
                            .total = total});
  }

  void check() const {
    if (ctx_.cancel.cancelled()) pull_cancelled();
    if (failed_.load()) throw Aborted{};
  }

  void work() {
    std::optional<registry::RegistryClient> client;
    for (;;) {
      std::size_t k = next_.fetch_add(1);
      if (k >= todo_.size()) return;
      try {
        check();
        if (!client) client.emplace(ctx_.source.endpoint, ctx_.credentials, &ctx_.cancel);
        fetch(*client, todo_[k]);
      } catch (...) {
        std::lock_guard lock(failure_mutex_);
        if (!failure_ && !failed_.load()) failure_ = std::current_exception();
        failed_.store(true);
        return;
      }
    }
  }

  void fetch(registry::RegistryClient& client, std::size_t i) {
    const LayerJob& job = jobs_[i];
    ProgressThrottle throttle;
    auto progress = [&](std::uint64_t done) {
      if (throttle.due(done)) say(i, "Downloading", done, job.desc.size);
    };
    FetchedLayer got = fetch_layer(client, ctx_.source.repo, job.desc, ctx_.blobs, job.extract ? &ctx_.layers : nullptr,
                                   progress, [this] { check(); });
    say(i, "Verifying Checksum");
    std::string context = "layer " + job.desc.digest.str();
    if (!got.diff_id) fail(Errc::invalid_argument, "cannot decompress: " + got.decode_error, context);
    if (*got.diff_id != job.diff_id) {
      fail(Errc::invalid_argument,
           "diff_id mismatch: the config says " + job.diff_id.str() + ", the layer is " + got.diff_id->str(), context);
    }
    say(i, "Download complete");
    ctx_.locations.record(job.desc.digest, ctx_.source.endpoint, ctx_.source.repo);
    if (got.extract_error) {
      try {
        std::rethrow_exception(got.extract_error);
      } catch (const Error& e) {
        throw e.wrap("layer " + job.diff_id.str());
      }
    }
    if (got.staged) {
      say(i, "Extracting", job.desc.size, job.desc.size);
      staged_[i] = std::move(got.staged);  // each thread writes its own jobs' slots
    }
  }

  const std::vector<LayerJob>& jobs_;
  const LayerDownload& ctx_;
  std::vector<std::size_t> todo_;
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> failed_{false};
  std::mutex emit_mutex_;
  std::mutex failure_mutex_;
  std::exception_ptr failure_;
  std::vector<std::optional<StagedLayer>> staged_;
};

}  // namespace

void pull_cancelled() { fail(Errc::unavailable, "pull cancelled"); }

std::vector<LayerJob> plan_layers(const std::vector<Descriptor>& layers, const std::vector<std::string>& diff_ids,
                                  const ImageIndex& index, const BlobStore& blobs) {
  if (layers.size() != diff_ids.size()) {
    fail(Errc::invalid_argument, "the manifest has " + std::to_string(layers.size()) + " layers but the config " +
                                     std::to_string(diff_ids.size()) + " diff_ids");
  }
  // What earlier pulls, loads and imports learnt about blobs (blob digest → diff_id) and which extracted layers
  // (chain IDs) local images hold.
  std::map<std::string, std::string> known;
  std::set<std::string> extracted;
  for (const auto& [id, img] : index.by_id) {
    for (const auto& l : img->layers) {
      known.emplace(l.blob_digest, l.diff_id);
      extracted.insert(l.chain_id);
    }
  }
  for (const auto& d : diff_ids)
    if (!Digest::valid(d)) fail(Errc::invalid_argument, "invalid diff_id \"" + d + "\"", "config");
  std::vector<std::string> chains = chain_ids(diff_ids);
  std::vector<LayerJob> jobs;
  std::map<std::string, std::size_t> first;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    LayerJob job{.desc = layers[i], .diff_id = Digest::parse(diff_ids[i])};
    std::string blob = layers[i].digest.str();
    if (auto it = first.find(blob); it != first.end()) {
      if (jobs[it->second].diff_id != job.diff_id)
        fail(Errc::invalid_argument, "one blob has two diff_ids in the config", "layer " + blob);
      job.dup = it->second;
    } else {
      first.emplace(blob, i);
      auto k = known.find(blob);
      bool diff_known = (k != known.end() && k->second == diff_ids[i]) || blob == diff_ids[i];
      job.present = diff_known && blobs.has(layers[i].digest);
      job.extract = !job.present && !extracted.contains(chains[i]);
    }
    jobs.push_back(std::move(job));
  }
  return jobs;
}

std::vector<std::optional<StagedLayer>> download_layers(const std::vector<LayerJob>& jobs, const LayerDownload& ctx) {
  return Downloader(jobs, ctx).run();
}

}  // namespace berth::core::images

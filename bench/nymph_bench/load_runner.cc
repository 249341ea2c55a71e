#include "load_runner.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <thread>

#include "progress.h"

namespace nymph::bench {

// A keep-alive connection with the thread that streams on it, one job at a
// time.
class LoadRunner::Connection {
 public:
  Connection(LoadRunner& runner, const Endpoint& endpoint)
      : runner_(runner), client_(endpoint) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~Connection() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  // REQUIRES: the connection is idle.
  void Run(Job job) {
    {
      std::lock_guard lock(mutex_);
      job_ = std::move(job);
      has_job_ = true;
    }
    wake_.notify_all();
  }

 private:
  void Serve() {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stop_ || has_job_; });
        if (stop_) return;
        job = std::move(job_);
        has_job_ = false;
      }
      Clock::time_point sent = Clock::now();
      StreamRecord record = runner_.plan_.infer
                                ? client_.Infer(job.body)
                                : client_.StreamCompletion(job.body);
      runner_.Finished(this, job, sent, std::move(record));
    }
  }

  LoadRunner& runner_;
  AgentClient client_;
  std::mutex mutex_;  // guards job_, has_job_, stop_
  std::condition_variable wake_;
  Job job_;
  bool has_job_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

LoadRunner::LoadRunner(Endpoint endpoint, LoadPlan plan,
                       RequestMaker make_request, std::string label)
    : endpoint_(std::move(endpoint)),
      plan_(plan),
      make_request_(std::move(make_request)),
      label_(std::move(label)) {}

LoadRunner::~LoadRunner() {
  WaitIdle();
  // Destroying a connection joins its thread; no lock may be held then.
  std::vector<std::unique_ptr<Connection>> connections;
  {
    std::lock_guard lock(mutex_);
    connections.swap(connections_);
  }
}

LoadRunner::Connection* LoadRunner::Acquire(int cap) {
  std::unique_lock lock(mutex_);
  if (idle_.empty() && static_cast<int>(connections_.size()) < cap) {
    connections_.push_back(std::make_unique<Connection>(*this, endpoint_));
    return connections_.back().get();
  }
  changed_.wait(lock, [this] { return !idle_.empty(); });
  Connection* connection = idle_.back();
  idle_.pop_back();
  return connection;
}

void LoadRunner::Start(Connection* connection, Job job) {
  {
    std::lock_guard lock(mutex_);
    ++in_flight_;
  }
  connection->Run(std::move(job));
}

void LoadRunner::Finished(Connection* connection, const Job& job,
                          Clock::time_point sent, StreamRecord record) {
  std::lock_guard lock(mutex_);
  --in_flight_;
  if (job.measured) {
    ++completed_;
    if (record.ok()) {
      output_tokens_ += record.completion_tokens.value_or(
          static_cast<int>(record.token_event_s.size()));
    } else {
      ++failed_;
    }
    if (plan_.arrival == Arrival::kPoisson) {
      send_lag_s_.push_back(
          std::chrono::duration<double>(sent - job.scheduled).count());
    }
    last_end_ = std::max(
        last_end_, sent + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(record.end_s)));
    measured_.emplace_back(job.index, std::move(record));
  }
  idle_.push_back(connection);
  changed_.notify_all();
}

void LoadRunner::WaitIdle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return in_flight_ == 0; });
}

void LoadRunner::Warmup() {
  if (plan_.warmup <= 0) return;
  // As many connections as the measurement starts with, so that their
  // set-up (TCP, TLS) is paid here.
  int streams = plan_.arrival == Arrival::kPoisson
                    ? std::min(plan_.max_connections, 4)
                    : plan_.clients;
  std::fprintf(stderr, "%s: %d warm-up request(s)\n", label_.c_str(),
               plan_.warmup);
  for (int i = 0; i < plan_.warmup; ++i) {
    Job job{make_request_(), next_index_, false, Clock::now()};
    ++next_index_;
    Start(Acquire(streams), std::move(job));
  }
  WaitIdle();
}

std::string LoadRunner::ProgressLine(double elapsed_s) const {
  std::lock_guard lock(mutex_);
  char line[200];
  std::string limit;
  if (plan_.duration_s > 0) {
    limit = "/" + std::to_string(static_cast<int>(plan_.duration_s)) + "s";
  }
  std::snprintf(
      line, sizeof line,
      "%s: %5.1fs%s  done %d%s  errors %d  in flight %d  "
      "output %.0f tok/s",
      label_.c_str(), elapsed_s, limit.c_str(), completed_,
      plan_.requests > 0 ? ("/" + std::to_string(plan_.requests)).c_str() : "",
      failed_, in_flight_, elapsed_s > 0 ? output_tokens_ / elapsed_s : 0.0);
  return line;
}

LoadResult LoadRunner::Measure() {
  const bool poisson = plan_.arrival == Arrival::kPoisson;
  const int cap = poisson ? plan_.max_connections : plan_.clients;
  std::mt19937_64 engine(plan_.seed);
  const Clock::time_point start = Clock::now();
  {
    std::lock_guard lock(mutex_);
    last_end_ = start;
  }
  {
    ProgressReporter progress(
        [this](double elapsed_s) { return ProgressLine(elapsed_s); });
    double arrival_s = 0;  // Poisson: the next request's time
    for (int sent = 0; plan_.requests == 0 || sent < plan_.requests; ++sent) {
      Clock::time_point scheduled = Clock::now();
      if (poisson) {
        if (plan_.duration_s > 0 && arrival_s >= plan_.duration_s) break;
        scheduled = start + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(arrival_s));
        std::this_thread::sleep_until(scheduled);
        // Exponential gap by inversion; u in [0, 1) from the top 53 bits.
        double u = static_cast<double>(engine() >> 11) * 0x1.0p-53;
        arrival_s += -std::log1p(-u) / plan_.rate_per_s;
      }
      Connection* connection = Acquire(cap);
      if (!poisson && plan_.duration_s > 0 &&
          Clock::now() - start >=
              std::chrono::duration<double>(plan_.duration_s)) {
        std::lock_guard lock(mutex_);
        idle_.push_back(connection);
        break;
      }
      Job job{make_request_(), next_index_, true, scheduled};
      ++next_index_;
      Start(connection, std::move(job));
    }
    WaitIdle();
  }
  std::lock_guard lock(mutex_);
  std::sort(measured_.begin(), measured_.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  LoadResult result;
  for (auto& [index, record] : measured_) {
    result.records.push_back(std::move(record));
  }
  result.duration_s = std::chrono::duration<double>(last_end_ - start).count();
  result.send_lag_s = send_lag_s_;
  result.connections = static_cast<int>(connections_.size());
  return result;
}

}  // namespace nymph::bench

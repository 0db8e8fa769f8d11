// One load-generator thread: its own io_context, and the users it owns (a phone and that user's
// apps each), so every per-user counter is touched by one thread only. It sets the users up
// (protocol.md §1: ack, allow, init, subscribe), proves the subscriptions with probe events,
// sends events at its share of the rate (or keeps a window in flight), and checks every delivery.
#pragma once

#include "histogram.hpp"
#include "options.hpp"
#include "ws_client.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <time.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace glasshub::loadgen {

// The run's phase, set by the main thread and read by the workers on every event and delivery.
enum class Phase : int { setup, probe, warmup, measure, drain };

// What the workers count, summed by the main thread once they have stopped.
struct WorkerStats {
  uint64_t events_sent = 0;           // every phase
  uint64_t events_sent_measured = 0;  // sent while Phase::measure
  uint64_t deliveries_expected = 0;   // events x subscribed apps of the sender
  uint64_t deliveries_received = 0;   // distinct (user, app, seq)
  uint64_t deliveries_in_window = 0;  // received while Phase::measure
  uint64_t duplicates = 0;
  uint64_t reordered = 0;          // a seq below one already received on that (user, app)
  uint64_t misrouted = 0;          // an event of another user
  uint64_t malformed = 0;          // a data_stream without u/seq/t
  uint64_t skipped_backpressure = 0;  // rate mode: the phone's socket did not take more
  uint64_t pacer_shed = 0;            // rate mode: events the pacer gave up on, being late
  uint64_t disconnects = 0;           // sockets lost after set-up
  Histogram latency_ns;               // of deliveries of measured events
  std::vector<std::string> errors;    // the first few failures, for the report

  void merge(const WorkerStats& other);
};

class Worker final : public WsClientListener {
 public:
  Worker(const Options& options, boost::asio::ip::tcp::endpoint endpoint,
         const std::atomic<int>& phase);
  ~Worker() override;
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Before start(): the users this worker plays, with their tokens.
  void add_user(int user, std::string token);
  void start();  // the thread

  // Commands from the main thread (run on the worker's thread).
  void begin_setup();
  void begin_probe();
  void begin_load(double rate);  // rate: this worker's events/s (0: window mode)
  void end_load();
  void shutdown();  // close every socket and let the thread end
  void join();

  // Progress, readable from any thread while running.
  int users() const noexcept { return static_cast<int>(users_.size()); }
  int users_ready() const noexcept { return ready_.load(std::memory_order_relaxed); }
  int users_failed() const noexcept { return failed_.load(std::memory_order_relaxed); }
  int users_probed() const noexcept { return probed_.load(std::memory_order_relaxed); }
  int connections_open() const noexcept { return open_.load(std::memory_order_relaxed); }
  uint64_t outstanding() const noexcept {
    return expected_pub_.load(std::memory_order_relaxed) -
           received_pub_.load(std::memory_order_relaxed);
  }
  std::optional<clockid_t> cpu_clock() const noexcept { return cpu_clock_; }

  // After join().
  const WorkerStats& stats() const noexcept { return stats_; }

 private:
  struct AppTrack {
    std::shared_ptr<WsClient> client;
    std::string package;
    std::string session_id;
    bool subscribed = false;
    bool probed = false;
    std::vector<uint64_t> seen;  // bit per seq
    int64_t max_seq = -1;
    // The bytes every delivery to this app has started with so far, through the event's `"seq":`
    // (learned from the first one): a delivery that starts with them is read without a search.
    std::string head;
  };
  struct User {
    int index = 0;  // the user's number in the run (in its email and its events)
    int slot = 0;   // its place in users_
    std::string token;
    std::string event_head;  // its events' bytes through `"seq":`, the same in every one
    std::shared_ptr<WsClient> phone;
    std::vector<AppTrack> apps;
    int apps_subscribed = 0;
    int apps_probed = 0;
    bool ready = false;   // every app subscribed
    bool probed = false;  // every app got a probe: its deliveries are counted
    bool failed = false;
    bool pump_due = false;     // in pump_due_
    uint64_t sent = 0;         // events (seq 0..sent-1)
    uint64_t outstanding = 0;  // deliveries expected, not yet received (window mode)
  };

  void on_open(WsClient& client) override;
  void on_message(WsClient& client, std::string_view text, bool binary) override;
  void on_read_done(WsClient& client) override;
  void on_failed(WsClient& client, std::string_view stage, std::string message) override;

  void setup_next_users();
  void user_failed(User& u, const std::string& why);
  void phone_message(User& u, std::string_view text);
  // `now`: when the read that holds the message returned (WsClient::received_at).
  void app_message(User& u, int app, std::string_view text, uint64_t now);
  void delivery(User& u, int app, std::string_view text, uint64_t now);
  void audio_delivery(User& u, int app, std::string_view bytes, uint64_t now);
  // One delivery (text or audio) checked against what was sent; `now` is its arrival.
  void record(User& u, int app, int64_t user, int64_t seq, int64_t sent_at, bool measured,
              uint64_t now);
  void send_probe(User& u);
  // The stream every app subscribes to: audio_chunk with --audio-bytes, else --stream.
  const std::string& stream() const noexcept;
  void probe_tick();
  void pace_tick();
  // Appends the user's next event, stamped `t`, to its phone's queue; the caller flushes.
  void queue_event(User& u, uint64_t t);
  void pump(User& u);  // window mode: refill the user's window, one write
  void note_error(std::string what);
  Phase phase() const noexcept { return static_cast<Phase>(phase_.load(std::memory_order_relaxed)); }
  void publish_progress() noexcept;

  const Options& options_;
  const boost::asio::ip::tcp::endpoint endpoint_;
  const std::atomic<int>& phase_;
  boost::asio::io_context ioc_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::steady_timer probe_timer_;
  boost::asio::steady_timer pace_timer_;
  std::vector<std::unique_ptr<User>> users_;
  std::vector<User*> active_;  // probed users that send events
  std::vector<User*> pump_due_, pumping_;  // saturation: windows to refill after this batch
  bool pumps_posted_ = false;
  std::size_t next_setup_ = 0;
  int setting_up_ = 0;
  bool loading_ = false;
  bool closing_ = false;
  std::size_t round_robin_ = 0;
  std::chrono::steady_clock::time_point pace_start_;
  uint64_t paced_ = 0;  // events the pacer has accounted for since pace_start_
  double rate_ = 0;
  // An event's bytes after its seq, the same for the events of one refill (one stamp).
  std::string event_tail_;
  uint64_t tail_t_ = 0;
  bool tail_measured_ = false;
  std::string audio_;  // scratch for audio frames
  WorkerStats stats_;

  std::atomic<int> ready_{0}, failed_{0}, probed_{0}, open_{0};
  std::atomic<uint64_t> expected_pub_{0}, received_pub_{0};
  std::optional<clockid_t> cpu_clock_;
  std::thread thread_;
};

}  // namespace glasshub::loadgen

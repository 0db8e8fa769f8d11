#include "worker.hpp"

#include "event_scan.hpp"
#include "steady_ns.hpp"

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include <pthread.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace glasshub::loadgen {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxErrors = 8;
// How a data_stream envelope starts on every server we know; another key order still parses.
constexpr std::string_view kDataStream = R"({"type":"data_stream")";
// Rate mode: a phone whose socket holds this much unsent data gets no more events.
constexpr std::size_t kPhoneQueueCap = 256 * 1024;
// Rate mode: how late the pacer may be before it sheds events instead of bursting them.
constexpr double kPacerSlackSeconds = 0.020;
constexpr auto kPaceTick = std::chrono::milliseconds(1);
constexpr auto kProbeInterval = std::chrono::milliseconds(100);

void append_int(std::string& out, int64_t value) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  out.append(buf, end);
}

// Audio frames (--audio-bytes) carry what a JSON event carries, little-endian, in front:
// t (8 bytes, steady-clock ns), user (4), seq (4, -1 for a probe), m (1); the rest is zeros.
constexpr std::size_t kAudioHeader = 17;

template <class T>
void put_le(std::string& out, std::size_t at, T value) {
  for (std::size_t i = 0; i < sizeof(T); ++i)
    out[at + i] = static_cast<char>((static_cast<uint64_t>(value) >> (8 * i)) & 0xff);
}

template <class T>
T get_le(std::string_view in, std::size_t at) {
  uint64_t v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
  return static_cast<T>(v);
}

// Makes `out` (a scratch buffer: no allocation per event) one audio frame.
void audio_frame(std::string& out, std::size_t bytes, uint64_t t, int32_t user, int32_t seq,
                 bool measured) {
  out.assign(std::max(bytes, kAudioHeader), '\0');
  put_le<uint64_t>(out, 0, t);
  put_le<uint32_t>(out, 8, static_cast<uint32_t>(user));
  put_le<uint32_t>(out, 12, static_cast<uint32_t>(seq));
  out[16] = measured ? 1 : 0;
}

std::string type_of(const nlohmann::json& doc) {
  if (!doc.is_object()) return {};
  const auto it = doc.find("type");
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

void WorkerStats::merge(const WorkerStats& o) {
  events_sent += o.events_sent;
  events_sent_measured += o.events_sent_measured;
  deliveries_expected += o.deliveries_expected;
  deliveries_received += o.deliveries_received;
  deliveries_in_window += o.deliveries_in_window;
  duplicates += o.duplicates;
  reordered += o.reordered;
  misrouted += o.misrouted;
  malformed += o.malformed;
  skipped_backpressure += o.skipped_backpressure;
  pacer_shed += o.pacer_shed;
  disconnects += o.disconnects;
  latency_ns.merge(o.latency_ns);
  for (const auto& e : o.errors)
    if (errors.size() < kMaxErrors) errors.push_back(e);
}

Worker::Worker(const Options& options, asio::ip::tcp::endpoint endpoint,
               const std::atomic<int>& phase)
    : options_(options),
      endpoint_(std::move(endpoint)),
      phase_(phase),
      work_(ioc_.get_executor()),
      probe_timer_(ioc_),
      pace_timer_(ioc_) {}

Worker::~Worker() {
  if (thread_.joinable()) {
    shutdown();
    join();
  }
}

void Worker::add_user(int user, std::string token) {
  auto u = std::make_unique<User>();
  u->index = user;
  u->slot = static_cast<int>(users_.size());
  u->token = std::move(token);
  u->event_head = R"({"type":")" + options_.stream + R"(","u":)";
  append_int(u->event_head, user);
  u->event_head += R"(,"seq":)";
  u->apps.resize(static_cast<std::size_t>(options_.apps));
  for (int a = 0; a < options_.apps; ++a)
    u->apps[static_cast<std::size_t>(a)].package = options_.app_prefix + std::to_string(a + 1);
  users_.push_back(std::move(u));
}

void Worker::start() {
  thread_ = std::thread([this] { ioc_.run(); });
  clockid_t clock;
  if (::pthread_getcpuclockid(thread_.native_handle(), &clock) == 0) cpu_clock_ = clock;
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

// --- set-up ------------------------------------------------------------------------------------

void Worker::begin_setup() {
  asio::post(ioc_, [this] { setup_next_users(); });
}

void Worker::setup_next_users() {
  const int concurrency = std::max(1, options_.connect_concurrency / std::max(1, options_.threads));
  while (!closing_ && setting_up_ < concurrency && next_setup_ < users_.size()) {
    const std::size_t slot = next_setup_++;
    User& u = *users_[slot];
    ++setting_up_;
    u.phone = std::make_shared<WsClient>(ioc_, *this, static_cast<int>(slot), -1);
    u.phone->open(endpoint_, "/glasses-ws?token=" + u.token);
  }
}

void Worker::user_failed(User& u, const std::string& why) {
  note_error("user " + std::to_string(u.index) + ": " + why);
  if (u.failed) return;
  u.failed = true;
  if (u.ready) {  // lost after set-up: its missing deliveries show as lost
    ++stats_.disconnects;
    return;
  }
  failed_.fetch_add(1, std::memory_order_relaxed);
  const auto drop = [this](const std::shared_ptr<WsClient>& client) {
    if (!client) return;
    if (client->is_open()) open_.fetch_sub(1, std::memory_order_relaxed);
    client->close();
  };
  drop(u.phone);
  for (auto& app : u.apps) drop(app.client);
  --setting_up_;
  setup_next_users();
}

void Worker::on_open(WsClient& client) {
  open_.fetch_add(1, std::memory_order_relaxed);
  if (client.app() < 0) return;  // the phone waits for connection_ack
  User& u = *users_[static_cast<std::size_t>(client.user())];
  const AppTrack& app = u.apps[static_cast<std::size_t>(client.app())];
  client.send(nlohmann::json{{"type", "tpa_connection_init"},
                             {"sessionId", app.session_id},
                             {"packageName", app.package},
                             {"apiKey", options_.api_key_prefix + std::to_string(client.app() + 1)}}
                  .dump());
}

void Worker::on_failed(WsClient& client, std::string_view stage, std::string message) {
  if (closing_) return;
  if (stage == "read" || stage == "write") open_.fetch_sub(1, std::memory_order_relaxed);
  User& u = *users_[static_cast<std::size_t>(client.user())];
  const std::string who = client.app() < 0 ? "phone" : u.apps[static_cast<std::size_t>(client.app())].package;
  user_failed(u, who + " " + std::string(stage) + ": " + message);
}

const std::string& Worker::stream() const noexcept {
  static const std::string audio = "audio_chunk";
  return options_.audio_bytes > 0 ? audio : options_.stream;
}

void Worker::on_message(WsClient& client, std::string_view text, bool binary) {
  User& u = *users_[static_cast<std::size_t>(client.user())];
  if (client.app() < 0) {
    if (!binary) phone_message(u, text);
    return;
  }
  if (binary) return audio_delivery(u, client.app(), text, client.received_at());
  app_message(u, client.app(), text, client.received_at());
}

void Worker::on_read_done(WsClient& client) {
  if (client.app() < 0 || options_.rate > 0) return;
  // Saturation: a user's window is refilled once the reads the reactor found ready with it have
  // all been handled (a handler posted now runs after them), so the deliveries to all its apps
  // leave as one write from its phone rather than one per app.
  User& u = *users_[static_cast<std::size_t>(client.user())];
  if (u.pump_due) return;
  u.pump_due = true;
  pump_due_.push_back(&u);
  if (pumps_posted_) return;
  pumps_posted_ = true;
  asio::post(ioc_, [this] {
    pumps_posted_ = false;
    pumping_.swap(pump_due_);
    for (User* due : pumping_) {
      due->pump_due = false;
      pump(*due);
    }
    pumping_.clear();
  });
}

void Worker::phone_message(User& u, std::string_view text) {
  if (text == R"({"type":"ping"})") return u.phone->send(R"({"type":"pong"})");
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  const std::string type = type_of(doc);
  if (type == "connection_ack") {
    for (const auto& app : u.apps)
      u.phone->send(nlohmann::json{{"type", "test_allow_app"}, {"packageName", app.package}}.dump());
  } else if (type == "test_app_allowed") {
    const std::string package = doc.value("packageName", std::string());
    for (std::size_t a = 0; a < u.apps.size(); ++a) {
      AppTrack& app = u.apps[a];
      if (app.package != package || app.client) continue;
      app.session_id = doc.value("sessionId", std::string());
      app.client = std::make_shared<WsClient>(ioc_, *this, u.slot, static_cast<int>(a));
      app.client->open(endpoint_, "/app-ws");
    }
  } else if (type == "test_app_refused" || type == "connection_error") {
    user_failed(u, "phone got " + std::string(text.substr(0, 200)) +
                       (type == "test_app_refused" ? " (is test_app_starter in the manifest and "
                                                     "the app in the host's config?)"
                                                   : ""));
  }
}

void Worker::app_message(User& u, int app, std::string_view text, uint64_t now) {
  if (text.starts_with(kDataStream)) return delivery(u, app, text, now);
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  const std::string type = type_of(doc);
  AppTrack& a = u.apps[static_cast<std::size_t>(app)];
  if (type == "data_stream") return delivery(u, app, text, now);  // another key order
  if (type == "tpa_connection_ack" && !a.subscribed) {
    a.client->send(nlohmann::json{{"type", "subscription_update"},
                                  {"packageName", a.package},
                                  {"sessionId", a.session_id},
                                  {"subscriptions", {stream()}}}
                       .dump());
    a.subscribed = true;
    if (++u.apps_subscribed == static_cast<int>(u.apps.size()) && !u.failed) {
      u.ready = true;
      ready_.fetch_add(1, std::memory_order_relaxed);
      --setting_up_;
      setup_next_users();
    }
  } else if (type == "tpa_connection_error") {
    user_failed(u, a.package + " got " + std::string(text.substr(0, 200)));
  }
}

// --- probes: a subscription is in force once an event reaches the app --------------------------

void Worker::begin_probe() {
  asio::post(ioc_, [this] { probe_tick(); });
}

void Worker::probe_tick() {
  if (closing_ || phase() != Phase::probe) return;
  bool waiting = false;
  for (auto& u : users_) {
    if (!u->ready || u->probed || u->failed) continue;
    waiting = true;
    send_probe(*u);
  }
  if (!waiting) return;
  probe_timer_.expires_after(kProbeInterval);
  probe_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) probe_tick();
  });
}

void Worker::send_probe(User& u) {
  if (options_.audio_bytes > 0) {
    audio_frame(audio_, static_cast<std::size_t>(options_.audio_bytes), 0, u.index, -1, false);
    return u.phone->send(audio_, true);
  }
  u.phone->queue({u.event_head, R"(-1,"t":0,"m":0})"});
  u.phone->flush();
}

// --- load ---------------------------------------------------------------------------------------

void Worker::begin_load(double rate) {
  asio::post(ioc_, [this, rate] {
    loading_ = true;
    rate_ = rate;
    if (options_.rate > 0) {
      pace_start_ = Clock::now();
      paced_ = 0;
      pace_tick();
    } else {
      for (User* u : active_) pump(*u);
    }
  });
}

void Worker::end_load() {
  asio::post(ioc_, [this] {
    loading_ = false;
    pace_timer_.cancel();
  });
}

void Worker::pace_tick() {
  if (!loading_ || closing_ || active_.empty() || rate_ <= 0) return;
  const auto now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - pace_start_).count();
  const auto target = static_cast<uint64_t>(elapsed * rate_);
  uint64_t due = target - std::min(target, paced_);
  const auto slack = static_cast<uint64_t>(std::max(1.0, rate_ * kPacerSlackSeconds));
  if (due > slack) {  // we fell behind: shed rather than burst, and say so in the report
    stats_.pacer_shed += due - slack;
    paced_ += due - slack;
    due = slack;
  }
  for (uint64_t i = 0; i < due; ++i) {
    User& u = *active_[round_robin_++ % active_.size()];
    ++paced_;
    if (u.failed || !u.phone->is_open()) continue;  // lost after set-up: counted as a disconnect
    if (u.phone->queued_bytes() > kPhoneQueueCap) {
      ++stats_.skipped_backpressure;
      continue;
    }
    queue_event(u, steady_ns());  // each event its own stamp: the writes between them take time
    u.phone->flush();
  }
  // Next event's due time, but at least one tick away (the count above is absolute: no drift).
  const auto next_due =
      pace_start_ + std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>(static_cast<double>(paced_ + 1) / rate_));
  pace_timer_.expires_at(std::max(next_due, now + kPaceTick));
  pace_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) pace_tick();
  });
}

void Worker::pump(User& u) {
  if (!loading_ || closing_ || u.failed || !u.phone->is_open()) return;
  const uint64_t apps = static_cast<uint64_t>(u.apps_probed);
  const uint64_t limit = static_cast<uint64_t>(options_.window) * apps;
  if (u.outstanding + apps > limit) return;
  // One stamp for the events of one refill: they leave in the one write below, a few µs later.
  const uint64_t t = steady_ns();
  while (u.outstanding + apps <= limit) queue_event(u, t);
  u.phone->flush();
}

void Worker::queue_event(User& u, uint64_t t) {
  const int64_t seq = static_cast<int64_t>(u.sent++);
  const bool measured = phase() == Phase::measure;
  if (options_.audio_bytes > 0) {
    audio_frame(audio_, static_cast<std::size_t>(options_.audio_bytes), t, u.index,
                static_cast<int32_t>(seq), measured);
    u.phone->queue(audio_, true);
  } else {
    if (t != tail_t_ || measured != tail_measured_ || event_tail_.empty()) {
      tail_t_ = t;
      tail_measured_ = measured;
      event_tail_.assign(R"(,"t":)");
      append_int(event_tail_, static_cast<int64_t>(t));
      event_tail_ += measured ? R"(,"m":1)" : R"(,"m":0)";
      if (options_.payload_bytes > 0) {
        event_tail_ += R"(,"pad":")";
        event_tail_.append(static_cast<std::size_t>(options_.payload_bytes), 'x');
        event_tail_ += '"';
      }
      event_tail_ += '}';
    }
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, seq).ptr;
    u.phone->queue({u.event_head, std::string_view(digits, static_cast<std::size_t>(end - digits)),
                    event_tail_});
  }
  ++stats_.events_sent;
  if (measured) ++stats_.events_sent_measured;
  const auto apps = static_cast<uint64_t>(u.apps_probed);
  stats_.deliveries_expected += apps;
  u.outstanding += apps;
  publish_progress();
}

void Worker::delivery(User& u, int app, std::string_view text, uint64_t now) {
  AppTrack& a = u.apps[static_cast<std::size_t>(app)];
  // Fast path: the bytes up to the seq are those of the last delivery to this app, and of this
  // user's events: its user is this one, and what follows is read without a search.
  if (!a.head.empty() && text.starts_with(a.head)) {
    if (const auto f = fields_after_seq(text.substr(a.head.size())))
      return record(u, app, u.index, f->seq, f->sent_at, f->measured != 0, now);
  }
  // `data":` rather than `"data":`: the search runs on the first character, and quotes are many.
  auto data = text.find(R"(data":)");
  while (data != std::string_view::npos && (data == 0 || text[data - 1] != '"'))
    data = text.find(R"(data":)", data + 1);
  std::size_t from = data == std::string_view::npos ? 0 : data;
  const auto user = int_field(text, from, R"("u":)");
  const auto seq = int_field(text, from, R"("seq":)");
  const auto sent_at = int_field(text, from, R"("t":)");
  const auto measured = int_field(text, from, R"("m":)");
  if (data == std::string_view::npos || !user || !seq || !sent_at || !measured) {
    ++stats_.malformed;
    return;
  }
  // This layout is the fast path's from now on (every server writes the same head to one app).
  const std::size_t value = data + std::string_view(R"(data":)").size();
  if (text.starts_with(kDataStream) && text.substr(value).starts_with(u.event_head))
    a.head.assign(text.substr(0, value + u.event_head.size()));
  record(u, app, *user, *seq, *sent_at, *measured != 0, now);
}

void Worker::audio_delivery(User& u, int app, std::string_view bytes, uint64_t now) {
  if (bytes.size() < kAudioHeader) {
    ++stats_.malformed;
    return;
  }
  const auto sent_at = get_le<uint64_t>(bytes, 0);
  const auto user = static_cast<int32_t>(get_le<uint32_t>(bytes, 8));
  const auto seq = static_cast<int32_t>(get_le<uint32_t>(bytes, 12));
  record(u, app, user, seq, static_cast<int64_t>(sent_at), bytes[16] != 0, now);
}

void Worker::record(User& u, int app, int64_t user, int64_t seq, int64_t sent_at, bool measured,
                    uint64_t now) {
  if (user != u.index) {
    ++stats_.misrouted;
    return;
  }
  AppTrack& a = u.apps[static_cast<std::size_t>(app)];
  if (seq < 0) {  // a probe
    if (a.probed) return;
    a.probed = true;
    if (++u.apps_probed == static_cast<int>(u.apps.size())) {
      u.probed = true;
      active_.push_back(&u);
      probed_.fetch_add(1, std::memory_order_relaxed);
    }
    return;
  }
  if (static_cast<uint64_t>(seq) >= u.sent) {
    ++stats_.malformed;  // a seq we never sent
    return;
  }
  const auto word = static_cast<std::size_t>(seq / 64);
  const uint64_t bit = uint64_t{1} << (seq % 64);
  if (a.seen.size() <= word) a.seen.resize(word + 1);
  if (a.seen[word] & bit) {
    ++stats_.duplicates;
    return;
  }
  a.seen[word] |= bit;
  ++stats_.deliveries_received;
  if (seq < a.max_seq)
    ++stats_.reordered;
  else
    a.max_seq = seq;
  if (measured) stats_.latency_ns.record(now - static_cast<uint64_t>(sent_at));
  if (phase() == Phase::measure) ++stats_.deliveries_in_window;
  if (u.outstanding > 0) --u.outstanding;
  publish_progress();
}

// --- the end ------------------------------------------------------------------------------------

void Worker::shutdown() {
  asio::post(ioc_, [this] {
    closing_ = true;
    loading_ = false;
    probe_timer_.cancel();
    pace_timer_.cancel();
    for (auto& u : users_) {
      if (u->phone) u->phone->close();
      for (auto& app : u->apps)
        if (app.client) app.client->close();
    }
    work_.reset();
  });
}

void Worker::note_error(std::string what) {
  if (stats_.errors.size() < kMaxErrors) stats_.errors.push_back(std::move(what));
}

void Worker::publish_progress() noexcept {
  expected_pub_.store(stats_.deliveries_expected, std::memory_order_relaxed);
  received_pub_.store(stats_.deliveries_received, std::memory_order_relaxed);
}

}  // namespace glasshub::loadgen

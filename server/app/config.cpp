#include "app/config.h"

#include <cstdlib>
#include <set>
#include <toml++/toml.h>

#include "media/media_address.h"

namespace contactd::app {
namespace {

class Reader {
 public:
  Reader(const toml::table& root, std::string file) : root_(root), file_(std::move(file)) {}

  template <class T>
  void get(const char* section, const char* key, T& out) {
    known_.insert(std::string(section) + "." + key);
    const toml::node* node = root_.at_path(std::string(section) + "." + key).node();
    if (!node) return;
    if constexpr (std::is_same_v<T, std::string>) {
      auto v = node->value<std::string>();
      if (!v) fail(section, key, "must be a string");
      out = *v;
    } else if constexpr (std::is_same_v<T, bool>) {
      auto v = node->value<bool>();
      if (!v) fail(section, key, "must be true or false");
      out = *v;
    } else {
      auto v = node->value<std::int64_t>();
      if (!v || *v < 0) fail(section, key, "must be a non-negative integer");
      out = static_cast<T>(*v);
    }
  }

  void strings(const char* section, const char* key, std::vector<std::string>& out) {
    known_.insert(std::string(section) + "." + key);
    const toml::node* node = root_.at_path(std::string(section) + "." + key).node();
    if (!node) return;
    const auto* array = node->as_array();
    if (!array) fail(section, key, "must be an array of strings");
    out.clear();
    for (const auto& element : *array) {
      auto v = element.value<std::string>();
      if (!v) fail(section, key, "must be an array of strings");
      out.push_back(*v);
    }
  }

  void seconds(const char* section, const char* key, std::chrono::seconds& out) {
    std::int64_t v = out.count();
    get(section, key, v);
    out = std::chrono::seconds(v);
  }

  // Every key in the file must be one the daemon reads.
  void reject_unknown() {
    for (const auto& [section, node] : root_) {
      const auto* table = node.as_table();
      if (!table) throw ConfigError(file_ + ": top-level key '" + std::string(section.str()) + "' is not a section");
      for (const auto& [key, value] : *table) {
        std::string path = std::string(section.str()) + "." + std::string(key.str());
        if (!known_.count(path)) throw ConfigError(file_ + ": unknown key '" + path + "'");
      }
    }
  }

  [[noreturn]] void fail(const char* section, const char* key, const std::string& why) {
    throw ConfigError(file_ + ": " + section + "." + key + " " + why);
  }

 private:
  const toml::table& root_;
  std::string file_;
  std::set<std::string> known_;
};

void require(bool ok, const std::string& message) {
  if (!ok) throw ConfigError(message);
}

}  // namespace

Config load_config(const std::string& path) {
  Config c;
  toml::table root;
  if (!path.empty()) {
    try {
      root = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      throw ConfigError(path + ": " + std::string(e.description()) + " at line " +
                        std::to_string(e.source().begin.line));
    }
  }
  Reader r(root, path.empty() ? "(defaults)" : path);
  r.get("server", "listen_address", c.server.address);
  r.get("server", "port", c.server.port);
  r.get("server", "io_threads", c.io_threads);
  r.get("server", "worker_threads", c.worker_threads);
  r.get("server", "max_frame_bytes", c.server.max_frame_bytes);
  r.seconds("server", "idle_timeout_seconds", c.server.idle_timeout);
  r.seconds("server", "handshake_timeout_seconds", c.server.handshake_timeout);
  r.get("server", "write_queue_max_frames", c.server.write_queue_max_frames);
  r.get("server", "socket_send_buffer_bytes", c.server.socket_send_buffer_bytes);
  r.seconds("server", "login_timeout_seconds", c.server.login_timeout);
  r.get("server", "max_unauthenticated_connections", c.server.max_unauthenticated_connections);
  r.get("server", "max_unauthenticated_per_address", c.server.max_unauthenticated_per_address);
  r.strings("server", "allowed_origins", c.server.allowed_origins);
  r.get("server", "resume_buffer_events", c.streams.buffer_events);
  std::chrono::seconds window = std::chrono::duration_cast<std::chrono::seconds>(c.streams.resume_window);
  r.seconds("server", "resume_window_seconds", window);
  c.streams.resume_window = window;
  r.seconds("server", "shutdown_grace_seconds", c.shutdown_grace);

  r.get("database", "url", c.database_url);
  r.get("database", "auto_migrate", c.auto_migrate);
  r.seconds("database", "connect_wait_seconds", c.connect_wait);

  std::int64_t ttl_seconds = std::chrono::duration_cast<std::chrono::seconds>(c.auth.session_ttl).count();
  r.get("auth", "session_ttl_seconds", ttl_seconds);
  c.auth.session_ttl = std::chrono::seconds(ttl_seconds);
  std::int64_t ops = static_cast<std::int64_t>(c.auth.password_cost.opslimit);
  std::int64_t mem_kib = static_cast<std::int64_t>(c.auth.password_cost.memlimit_bytes / 1024);
  r.get("auth", "argon2_opslimit", ops);
  r.get("auth", "argon2_memlimit_kib", mem_kib);
  c.auth.password_cost.opslimit = static_cast<unsigned long long>(ops);
  c.auth.password_cost.memlimit_bytes = static_cast<std::size_t>(mem_kib) * 1024;
  std::int64_t hashing_threads = c.auth.hashing_threads, hashing_queue = c.auth.hashing_queue;
  r.get("auth", "hashing_threads", hashing_threads);
  r.get("auth", "hashing_queue", hashing_queue);
  if (hashing_threads < 1 || hashing_threads > 64) r.fail("auth", "hashing_threads", "must be 1..64");
  if (hashing_queue < 1 || hashing_queue > 100000) r.fail("auth", "hashing_queue", "must be 1..100000");
  c.auth.hashing_threads = static_cast<unsigned>(hashing_threads);
  c.auth.hashing_queue = static_cast<unsigned>(hashing_queue);

  auto& webchat = c.webchat;
  r.seconds("webchat", "resume_seconds", webchat.resume_window);
  std::chrono::seconds abandon{0};  // 0 or absent: the resume window
  r.seconds("webchat", "abandon_seconds", abandon);
  webchat.abandon_after = abandon.count() == 0 ? webchat.resume_window : abandon;
  auto& wl = webchat.limits;
  r.get("webchat", "messages_per_second", wl.connection_messages.per_second);
  r.get("webchat", "message_burst", wl.connection_messages.burst);
  r.get("webchat", "address_messages_per_second", wl.address_messages.per_second);
  r.get("webchat", "address_message_burst", wl.address_messages.burst);
  std::int64_t starts = static_cast<std::int64_t>(wl.connection_starts.burst);
  std::int64_t address_starts = static_cast<std::int64_t>(wl.address_starts.burst);
  r.get("webchat", "starts_per_minute", starts);
  r.get("webchat", "address_starts_per_minute", address_starts);
  wl.connection_starts = channels::Rate{static_cast<double>(starts) / 60, static_cast<double>(starts)};
  wl.address_starts = channels::Rate{static_cast<double>(address_starts) / 60, static_cast<double>(address_starts)};
  r.get("webchat", "tracked_addresses", wl.tracked_addresses);

  // [media]: the media store (uploads, provider media).
  r.get("media", "directory", c.media.directory);
  std::int64_t retention_days = c.media.retention.count() / 24;
  r.get("media", "retention_days", retention_days);
  if (retention_days > 36500) r.fail("media", "retention_days", "must be 0..36500 (0: keep forever)");
  c.media.retention = std::chrono::hours(24 * retention_days);
  std::int64_t max_upload_mb = static_cast<std::int64_t>(c.media.max_upload_bytes >> 20);
  r.get("media", "max_upload_mb", max_upload_mb);
  if (max_upload_mb < 1 || max_upload_mb > 1024) r.fail("media", "max_upload_mb", "must be 1..1024");
  c.media.max_upload_bytes = static_cast<std::uint64_t>(max_upload_mb) << 20;
  std::int64_t uploads_at_once = c.media.uploads_in_progress_per_user;
  r.get("media", "uploads_per_user", uploads_at_once);
  if (uploads_at_once < 1 || uploads_at_once > 100) r.fail("media", "uploads_per_user", "must be 1..100");
  c.media.uploads_in_progress_per_user = static_cast<std::uint32_t>(uploads_at_once);
  std::int64_t unsent_mb = static_cast<std::int64_t>(c.media.unsent_bytes_per_user >> 20);
  r.get("media", "unsent_mb_per_user", unsent_mb);
  if (unsent_mb < 1 || unsent_mb > 1048576) r.fail("media", "unsent_mb_per_user", "must be 1..1048576");
  c.media.unsent_bytes_per_user = static_cast<std::uint64_t>(unsent_mb) << 20;
  // Signed public URLs of outbound media (attachments/public_url.h).
  r.get("media", "public_base_url", c.media_urls.base_url);
  {
    const std::string& u = c.media_urls.base_url;
    const bool scheme = u.rfind("https://", 0) == 0 || u.rfind("http://", 0) == 0;
    if (!u.empty() && (!scheme || u.size() > 512 || u.find_first_of("?# \t\r\n") != std::string::npos))
      r.fail("media", "public_base_url",
             "must be empty or an http(s):// URL without query or fragment (e.g. \"https://cc.example.com\")");
  }
  r.get("media", "url_secret", c.media_urls.secret);
  if (!c.media_urls.secret.empty() && c.media_urls.secret.size() < 32)
    r.fail("media", "url_secret", "must be empty (random at start) or at least 32 bytes");
  r.seconds("media", "public_url_ttl_seconds", c.media_urls.ttl);
  if (c.media_urls.ttl.count() < 60 || c.media_urls.ttl.count() > 7 * 86400)
    r.fail("media", "public_url_ttl_seconds", "must be 60..604800");
  if (!c.media.directory.empty() && c.media.directory[0] != '/') {
    const auto slash = path.find_last_of('/');
    c.media.directory = (slash == std::string::npos ? std::string(".") : path.substr(0, slash)) + "/" + c.media.directory;
  }

  // [providers]: how contactd reaches WhatsApp providers (accounts are data, over the API).
  r.get("providers", "meta_base_url", c.providers.http.meta_base_url);
  r.get("providers", "gupshup_base_url", c.providers.http.gupshup_base_url);
  r.get("providers", "meta_api_version", c.providers.http.meta_api_version);
  r.get("providers", "ca_file", c.providers.http.ca_file);
  std::int64_t reconcile = c.providers.outbox.reconcile_after.count() / 1000;
  r.get("providers", "unknown_delivery_seconds", reconcile);
  if (reconcile < 10 || reconcile > 7 * 86400) r.fail("providers", "unknown_delivery_seconds", "must be 10..604800");
  c.providers.outbox.reconcile_after = std::chrono::seconds(reconcile);
  std::int64_t attempts = c.providers.outbox.retry.max_attempts;
  r.get("providers", "send_attempts", attempts);
  if (attempts < 1 || attempts > 100) r.fail("providers", "send_attempts", "must be 1..100");
  c.providers.outbox.retry.max_attempts = static_cast<int>(attempts);
  r.strings("providers", "gupshup_allowed_addresses", c.providers.webhooks.gupshup_allow);
  r.get("providers", "media_private_addresses", c.providers.media_private_addresses);
  std::int64_t webhook_kb = static_cast<std::int64_t>(c.providers.webhooks.max_body_bytes >> 10);
  r.get("providers", "webhook_max_kb", webhook_kb);
  if (webhook_kb < 1 || webhook_kb > 65536) r.fail("providers", "webhook_max_kb", "must be 1..65536");
  c.providers.webhooks.max_body_bytes = static_cast<std::uint64_t>(webhook_kb) << 10;

  r.get("sip", "enabled", c.sip.enabled);
  r.get("sip", "listen_address", c.sip.address);
  std::int64_t sip_port = c.sip.port;
  r.get("sip", "port", sip_port);
  if (sip_port > 65535) r.fail("sip", "port", "must be 0..65535");
  c.sip.port = static_cast<std::uint16_t>(sip_port);
  r.get("sip", "transports", c.sip.transports);
  r.get("sip", "realm", c.sip.realm);
  r.seconds("sip", "min_expires_seconds", c.sip.min_expires);
  r.seconds("sip", "max_expires_seconds", c.sip.max_expires);
  std::int64_t sip_failures = c.sip.auth_failures_per_minute;
  r.get("sip", "auth_failures_per_minute", sip_failures);
  if (sip_failures < 1 || sip_failures > 1000) r.fail("sip", "auth_failures_per_minute", "must be 1..1000");
  c.sip.auth_failures_per_minute = static_cast<int>(sip_failures);
  c.auth.sip_realm = c.sip.realm;
  r.get("sip", "media_address", c.sip.media_address);
  std::int64_t rtp_min = c.sip.rtp_port_min, rtp_max = c.sip.rtp_port_max;
  r.get("sip", "rtp_port_min", rtp_min);
  r.get("sip", "rtp_port_max", rtp_max);
  if (rtp_min < 1024 || rtp_max > 65535 || rtp_min + 2 > rtp_max)
    r.fail("sip", "rtp_port_min", "and rtp_port_max must be a range within 1024..65535 with room for a call");
  c.sip.rtp_port_min = static_cast<std::uint16_t>(rtp_min);
  c.sip.rtp_port_max = static_cast<std::uint16_t>(rtp_max);
  r.get("sip", "music_dir", c.sip.music_dir);
  // A relative folder is relative to the configuration file.
  if (!path.empty() && !c.sip.music_dir.empty() && c.sip.music_dir.front() != '/') {
    const auto slash = path.find_last_of('/');
    c.sip.music_dir = (slash == std::string::npos ? std::string(".") : path.substr(0, slash)) + "/" + c.sip.music_dir;
  }
  r.get("sip", "hold_music", c.sip.hold_music);
  r.get("sip", "trunk", c.sip.trunk);
  if (c.sip.trunk.rfind("sip:", 0) == 0) c.sip.trunk = c.sip.trunk.substr(4);
  if (c.sip.trunk.find_first_of(" @;<>\"") != std::string::npos)
    r.fail("sip", "trunk", "must be host[:port] (or sip:host[:port]) of the outbound trunk");
  r.seconds("sip", "outbound_answer_timeout_seconds", c.sip.outbound_answer_timeout);
  if (c.sip.outbound_answer_timeout.count() < 1 || c.sip.outbound_answer_timeout.count() > 600)
    r.fail("sip", "outbound_answer_timeout_seconds", "must be 1..600");
  std::int64_t max_calls = static_cast<std::int64_t>(c.sip.max_calls);
  r.get("sip", "max_calls", max_calls);
  if (max_calls < 1 || max_calls > 100000) r.fail("sip", "max_calls", "must be 1..100000");
  c.sip.max_calls = static_cast<std::size_t>(max_calls);
  r.get("sip", "trunk_addresses", c.sip.trunk_addresses);
  if (std::string why; !media::AddressList::parse(c.sip.trunk_addresses, &why))
    r.fail("sip", "trunk_addresses", why);
  std::int64_t invites = static_cast<std::int64_t>(c.sip.unknown_source_invites_per_minute);
  r.get("sip", "unknown_source_invites_per_minute", invites);
  if (invites > 100000) r.fail("sip", "unknown_source_invites_per_minute", "must be 0..100000");
  c.sip.unknown_source_invites_per_minute = static_cast<std::size_t>(invites);
  r.seconds("sip", "rtp_inactivity_timeout_seconds", c.sip.rtp_inactivity_timeout);
  if (c.sip.rtp_inactivity_timeout.count() > 86400) r.fail("sip", "rtp_inactivity_timeout_seconds", "must be 0..86400");
  std::int64_t grace_ms = c.sip.rtp_nat_port_grace.count();
  r.get("sip", "rtp_nat_port_grace_ms", grace_ms);
  if (grace_ms > 60000) r.fail("sip", "rtp_nat_port_grace_ms", "must be 0..60000");
  c.sip.rtp_nat_port_grace = std::chrono::milliseconds(grace_ms);
  // What one peer may take from the SIP side (issue 11).
  {
    auto bounded = [&](const char* key, std::int64_t value, std::int64_t min, std::int64_t max) {
      r.get("sip", key, value);
      if (value < min || value > max)
        r.fail("sip", key, "must be " + std::to_string(min) + ".." + std::to_string(max));
      return value;
    };
    auto& tcp = c.sip.tcp;
    tcp.idle_timeout = std::chrono::seconds(bounded(
        "tcp_idle_timeout_seconds", std::chrono::duration_cast<std::chrono::seconds>(tcp.idle_timeout).count(), 1, 86400));
    tcp.incomplete_timeout = std::chrono::seconds(bounded(
        "tcp_incomplete_timeout_seconds",
        std::chrono::duration_cast<std::chrono::seconds>(tcp.incomplete_timeout).count(), 1, 600));
    tcp.max_message_bytes = static_cast<std::size_t>(
        bounded("max_message_bytes", static_cast<std::int64_t>(tcp.max_message_bytes), 4096, 16 * 1024 * 1024));
    tcp.max_connections_per_source = static_cast<std::size_t>(bounded(
        "tcp_connections_per_source", static_cast<std::int64_t>(tcp.max_connections_per_source), 1, 100000));
    tcp.max_connections = static_cast<std::size_t>(
        bounded("tcp_max_connections", static_cast<std::int64_t>(tcp.max_connections), 1, 1000000));
    c.sip.auth.failures_per_name_per_minute = static_cast<int>(
        bounded("auth_failures_per_name_per_minute", c.sip.auth.failures_per_name_per_minute, 1, 100000));
  }

  auto& limits = c.auth.limits;
  r.get("limits", "connection_commands_per_second", limits.connection_per_second);
  r.get("limits", "connection_command_burst", limits.connection_burst);
  r.get("limits", "user_commands_per_second", limits.user_per_second);
  r.get("limits", "user_command_burst", limits.user_burst);
  std::int64_t login_failures = limits.login_failures;
  r.get("limits", "login_failures_per_minute", login_failures);
  limits.login_failures = static_cast<int>(login_failures);
  std::int64_t per_source = limits.login_failures_per_source, per_login = limits.login_failures_per_login;
  r.get("limits", "login_failures_per_source_per_minute", per_source);
  r.get("limits", "login_failures_per_login_per_minute", per_login);
  if (per_source < 1 || per_source > 100000) r.fail("limits", "login_failures_per_source_per_minute", "must be 1..100000");
  if (per_login < 1 || per_login > 100000) r.fail("limits", "login_failures_per_login_per_minute", "must be 1..100000");
  limits.login_failures_per_source = static_cast<int>(per_source);
  limits.login_failures_per_login = static_cast<int>(per_login);

  r.get("log", "level", c.log_level);
  r.get("log", "target", c.log_target);
  r.reject_unknown();

  if (const char* url = std::getenv("CONTACTD_DATABASE_URL")) c.database_url = url;
  if (const char* level = std::getenv("CONTACTD_LOG_LEVEL")) c.log_level = level;
  if (const char* music = std::getenv("CONTACTD_MUSIC_DIR")) c.sip.music_dir = music;
  if (const char* media = std::getenv("CONTACTD_MEDIA_DIR")) c.media.directory = media;

  const std::string file = path.empty() ? "(defaults)" : path;
  require(c.server.max_frame_bytes >= 1024 && c.server.max_frame_bytes <= 64 * 1024 * 1024,
          file + ": server.max_frame_bytes must be between 1024 and 67108864");
  require(c.server.idle_timeout.count() >= 2, file + ": server.idle_timeout_seconds must be at least 2");
  require(c.server.handshake_timeout.count() >= 1, file + ": server.handshake_timeout_seconds must be at least 1");
  require(c.server.login_timeout.count() >= 1, file + ": server.login_timeout_seconds must be at least 1");
  require(c.server.max_unauthenticated_per_address == 0 || c.server.max_unauthenticated_connections == 0 ||
              c.server.max_unauthenticated_per_address <= c.server.max_unauthenticated_connections,
          file + ": server.max_unauthenticated_per_address must not exceed server.max_unauthenticated_connections");
  require(c.server.write_queue_max_frames >= 16, file + ": server.write_queue_max_frames must be at least 16");
  require(c.server.write_queue_max_frames > c.streams.buffer_events,
          file + ": server.write_queue_max_frames must exceed server.resume_buffer_events (a resume replays that many)");
  require(c.io_threads >= 1 && c.io_threads <= 64, file + ": server.io_threads must be 1..64");
  require(c.worker_threads >= 1 && c.worker_threads <= 64, file + ": server.worker_threads must be 1..64");
  require(c.webchat.resume_window.count() >= 1 && c.webchat.resume_window.count() <= 3600,
          file + ": webchat.resume_seconds must be 1..3600");
  require(c.webchat.abandon_after.count() >= 1 && c.webchat.abandon_after <= c.webchat.resume_window,
          file + ": webchat.abandon_seconds must be 1..webchat.resume_seconds");
  require(wl.connection_messages.per_second >= 1 && wl.connection_messages.burst >= 1 &&
              wl.address_messages.per_second >= 1 && wl.address_messages.burst >= 1 && starts >= 1 &&
              address_starts >= 1,
          file + ": webchat: rates and bursts must be at least 1");
  require(wl.tracked_addresses >= 1, file + ": webchat.tracked_addresses must be at least 1");
  require(limits.connection_per_second > 0 && limits.user_per_second > 0 && limits.connection_burst >= 1 &&
              limits.user_burst >= 1,
          file + ": limits: rates must be positive and bursts at least 1");
  require(login_failures >= 1 && login_failures <= 1000, file + ": limits.login_failures_per_minute must be 1..1000");
  require(ttl_seconds >= 1, file + ": auth.session_ttl_seconds must be at least 1");
  require(c.sip.transports == "udp" || c.sip.transports == "tcp" || c.sip.transports == "udp,tcp",
          file + ": sip.transports must be udp, tcp or udp,tcp");
  require(!c.sip.realm.empty() && c.sip.realm.find_first_of("\"\\\r\n") == std::string::npos,
          file + ": sip.realm must be a non-empty name without quotes or backslashes");
  require(c.sip.min_expires.count() >= 1 && c.sip.max_expires >= c.sip.min_expires,
          file + ": sip.min_expires_seconds must be at least 1 and at most sip.max_expires_seconds");
  require(ops >= 1 && mem_kib >= 8, file + ": auth.argon2_opslimit must be >= 1 and argon2_memlimit_kib >= 8");
  static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
  require(levels.count(c.log_level) > 0, file + ": log.level must be one of trace, debug, info, warn, error, critical, off");
  require(c.log_target == "auto" || c.log_target == "stderr" || c.log_target == "journal",
          file + ": log.target must be auto, stderr or journal");
  return c;
}

}  // namespace contactd::app

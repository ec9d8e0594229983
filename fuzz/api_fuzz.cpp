// Fuzz target: the API envelope and dispatcher (api::Dispatcher::on_frame),
// the path every WebSocket frame on /ws takes.
//
// Input: byte 0 picks who the connection is (0 nobody, 1 agent ana,
// 2 supervisor sam, 3 administrator alice: logged in with a real Login frame
// first); the rest is one or more frames separated by "\n--\n", each given
// to on_frame as a binary frame, the engine's work run to completion after
// each. History queries reach no database: they answer UNAVAILABLE.
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "api/dispatcher.h"
#include "api/streams.h"
#include "contactd/v1/envelope.pb.h"
#include "host/engine_host.h"
#include "in_process.h"
#include "store/history.h"

namespace {

using namespace contactd;

std::string login_frame(const std::string& login) {
  v1::Envelope envelope;
  envelope.set_request_id(1);
  envelope.mutable_command()->mutable_login()->set_login(login);
  envelope.mutable_command()->mutable_login()->set_password(login);
  return envelope.SerializeAsString();
}

// A frame the dispatcher sent is always an Envelope that parses.
void check_frames(const fuzz::CollectingPeer& peer) {
  for (const auto& f : peer.frames) {
    v1::Envelope e;
    if (!f || !e.ParseFromString(*f)) std::abort();
  }
}

}  // namespace

// Logging would only slow the run down: libFuzzer reports what matters.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static boost::asio::thread_pool workers(1);
  static store::HistoryReader history("postgresql:///contactd_fuzz?host=/nonexistent/contactd-fuzz&connect_timeout=1");

  core::ManualClock clock(core::from_unix_ms(1'790'000'000'000));
  fuzz::Directory directory = fuzz::make_directory(clock.now());
  fuzz::InlineJournal journal;
  boost::asio::io_context io;
  api::StreamRegistry streams(api::StreamOptions{}, clock, std::move(directory.audiences));
  {
    host::EngineHost host(io, std::move(directory.engine), clock, journal, streams);
    api::DispatcherOptions options;
    options.password_cost = auth::PasswordCost{1, 8192};
    api::Dispatcher dispatcher(host, streams, workers, history, clock, options, &workers);  // drain() waits for it
    host.start();
    fuzz::drain(io, &workers);

    auto peer = std::make_shared<fuzz::CollectingPeer>(1);
    static const char* const logins[] = {nullptr, "ana", "sam", "alice"};
    if (const char* login = logins[data[0] % 4]) {
      dispatcher.on_frame(peer, login_frame(login), true);
      fuzz::drain(io, &workers);
      if (!peer->authenticated) std::abort();  // the harness's own login must work
      peer->frames.clear();
    }
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    for (std::string_view frame : fuzz::split(input, "\n--\n")) {
      if (peer->closed) break;
      dispatcher.on_frame(peer, frame, true);
      fuzz::drain(io, &workers);
      clock.advance(std::chrono::milliseconds(10));
    }
    dispatcher.on_closed(peer);
    host.stop();
    fuzz::drain(io, &workers);
    check_frames(*peer);
  }
  return 0;
}

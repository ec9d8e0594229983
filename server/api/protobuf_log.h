#pragma once
// Routes libprotobuf's own log messages (e.g. "String field ... contains
// invalid UTF-8 data" on every bad frame a client sends) to spdlog, at most
// one line per interval with the number of messages it stands for.
namespace contactd::api {

// Installs the handler once per process; later calls do nothing.
void install_protobuf_log_handler();

}  // namespace contactd::api

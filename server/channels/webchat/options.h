#pragma once
// The WebChat channel's settings ([webchat] in the configuration).
#include <chrono>

#include "channels/webchat/limits.h"

namespace contactd::channels {

struct WebChatOptions {
  // A customer whose connection drops may resume within this time; after
  // it, the customer has left.
  std::chrono::seconds resume_window{60};
  // R-IN-6: a conversation no agent holds is closed as abandoned when its
  // customer has been away this long (at most resume_window: past that the
  // customer has left, which abandons it at once). The configuration's
  // default is resume_window.
  std::chrono::seconds abandon_after{60};
  WebChatLimits limits;
};

}  // namespace contactd::channels

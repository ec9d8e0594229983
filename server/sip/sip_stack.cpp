#include "sip/sip_stack.h"

#include <sofia-sip/nta_tag.h>
#include <sofia-sip/su_tag_io.h>

#include <chrono>
#include <stdexcept>

namespace contactd::sip {
namespace {

// su_init() once per process; sofia also sets SIGPIPE to SIG_IGN there.
void init_sofia() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (su_init() != 0) throw std::runtime_error("sofia-sip: su_init failed");
  });
}

// A posted closure travels in the message's data as a heap pointer; the
// deinitializer frees it whether the message was delivered or discarded.
using Work = std::function<void()>;
void run_work(su_root_magic_t*, su_msg_r, su_msg_arg_t* arg) {
  auto** work = static_cast<Work**>(static_cast<void*>(arg));
  if (*work) (**work)();
}
void free_work(su_msg_arg_t* arg) {
  auto** work = static_cast<Work**>(static_cast<void*>(arg));
  delete *work;
  *work = nullptr;
}

}  // namespace

SipStack::SipStack(StackOptions options, EventHandler handler) : handler_(std::move(handler)) {
  init_sofia();
  thread_ = std::thread([this, options] { run(options); });
  std::unique_lock lock(mu_);
  started_.wait(lock, [&] { return accepting_ || !start_error_.empty(); });
  if (!start_error_.empty()) {
    lock.unlock();
    thread_.join();
    throw std::runtime_error(start_error_);
  }
}

SipStack::~SipStack() { stop(); }

void SipStack::run(const StackOptions& options) {
  root_ = su_root_create(this);  // the root belongs to the thread that creates it
  auto fail = [this](std::string why) {
    std::lock_guard guard(mu_);
    start_error_ = std::move(why);
    started_.notify_all();
  };
  if (!root_) return fail("sofia-sip: cannot create the event loop");
  su_root_threading(root_, 0);  // the stack runs here, not on a hidden clone thread
  // Both transports: no transport parameter (sofia binds UDP and TCP on one
  // port). Seen here: ";transport=udp,tcp" crashed inside tport_tbind in the
  // daemon (never in a small program), so the list form is not used.
  std::string url = "sip:" + options.address + ":" + std::to_string(options.port);
  if (options.transports != "udp,tcp") url += ";transport=" + options.transports;
  nua_ = nua_create(root_, &SipStack::on_event, this, NUTAG_URL(url.c_str()),
                    SIPTAG_ALLOW_STR(options.allow.c_str()), NUTAG_APPL_METHOD(options.handled.c_str()),
                    SIPTAG_SUPPORTED_STR("timer"),  // no 100rel
                    NUTAG_MEDIA_ENABLE(0), NUTAG_AUTOANSWER(0), NUTAG_AUTOALERT(0), NUTAG_AUTOACK(1),
                    NUTAG_ENABLEINVITE(options.handled.find("INVITE") != std::string::npos), NUTAG_SESSION_TIMER(0),
                    NUTAG_RETRY_COUNT(options.retry_count),
                    NUTAG_USER_AGENT(options.user_agent.c_str()), TAG_END());
  if (!nua_) {
    su_root_destroy(root_);
    root_ = nullptr;
    return fail("cannot listen for SIP on " + url);
  }
  nua_get_params(nua_, NTATAG_CONTACT(nullptr), TAG_END());  // answered by nua_r_get_params: the bound port
  // Wait by the clock: a step may return at once (a due timer), so a count
  // of steps is no bound on time.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (port_ == 0 && std::chrono::steady_clock::now() < deadline) su_root_step(root_, 10);
  if (port_ == 0) {
    // nua_destroy requires a completed shutdown (sofia asserts it).
    nua_shutdown(nua_);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!shut_down_ && std::chrono::steady_clock::now() < give_up) su_root_step(root_, 10);
    nua_destroy(nua_);
    nua_ = nullptr;
    su_root_destroy(root_);
    root_ = nullptr;
    return fail("sofia-sip did not report the bound SIP port");
  }
  {
    std::lock_guard guard(mu_);
    accepting_ = true;
    started_.notify_all();
  }
  su_root_run(root_);  // until nua_r_shutdown breaks it
  {
    std::lock_guard guard(mu_);
    accepting_ = false;  // no post() may reach the root from now on
  }
  nua_destroy(nua_);
  nua_ = nullptr;
  su_root_destroy(root_);
  root_ = nullptr;
}

bool SipStack::post(std::function<void()> work) {
  std::lock_guard guard(mu_);
  if (!accepting_) return false;
  su_msg_r msg = SU_MSG_R_INIT;
  if (su_msg_create(msg, su_root_task(root_), su_task_null, run_work, sizeof(Work*)) != 0) return false;
  *static_cast<Work**>(static_cast<void*>(su_msg_data(msg))) = new Work(std::move(work));
  su_msg_deinitializer(msg, free_work);
  return su_msg_send(msg) == 0;
}

void SipStack::stop() {
  if (!thread_.joinable()) return;
  post([this] { nua_shutdown(nua_); });
  thread_.join();
}

void SipStack::on_event(nua_event_t event, int status, const char* phrase, nua_t*, nua_magic_t* magic,
                        nua_handle_t* handle, nua_hmagic_t* handle_magic, const sip_t* sip, tagi_t tags[]) {
  auto* self = static_cast<SipStack*>(magic);
  if (event == nua_r_get_params) {
    const sip_contact_t* contact = nullptr;
    tl_gets(tags, NTATAG_CONTACT_REF(contact), TAG_END());
    // sofia leaves the port out of the URL when it is SIP's default, 5060.
    if (contact) self->port_ = contact->m_url->url_port ? static_cast<std::uint16_t>(std::stoi(contact->m_url->url_port)) : 5060;
    return;
  }
  if (event == nua_r_shutdown) {
    if (status >= 200) {  // 100/101: still closing calls
      self->shut_down_ = true;
      su_root_break(self->root_);
    }
    return;
  }
  if (self->handler_) self->handler_(event, status, phrase, handle, handle_magic, sip, tags);
}

}  // namespace contactd::sip

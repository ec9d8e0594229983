#pragma once
// Meta WhatsApp Cloud API codec, as pure functions: webhooks in
// (meta_webhook.h) and requests out (meta_send.h). Include the one you need;
// this header brings both.
#include "channels/whatsapp/meta_send.h"
#include "channels/whatsapp/meta_webhook.h"

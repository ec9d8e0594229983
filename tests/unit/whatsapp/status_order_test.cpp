// The order in which provider delivery states replace each other
// (status_order.h; channels.md §1.4 and §7.2).
#include <catch2/catch.hpp>

#include "channels/whatsapp/provider_types.h"
#include "channels/whatsapp/status_order.h"

using namespace contactd::channels::whatsapp;

TEST_CASE("R-MSG-5 statuses only move forward: enqueued < sent < delivered < read < played") {
  CHECK(status_rank(DeliveryStatus::enqueued) < status_rank(DeliveryStatus::sent));
  CHECK(status_rank(DeliveryStatus::sent) < status_rank(DeliveryStatus::delivered));
  CHECK(status_rank(DeliveryStatus::delivered) < status_rank(DeliveryStatus::read));
  CHECK(status_rank(DeliveryStatus::read) < status_rank(DeliveryStatus::played));
  CHECK(status_rank(DeliveryStatus::failed) == -1);

  CHECK(merge_status(std::nullopt, DeliveryStatus::sent) == DeliveryStatus::sent);
  CHECK(merge_status(DeliveryStatus::sent, DeliveryStatus::delivered) == DeliveryStatus::delivered);
  CHECK(merge_status(DeliveryStatus::sent, DeliveryStatus::read) == DeliveryStatus::read);  // read without delivered
  CHECK(merge_status(DeliveryStatus::read, DeliveryStatus::played) == DeliveryStatus::played);
  CHECK_FALSE(merge_status(DeliveryStatus::delivered, DeliveryStatus::sent));  // late
  CHECK_FALSE(merge_status(DeliveryStatus::read, DeliveryStatus::delivered));
  CHECK_FALSE(merge_status(DeliveryStatus::read, DeliveryStatus::read));  // duplicate
}

TEST_CASE("R-MSG-5 failed applies only before delivery, and delivery overrides failed") {
  CHECK(merge_status(DeliveryStatus::enqueued, DeliveryStatus::failed) == DeliveryStatus::failed);
  CHECK(merge_status(DeliveryStatus::sent, DeliveryStatus::failed) == DeliveryStatus::failed);
  CHECK(merge_status(std::nullopt, DeliveryStatus::failed) == DeliveryStatus::failed);
  CHECK_FALSE(merge_status(DeliveryStatus::delivered, DeliveryStatus::failed));
  CHECK_FALSE(merge_status(DeliveryStatus::read, DeliveryStatus::failed));
  CHECK_FALSE(merge_status(DeliveryStatus::failed, DeliveryStatus::failed));
  CHECK_FALSE(merge_status(DeliveryStatus::failed, DeliveryStatus::sent));
  CHECK(merge_status(DeliveryStatus::failed, DeliveryStatus::delivered) == DeliveryStatus::delivered);
  CHECK(merge_status(DeliveryStatus::failed, DeliveryStatus::read) == DeliveryStatus::read);
}

TEST_CASE("A customer's deleted message is not a delivery state of ours") {
  CHECK_FALSE(merge_status(std::nullopt, DeliveryStatus::deleted));
  CHECK_FALSE(merge_status(DeliveryStatus::sent, DeliveryStatus::deleted));
  CHECK(delivery_status_from("played") == DeliveryStatus::played);
  CHECK_FALSE(delivery_status_from("Delivered"));
  CHECK(to_string(DeliveryStatus::enqueued) == "enqueued");
}

TEST_CASE("A send without an answer is retried only when the request never left") {
  const SendOutcome refused = transport_failure(false, "connection refused");
  CHECK(refused.kind == SendOutcome::Kind::retryable);
  CHECK(refused.error_title == "connection refused");
  CHECK(transport_failure(true, "timed out after 10 s").kind == SendOutcome::Kind::unknown);
}

// The admission gate: how many generations run and wait, and the
// Retry-After it derives from how long they hold their slots.
#include "generation/admission.h"

#include <gtest/gtest.h>

namespace nymph {
namespace {

TEST(AdmissionGate, RefusesBeyondActivePlusQueued) {
  AdmissionGate gate(1, 1);
  auto running = gate.TryEnter();
  ASSERT_TRUE(running);
  running->Wait();
  auto waiting = gate.TryEnter();
  ASSERT_TRUE(waiting);
  EXPECT_EQ(gate.TryEnter(), nullptr);
  EXPECT_EQ(gate.active(), 1);
  EXPECT_EQ(gate.queued(), 1);
  EXPECT_EQ(gate.rejected(), 1u);
  waiting.reset();  // leaves the queue without running
  EXPECT_EQ(gate.queued(), 0);
  EXPECT_TRUE(gate.TryEnter());
}

TEST(AdmissionGate, RetryAfterIsEmptyUntilASlotHasBeenHeld) {
  AdmissionGate gate(2, 4);
  EXPECT_FALSE(gate.RetryAfterSeconds());
  auto ticket = gate.TryEnter();
  ticket->Wait();
  EXPECT_FALSE(gate.RetryAfterSeconds()) << "still running";
  ticket.reset();
  ASSERT_TRUE(gate.RetryAfterSeconds());
  EXPECT_GE(*gate.RetryAfterSeconds(), 1);
}

TEST(AdmissionGate, PlaceFreesAfterTheMeanHoldOverTheSlots) {
  // Two slots each held 3 s on average: one frees every 1.5 s, so 2 s.
  EXPECT_EQ(AdmissionGate::SecondsUntilAPlaceFrees(3.0, 2), 2);
  EXPECT_EQ(AdmissionGate::SecondsUntilAPlaceFrees(10.0, 1), 10);
  EXPECT_EQ(AdmissionGate::SecondsUntilAPlaceFrees(12.0, 4), 3);
  // Never below a second, the header's unit.
  EXPECT_EQ(AdmissionGate::SecondsUntilAPlaceFrees(0.2, 2), 1);
  EXPECT_EQ(AdmissionGate::SecondsUntilAPlaceFrees(0.0, 2), 1);
}

}  // namespace
}  // namespace nymph

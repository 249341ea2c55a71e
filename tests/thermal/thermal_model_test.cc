// Identification against a first-order card simulated here with known
// parameters, and forecasts against that card's own trajectory.
#include "thermal/thermal_model.h"

#include <gtest/gtest.h>

#include <cmath>

namespace nymph::thermal {
namespace {

// dx/dt = a·P - (b + c·f)·x with constant inputs over each second, solved
// exactly: x(t+1) = xs + (x - xs)·exp(-(b + c·f)).
struct FirstOrderCard {
  double a = 0.008, b = 0.004, c = 0.006, ambient = 30, x = 0;
  void Second(double power, double fan) {
    double rate = b + c * fan;
    double xs = a * power / rate;
    x = xs + (x - xs) * std::exp(-rate);
  }
};

// Power and fan switch on periods that share no common factor, so every
// combination of inputs occurs.
double PowerAt(int t) { return (t / 150) % 2 ? 25 : 5; }
double FanAt(int t) {
  return (t / 110) % 3 == 0 ? 0.2 : (t / 110) % 3 == 1 ? 0.9 : 0.5;
}

TEST(ThermalModel, Identification_RecoversKnownParameters) {
  FirstOrderCard card;
  ThermalModel model;
  for (int t = 0; t < 4000; ++t) {
    model.Observe(
        {double(t), card.ambient + card.x, card.ambient, PowerAt(t), FanAt(t)});
    card.Second(PowerAt(t), FanAt(t));
  }
  ASSERT_TRUE(model.ready());
  ThermalParams p = model.params();
  EXPECT_NEAR(p.a, card.a, 0.02 * card.a);
  EXPECT_NEAR(p.b, card.b, 0.03 * card.b);
  EXPECT_NEAR(p.c, card.c, 0.03 * card.c);
}

TEST(ThermalModel, QuantizedSensor_StillCloseEnough) {
  FirstOrderCard card;
  ThermalModel model;
  for (int t = 0; t < 6000; ++t) {
    double sensed = std::round((card.ambient + card.x) * 10) / 10;
    model.Observe({double(t), sensed, card.ambient, PowerAt(t), FanAt(t)});
    card.Second(PowerAt(t), FanAt(t));
  }
  ThermalParams p = model.params();
  EXPECT_NEAR(p.a, card.a, 0.15 * card.a);
  EXPECT_NEAR(p.b + 0.5 * p.c, card.b + 0.5 * card.c,
              0.15 * (card.b + 0.5 * card.c));
}

TEST(ThermalModel, Forecast_MatchesTheCardsTrajectory) {
  FirstOrderCard card;
  ThermalModel model;
  for (int t = 0; t < 4000; ++t) {
    model.Observe(
        {double(t), card.ambient + card.x, card.ambient, PowerAt(t), FanAt(t)});
    card.Second(PowerAt(t), FanAt(t));
  }
  double now = card.ambient + card.x;
  double forecast = model.ForecastC(now, card.ambient, 20, 0.4, 60);
  for (int s = 0; s < 60; ++s) card.Second(20, 0.4);
  EXPECT_NEAR(forecast, card.ambient + card.x, 0.2);
  // Steady state from the card's own formula: a·P / (b + c·f).
  double steady = card.ambient + card.a * 20 / (card.b + card.c * 0.4);
  EXPECT_NEAR(model.SteadyStateC(card.ambient, 20, 0.4), steady, 0.5);
  double duty = model.FanForSteadyState(card.ambient, 20, steady);
  EXPECT_NEAR(duty, 0.4, 0.03);
}

TEST(ThermalModel, FewSamples_NotReady) {
  ThermalModel model;
  for (int t = 0; t < 10; ++t) model.Observe({double(t), 40, 30, 10, 0.5});
  EXPECT_FALSE(model.ready());
}

TEST(ThermalModel, Gap_StartsANewPairInsteadOfAHugeStep) {
  ThermalModel model;
  model.Observe({0, 40, 30, 10, 0.5});
  ThermalParams before = model.params();
  // 100 s later and 20 °C hotter: not a derivative to learn from.
  model.Observe({100, 60, 30, 10, 0.5});
  EXPECT_EQ(model.samples(), 0);
  EXPECT_DOUBLE_EQ(model.params().a, before.a);
}

}  // namespace
}  // namespace nymph::thermal

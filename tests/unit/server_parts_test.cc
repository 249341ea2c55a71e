// Router, bearer auth, error mapping and metrics rendering: the server's
// parts that need no socket.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/api_error.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/router.h"

namespace nymph {
namespace {

Handler Named(const std::string& name) {
  return [name](const ApiRequest&) {
    ApiResponse response;
    response.body = name;
    return response;
  };
}

TEST(Router, MatchesLiteralAndParameterRoutes) {
  Router router;
  router.Add("GET", "/models", Named("list"));
  router.Add("GET", "/models/{name}", Named("one"));
  router.Add("POST", "/infer", Named("infer"));
  Router::Match one = router.Find("GET", "/models/affine");
  ASSERT_NE(one.handler, nullptr);
  EXPECT_EQ((*one.handler)({}).body, "one");
  EXPECT_EQ(one.params.at("name"), "affine");
  EXPECT_EQ(one.pattern, "/models/{name}");
  EXPECT_EQ((*router.Find("GET", "/models").handler)({}).body, "list");
}

TEST(Router, UnknownPathIs404AndWrongMethodIs405WithAllowed) {
  Router router;
  router.Add("GET", "/kv/pin/{region}", Named("get"));
  router.Add("DELETE", "/kv/pin/{region}", Named("delete"));
  EXPECT_EQ(router.Find("GET", "/kv/pin").status, 404);
  EXPECT_EQ(router.Find("GET", "/kv/pin/").status, 404);
  EXPECT_EQ(router.Find("GET", "/kv/pin/a/b").status, 404);
  EXPECT_EQ(router.Find("GET", "relative").status, 404);
  Router::Match wrong = router.Find("POST", "/kv/pin/r1");
  EXPECT_EQ(wrong.handler, nullptr);
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.allowed, (std::vector<std::string>{"GET", "DELETE"}));
  // What a 404 tells the client exists.
  EXPECT_EQ(router.Listing(), "GET /kv/pin/{region}, DELETE /kv/pin/{region}");
}

TEST(BearerAuth, AcceptsOnlyTheExactBearerToken) {
  BearerAuth auth("s3cret-token-of-length");
  EXPECT_TRUE(auth.Accepts("Bearer s3cret-token-of-length"));
  EXPECT_FALSE(auth.Accepts("Bearer s3cret-token-of-lengt"));
  EXPECT_FALSE(auth.Accepts("Bearer s3cret-token-of-length "));
  EXPECT_TRUE(auth.Accepts("bearer s3cret-token-of-length"));
  EXPECT_FALSE(auth.Accepts("Bearer S3cret-token-of-length"));
  EXPECT_FALSE(auth.Accepts("s3cret-token-of-length"));
  EXPECT_FALSE(auth.Accepts(""));
  EXPECT_TRUE(BearerAuth("").Accepts(""));
}

TEST(ErrorResponse, MapsKindsToStatusAndSpecBody) {
  ApiResponse r = ErrorResponse(
      Status(ErrorKind::kUnprocessable, "dtype_mismatch", "use float32"));
  EXPECT_EQ(r.status, 422);
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["error"]["code"], "dtype_mismatch");
  EXPECT_EQ(body["error"]["message"], "use float32");
  EXPECT_EQ(HttpStatusOf(ErrorKind::kNotFound), 404);
  EXPECT_EQ(HttpStatusOf(ErrorKind::kOverloaded), 429);
  EXPECT_EQ(HttpStatusOf(ErrorKind::kUnavailable), 503);
}

TEST(HttpMetrics, HistogramBucketsAreCumulativeAndCountsAdd) {
  HttpMetrics metrics;
  metrics.Observe("POST", "/infer", 200, 0.0002);  // <= 0.00025
  metrics.Observe("POST", "/infer", 200, 0.003);   // <= 0.005
  metrics.Observe("POST", "/infer", 200, 7.0);     // only +Inf
  std::string text;
  metrics.Render(text);
  const std::string labels = R"(method="POST",route="/infer",status="200")";
  auto has = [&](const std::string& line) {
    return text.find(line + "\n") != std::string::npos;
  };
  EXPECT_TRUE(has("nymph_http_requests_total{" + labels + "} 3")) << text;
  EXPECT_TRUE(has("nymph_http_request_duration_seconds_bucket{" + labels +
                  ",le=\"0.0001\"} 0"));
  EXPECT_TRUE(has("nymph_http_request_duration_seconds_bucket{" + labels +
                  ",le=\"0.00025\"} 1"));
  EXPECT_TRUE(has("nymph_http_request_duration_seconds_bucket{" + labels +
                  ",le=\"0.005\"} 2"));
  EXPECT_TRUE(has("nymph_http_request_duration_seconds_bucket{" + labels +
                  ",le=\"5\"} 2"));
  EXPECT_TRUE(has("nymph_http_request_duration_seconds_bucket{" + labels +
                  ",le=\"+Inf\"} 3"));
  EXPECT_TRUE(
      has("nymph_http_request_duration_seconds_sum{" + labels + "} 7.0032"));
}

}  // namespace
}  // namespace nymph

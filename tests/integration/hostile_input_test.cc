// Every kind of bad request gets SPEC's error shape with a fitting status,
// and the daemon keeps serving: each bad request is followed by a valid one.
#include <gtest/gtest.h>

#include <fstream>

#include "support/cases.h"
#include "support/daemon.h"
#include "support/http.h"
#include "support/raw_socket.h"

namespace nymph::testing {
namespace {

struct BadRequest {
  std::string label;
  std::string method;
  std::string path;
  std::string body;
  int status;
  std::string code;  // expected error.code; empty: any
};

std::string AffineBody(const std::string& x) {
  return R"({"model":"affine","inputs":{"x":)" + x + "}}";
}

const std::vector<BadRequest>& BadRequests() {
  static const std::vector<BadRequest> requests = {
      {"not json", "POST", "/infer", "{bad", 400, "invalid_json"},
      {"empty body", "POST", "/infer", "", 400, "invalid_json"},
      {"json array", "POST", "/infer", "[1,2]", 400, "invalid_json"},
      {"truncated", "POST", "/infer", R"({"model":"affine","inp)", 400,
       "invalid_json"},
      {"invalid utf8", "POST", "/infer", "{\"model\":\"\xff\xfe\"}", 400,
       "invalid_json"},
      {"model not string", "POST", "/infer", R"({"model":7,"inputs":{}})", 400,
       "invalid_request"},
      {"inputs not object", "POST", "/infer",
       R"({"model":"affine","inputs":[1]})", 400, "invalid_request"},
      {"unknown field", "POST", "/infer",
       R"({"model":"affine","inputs":{},"extra":1})", 400, "invalid_request"},
      {"unknown model", "POST", "/infer", R"({"model":"nope","inputs":{}})",
       404, "model_not_found"},
      {"failed model", "POST", "/infer", R"({"model":"broken","inputs":{}})",
       409, "model_load_failed"},
      {"missing input", "POST", "/infer", R"({"model":"affine","inputs":{}})",
       422, "missing_input"},
      {"unknown input", "POST", "/infer",
       R"({"model":"affine","inputs":{"x":{"shape":[1,4],"dtype":"float32",)"
       R"("data":[1,2,3,4]},"z":{"shape":[1],"dtype":"float32","data":[1]}}})",
       422, "unknown_input"},
      {"wrong dtype", "POST", "/infer",
       AffineBody(R"({"shape":[1,4],"dtype":"int64","data":[1,2,3,4]})"), 422,
       "dtype_mismatch"},
      {"wrong rank", "POST", "/infer",
       AffineBody(R"({"shape":[4],"dtype":"float32","data":[1,2,3,4]})"), 422,
       "rank_mismatch"},
      {"fixed dim wrong", "POST", "/infer",
       AffineBody(R"({"shape":[2,2],"dtype":"float32","data":[1,2,3,4]})"), 422,
       "shape_mismatch"},
      {"count mismatch", "POST", "/infer",
       AffineBody(R"({"shape":[2,4],"dtype":"float32","data":[1,2,3,4]})"), 422,
       "shape_data_mismatch"},
      {"unknown dtype", "POST", "/infer",
       AffineBody(R"({"shape":[1,4],"dtype":"float8","data":[1,2,3,4]})"), 400,
       "invalid_tensor"},
      {"negative dim", "POST", "/infer",
       AffineBody(R"({"shape":[-1,4],"dtype":"float32","data":[]})"), 400,
       "invalid_tensor"},
      {"huge shape", "POST", "/infer",
       AffineBody(R"({"shape":[4294967296,4294967296],"dtype":"float32",)"
                  R"("data":[]})"),
       400, "invalid_tensor"},
      {"string element", "POST", "/infer",
       AffineBody(R"({"shape":[1,4],"dtype":"float32","data":[1,"2",3,4]})"),
       400, "invalid_tensor_data"},
      {"nested data", "POST", "/infer",
       AffineBody(R"({"shape":[1,4],"dtype":"float32","data":[[1,2,3,4]]})"),
       400, "invalid_tensor"},
      {"number beyond double", "POST", "/infer", R"({"junk":1e309})", 400,
       "invalid_json"},
      {"float32 overflow", "POST", "/infer",
       AffineBody(R"({"shape":[1,4],"dtype":"float32","data":[1e39,2,3,4]})"),
       400, "invalid_tensor_data"},
      {"shape not array", "POST", "/infer",
       AffineBody(R"({"shape":"1x4","dtype":"float32","data":[1,2,3,4]})"), 400,
       "invalid_tensor"},
      {"int out of range", "POST", "/infer",
       R"({"model":"uint8_invert","inputs":{"img":{"shape":[2,2,3],)"
       R"("dtype":"uint8","data":[0,1,2,3,4,5,6,7,8,9,10,256]}}})",
       400, "invalid_tensor_data"},
      {"float for int", "POST", "/infer",
       R"({"model":"uint8_invert","inputs":{"img":{"shape":[2,2,3],)"
       R"("dtype":"uint8","data":[0,1,2,3,4,5,6,7,8,9,10,1.5]}}})",
       400, "invalid_tensor_data"},
      {"empty batch is fine", "POST", "/infer",
       AffineBody(R"({"shape":[0,4],"dtype":"float32","data":[]})"), 200, ""},
      {"unknown route", "GET", "/nope", "", 404, "not_found"},
      {"unknown model path", "GET", "/models/nope", "", 404, "model_not_found"},
      {"wrong method", "DELETE", "/infer", "", 405, "method_not_allowed"},
      {"wrong method get infer", "GET", "/infer", "", 405,
       "method_not_allowed"},
      {"deep nesting", "POST", "/infer",
       std::string(30000, '[') + std::string(30000, ']'), 400, "invalid_json"},
  };
  return requests;
}

class HostileInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string config = TestTempDir() + "/hostile.toml";
    std::ofstream(config) << "[server]\nmax_body_bytes = 65536\n";
    daemon_ = new Daemon(
        {OwnTestDataDir() + "/models", false, {"--config", config}, {}, ""});
    ASSERT_TRUE(daemon_->Start()) << daemon_->log();
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(daemon_->Stop(SIGTERM), 0) << daemon_->log();
    delete daemon_;
  }

  // A known-good request; must succeed after any bad one.
  static void ExpectStillServing(httplib::Client& client) {
    auto cases = LoadCases(OwnTestDataDir());
    ASSERT_FALSE(cases.empty());
    Reply reply = PostJson(client, "/infer", cases[0].request);
    ASSERT_EQ(reply.status, 200) << reply.text;
    EXPECT_TRUE(OutputsMatch(reply.body.at("outputs"), cases[0].expected,
                             cases[0].rtol, cases[0].atol));
  }

  static Daemon* daemon_;
};

Daemon* HostileInputTest::daemon_ = nullptr;

TEST_F(HostileInputTest, EachBadRequest_GetsErrorJsonAndDaemonKeepsServing) {
  auto client = daemon_->Client();
  for (const BadRequest& bad : BadRequests()) {
    SCOPED_TRACE(bad.label);
    Reply reply = Send(*client, bad.method, bad.path, bad.body);
    ASSERT_EQ(reply.status, bad.status) << reply.text;
    if (bad.status >= 400) {
      ASSERT_TRUE(reply.body.contains("error")) << reply.text;
      EXPECT_FALSE(
          reply.body["error"].at("message").get<std::string>().empty());
      if (!bad.code.empty()) {
        EXPECT_EQ(reply.body["error"].at("code"), bad.code) << reply.text;
      }
    }
    ExpectStillServing(*client);
  }
}

TEST_F(HostileInputTest, WrongMethod_NamesAllowedMethods) {
  auto client = daemon_->Client();
  Reply reply = Send(*client, "PUT", "/models");
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(httplib::detail::get_header_value(reply.headers, "Allow", 0, ""),
            std::string("GET"));
}

TEST_F(HostileInputTest, BodyOverLimit_Gets413) {
  auto client = daemon_->Client();
  std::string body = AffineBody(R"({"shape":[1,4],"dtype":"float32","data":[)" +
                                std::string(70000, ' ') + "1,2,3,4]}");
  Reply reply = Send(*client, "POST", "/infer", body);
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.body["error"]["code"], "payload_too_large");
  auto fresh = daemon_->Client();
  ExpectStillServing(*fresh);
}

TEST_F(HostileInputTest, ChunkedBody_Gets411BeforeItIsRead) {
  RawConnection raw(daemon_->port());
  ASSERT_TRUE(raw.connected());
  // Announces an endless chunked body; the answer must come without it.
  raw.Write(
      "POST /infer HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
      "100000\r\n{");
  std::string response = raw.ReadAll(3.0);
  EXPECT_EQ(response.rfind("HTTP/1.1 411", 0), 0u) << response;
  EXPECT_NE(response.find("length_required"), std::string::npos);
  auto client = daemon_->Client();
  ExpectStillServing(*client);
}

TEST_F(HostileInputTest, FormEncodedBody_Gets415NamingTheHeader) {
  auto client = daemon_->Client();
  Reply reply = Send(*client, "POST", "/infer", std::string(9000, ' ') + "{}",
                     {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(reply.status, 415);
  EXPECT_NE(reply.body["error"]["message"].get<std::string>().find(
                "application/json"),
            std::string::npos);
}

TEST_F(HostileInputTest, HeadOnAGetRoute_IsServed) {
  auto client = daemon_->Client();
  auto res = client->Head("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(HostileInputTest, HostileMethodAndPath_CannotForgeMetricsOrLogs) {
  {
    RawConnection raw(daemon_->port());
    raw.Write("GE\"T /models/x%0aFAKE HTTP/1.1\r\nHost: x\r\n\r\n");
    raw.ReadAll(1.0);
  }
  auto client = daemon_->Client();
  Send(*client, "GET", "/models/x%0a2026-01-01T00:00:00.000 critical FAKE");
  Reply metrics = Send(*client, "GET", "/metrics");
  EXPECT_EQ(metrics.text.find("GE\""), std::string::npos);
  EXPECT_TRUE(daemon_->WaitForLog("/models/x\\x0a2026"));
  EXPECT_EQ(daemon_->log().find("\n2026-01-01T00:00:00.000 critical FAKE"),
            std::string::npos);
}

// This daemon runs with the default --board none.
TEST_F(HostileInputTest, ThermalRoutesWithoutABoard_SayHowToGetOne) {
  auto client = daemon_->Client();
  Reply status = Send(*client, "GET", "/thermal/status");
  EXPECT_EQ(status.status, 404);
  EXPECT_EQ(status.body["error"]["code"], "no_board") << status.text;
  EXPECT_NE(status.text.find("--board sim"), std::string::npos);
  Reply schedule = PostJson(*client, "/thermal/schedule",
                            {{"policy", "active"}, {"target_c", 55}});
  EXPECT_EQ(schedule.status, 404);
}

// `curl -X POST URL` sends no Content-Length; the answer must say so at
// once, not after the library's read time-out (5 s) as a bare 400.
TEST_F(HostileInputTest, PostWithoutContentLength_Gets411AtOnce) {
  RawConnection raw(daemon_->port());
  ASSERT_TRUE(raw.connected());
  raw.Write(
      "POST /v1/completions HTTP/1.1\r\nHost: x\r\n"
      "Connection: close\r\n\r\n");
  // The library's own answer, after its time-out, would be a bare 400.
  std::string answer = raw.ReadAll(8.0);
  EXPECT_EQ(answer.rfind("HTTP/1.1 411", 0), 0u) << answer;
  EXPECT_NE(answer.find("needs a Content-Length header"), std::string::npos)
      << answer;
  auto client = daemon_->Client();
  ExpectStillServing(*client);
}

TEST_F(HostileInputTest, GarbageOnTheSocket_DoesNotStopTheDaemon) {
  {
    RawConnection raw(daemon_->port());
    ASSERT_TRUE(raw.connected());
    raw.Write(std::string("\x16\x03\x01garbage\r\n\r\n\0\xff", 16));
    raw.ReadAll(2.0);
  }
  {
    // Headers promising a body that never comes, then a hang-up.
    RawConnection raw(daemon_->port());
    raw.Write(
        "POST /infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
        "\r\n{\"model\"");
  }
  auto client = daemon_->Client();
  ExpectStillServing(*client);
}

}  // namespace
}  // namespace nymph::testing

// Hostile Vault and Nomad responses: wrong types, nulls, huge arrays, deep nesting, invalid
// UTF-8, endless error lists, and HTTP bodies over the limit; each a clear error, never a crash.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <string>

#include "http/client_io.hpp"
#include "http/client_line_stream.hpp"
#include "nomad/codec.hpp"
#include "vault/codec.hpp"

namespace nc {
namespace {

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

template <class T>
void expectError(const Result<T>& r, const std::string& words, errc kind = errc::protocol_error) {
  ASSERT_FALSE(r) << "accepted; expected an error containing: " << words;
  EXPECT_TRUE(r.error().is(kind)) << r.error().message;
  EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().message;
  EXPECT_LT(r.error().message.size(), 4096u) << "unbounded message";
}

const std::string kDeep = repeat("[", 1000000);
const std::string kDeepObject = repeat("{\"a\":", 500000);

// --- Vault -------------------------------------------------------------------------------

TEST(VaultHostile, HealthWithWrongTypesNamesTheField) {
  expectError(vault::codec::decodeHealth(
                  200, R"({"initialized":"yes","sealed":false,"standby":false})", {}),
              "initialized");
}

TEST(VaultHostile, HealthBodyThatIsNotJson) {
  expectError(vault::codec::decodeHealth(200, "<html>proxy error</html>", {}), "invalid JSON");
}

TEST(VaultHostile, HealthRateLimitedWith429SaysSoNotAMissingField) {
  // A rate-limit quota on sys/health: Vault's error body on the code that means standby.
  auto r = vault::codec::decodeHealth(429, R"({"errors":["rate limit quota exceeded"]})", {});
  expectError(
      r, "GET sys/health: HTTP 429 Too Many Requests (rate limited): rate limit quota exceeded",
      errc::unavailable);
  EXPECT_EQ(r.error().message.find("initialized"), std::string::npos) << r.error().message;
  // Without error texts, and on other calls, the 429 is still named.
  expectError(vault::codec::decodeHealth(429, R"({"errors":[]})", {}),
              "HTTP 429 Too Many Requests (rate limited) (no error text)", errc::unavailable);
  expectError(vault::codec::decodeHealth(503, R"({"errors":["Vault is sealed"]})", {}),
              "HTTP 503: Vault is sealed", errc::unavailable);
  EXPECT_TRUE(vault::codec::responseError("read role", 429, "").is(errc::unavailable));
  EXPECT_EQ(vault::codec::responseError("read role", 429, "").message,
            "vault: read role: HTTP 429 Too Many Requests (rate limited)");
  // A real standby's 429 still decodes as a health body.
  auto standby =
      vault::codec::decodeHealth(429, R"({"initialized":true,"sealed":false,"standby":true})", {});
  ASSERT_TRUE(standby) << standby.error().message;
  EXPECT_EQ(standby->state, vault::HealthState::standby);
}

TEST(VaultHostile, PkiRoleDataNull) {
  expectError(vault::codec::decodePkiRole(R"({"data":null})"), "data");
}

TEST(VaultHostile, IssuedCertificateWithNumberForPem) {
  expectError(vault::codec::decodeIssued(
                  R"({"data":{"certificate":5,"private_key":"x","serial_number":"1"}})"),
              "certificate");
}

TEST(VaultHostile, IssuedCertificateMissingPrivateKey) {
  expectError(vault::codec::decodeIssued(R"({"data":{"certificate":"x","serial_number":"1"}})"),
              "private_key");
}

TEST(VaultHostile, PolicyRulesAsArray) {
  expectError(vault::codec::decodePolicy(R"({"data":{"name":"p","rules":[1,2]}})"), "rules");
}

TEST(VaultHostile, DeeplyNestedBodyIsRefusedNotRecursedInto) {
  expectError(vault::codec::decodeKeys(kDeep), "nested deeper");
  expectError(vault::codec::decodeMounts(kDeepObject), "nested deeper");
  expectError(vault::codec::decodeTokenInfo("{\"data\":" + kDeep), "nested deeper");
  // The error-text reader falls back to the (bounded) raw body.
  auto e = vault::codec::responseError("read role", 500, kDeep);
  EXPECT_LT(e.message.size(), 4096u);
}

TEST(VaultHostile, InvalidUtf8InAStringIsRefused) {
  expectError(vault::codec::decodeKeys("{\"data\":{\"keys\":[\"ok\",\"bad\xff\xfe\"]}}"),
              "invalid JSON");
}

TEST(VaultHostile, HugeArrayOfWrongTypes) {
  std::string body = "{\"data\":{\"keys\":[" + repeat("1,", 200000) + "1]}}";
  expectError(vault::codec::decodeKeys(body), "keys");
}

TEST(VaultHostile, HugeValidKeyListIsDecoded) {
  std::string body = "{\"data\":{\"keys\":[" + repeat("\"k\",", 200000) + "\"k\"]}}";
  auto keys = vault::codec::decodeKeys(body);
  ASSERT_TRUE(keys) << keys.error().message;
  EXPECT_EQ(keys->size(), 200001u);
}

TEST(VaultHostile, EndlessErrorListMakesABoundedMessage) {
  std::string body =
      "{\"errors\":[" + repeat("\"" + std::string(1000, 'e') + "\",", 20000) + "\"last\"]}";
  auto e = vault::codec::responseError("issue certificate", 400, body);
  EXPECT_TRUE(e.is(errc::invalid_argument)) << e.message;
  EXPECT_LT(e.message.size(), 4096u) << "an error list of 20 MB is copied into one message";
  EXPECT_NE(e.message.find("HTTP 400"), std::string::npos);
}

TEST(VaultHostile, ErrorsOfOtherTypesAreShown) {
  auto e = vault::codec::responseError("read", 500, R"({"errors":[null, 5, {"a":1}]})");
  EXPECT_NE(e.message.find("HTTP 500"), std::string::npos) << e.message;
}

TEST(VaultHostile, AuthBlockNullOnLogin) {
  expectError(vault::codec::decodeAuth(R"({"auth":null,"warnings":["x"]})"), "auth");
}

// --- Nomad -------------------------------------------------------------------------------

TEST(NomadHostile, JobListThatIsAnObject) {
  expectError(nomad::codec::decodeJobStubs(R"({"ID":"x"})"), "array");
}

TEST(NomadHostile, JobStubsWithNullsAndWrongTypes) {
  expectError(nomad::codec::decodeJobStubs(R"([{"ID":null}])"), "ID");
  expectError(nomad::codec::decodeJobStubs(R"([{"ID":"a","Priority":"high"}])"), "Priority");
  expectError(nomad::codec::decodeJobStubs(R"([null])"), "");
}

TEST(NomadHostile, AllocationWithTaskStatesOfWrongShape) {
  expectError(nomad::codec::decodeAllocation(R"({"ID":"a","TaskStates":[1,2,3]})"), "TaskStates");
}

TEST(NomadHostile, DeeplyNestedJobIsRefused) {
  expectError(nomad::codec::decodeJob("{\"ID\":\"x\",\"Meta\":" + kDeep), "nested deeper");
  expectError(nomad::codec::decodeAllocStubs(kDeepObject), "nested deeper");
}

TEST(NomadHostile, InvalidUtf8InJobIsRefused) {
  expectError(nomad::codec::decodeJob("{\"ID\":\"we\xc3\x28\"}"), "invalid JSON");
}

TEST(NomadHostile, MalformedIndexHeaders) {
  for (const char* v : {"-1", "18446744073709551616", "12abc", "", " 7"}) {
    auto r = nomad::codec::parseQueryMeta({{"X-Nomad-Index", v}});
    EXPECT_FALSE(r) << "accepted X-Nomad-Index \"" << v << "\"";
  }
}

TEST(NomadHostile, HugeErrorBodyMakesABoundedMessage) {
  auto e = nomad::codec::responseError("register job", 500, std::string(10 << 20, 'x'));
  EXPECT_LT(e.message.size(), 4096u);
}

// --- HTTP framing: bodies far over the limit ----------------------------------------------

namespace net = boost::asio;
namespace beast = boost::beast;

template <class T>
T run(net::io_context& io, net::awaitable<T> op) {
  std::optional<T> out;
  net::co_spawn(io, std::move(op), [&](std::exception_ptr e, T v) {
    if (e) std::rethrow_exception(e);
    out.emplace(std::move(v));
  });
  io.run();
  return std::move(*out);
}

Result<http::detail::ReadResult> readFrom(const std::string& wire, std::size_t maxBody) {
  net::io_context io;
  beast::test::stream client(io), server(io);
  client.connect(server);
  client.append(wire);
  server.close();
  beast::flat_buffer buffer;
  return run(io, http::detail::readResponse(client, buffer, maxBody, false,
                                            std::string("GET /v1/x on test")));
}

TEST(HttpHostile, ContentLengthFarOverTheLimit) {
  auto r = readFrom("HTTP/1.1 200 OK\r\nContent-Length: 999999999999999\r\n\r\nabc", 1 << 20);
  expectError(r, "exceeds the limit", errc::too_large);
}

TEST(HttpHostile, ChunkedBodyOverTheLimit) {
  std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) wire += "8000\r\n" + std::string(0x8000, 'a') + "\r\n";
  wire += "0\r\n\r\n";
  expectError(readFrom(wire, 1 << 20), "exceeds the limit", errc::too_large);
}

TEST(HttpHostile, HeadersOverTheLimitAndGarbageFraming) {
  std::string wire = "HTTP/1.1 200 OK\r\nX-Junk: " + std::string(100000, 'j') + "\r\n\r\n";
  EXPECT_FALSE(readFrom(wire, 1 << 20));
  EXPECT_FALSE(readFrom("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 1 << 20));
  EXPECT_FALSE(readFrom("\x16\x03\x01\x02\x00garbage-not-http\r\n\r\n", 1 << 20));
  EXPECT_FALSE(readFrom("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", 1 << 20));
}

TEST(HttpHostile, EventStreamLineOverTheLimit) {
  net::io_context io;
  beast::test::stream client(io), server(io);
  client.connect(server);
  client.append("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" +
                std::string(300000, 'x'));
  server.close();
  http::detail::BeastRequest req{http::detail::bhttp::verb::get, "/v1/event/stream", 11};
  auto s = run(io, http::detail::startLineStream(client, req, 64 * 1024,
                                                 std::string("GET /v1/event/stream")));
  ASSERT_TRUE(s) << s.error().message;
  io.restart();
  auto line = run(io, (*s)->nextLine(Duration::seconds(5)));
  expectError(line, "line longer than", errc::too_large);
}

TEST(NomadHostile, EventLinesWithWrongTypesNullsAndDeepNesting) {
  namespace c = nomad::codec;
  expectError(c::decodeEventLine(R"({"Index":"7","Events":[]})"), "Index");
  expectError(c::decodeEventLine(R"({"Index":7,"Events":null})"), "Events");
  expectError(c::decodeEventLine(R"({"Index":7,"Events":[{"Topic":1,"Type":"X"}]})"), "Events[0]");
  expectError(c::decodeEventLine("[]"), "event line");
  expectError(c::decodeEventLine(kDeep), "nested deeper");
  expectError(c::decodeEventLine("{\"Index\":1,\"Events\":[{\"Topic\":\"\xff\"}]}"),
              "invalid JSON");
  auto hb = c::decodeEventLine("{}");
  ASSERT_TRUE(hb);
  EXPECT_FALSE(*hb) << "a heartbeat is no batch";
}

}  // namespace
}  // namespace nc

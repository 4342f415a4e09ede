// NomadClient fs (incl. 200-with-error), exec frames and runs, variables and locks.
#include <gtest/gtest.h>

#include "../vault/fake_transport.hpp"
#include "nomad/codec.hpp"
#include "nomad/exec_frames.hpp"
#include "nomad/nomad_client.hpp"

namespace nc::nomad {
namespace {

using nc::testing::FakeTransport;
using nc::testing::FakeWebSocket;
using nc::testing::headerOr;
using nc::testing::run;
using nc::testing::WebSocketLog;

struct NomadIoTest : ::testing::Test {
  std::shared_ptr<FakeTransport> fake = std::make_shared<FakeTransport>();
  NomadClient client{fake, [] { return Result<std::string>("tok"); }, Options{}};
};

TEST_F(NomadIoTest, StatAndList) {
  fake->push(200, R"({"Name":"cert.pem","IsDir":false,"Size":1200,"FileMode":"-rw-r--r--",
                    "ModTime":"2026-01-01T00:00:00Z","ContentType":"text/plain; charset=utf-8"})");
  auto s = run(client.statFile("a1", "app/local/cert.pem"));
  ASSERT_TRUE(s) << s.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/client/fs/stat/a1?path=app%2Flocal%2Fcert.pem");
  EXPECT_EQ(headerOr(fake->last(), "X-Nomad-Token"), "tok");
  EXPECT_EQ(s->size, 1200);

  fake->push(200,
             R"([{"Name":"cert.pem","IsDir":false,"Size":1,"FileMode":"-rw-------","ModTime":"x"},
                     {"Name":"sub","IsDir":true,"Size":4096,"FileMode":"drwxrwxrwx","ModTime":"x"}])");
  auto l = run(client.listFiles("a1", "app/secrets"));
  ASSERT_TRUE(l) << l.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/client/fs/ls/a1?path=app%2Fsecrets");
  ASSERT_EQ(l->size(), 2u);
  EXPECT_TRUE((*l)[1].isDir);

  fake->push(404, "open /var/nomad/alloc/a1/app/nope: no such file or directory");
  s = run(client.statFile("a1", "app/nope"));
  EXPECT_TRUE(s.error().is(errc::not_found));
  EXPECT_NE(s.error().message.find("no such file or directory"), std::string::npos);
}

TEST_F(NomadIoTest, CatTurnsA200CarryingAnErrorTextIntoAnError) {
  fake->push(200, "Reading secret file prohibited: app/secrets/key.pem",
             {{"Content-Type", "text/plain; charset=utf-8"}});
  auto c = run(client.catFile("a1", "app/secrets/key.pem"));
  ASSERT_FALSE(c);
  EXPECT_TRUE(c.error().is(errc::permission_denied));
  EXPECT_NE(c.error().message.find("Reading secret file prohibited"), std::string::npos);

  fake->push(200, "Unknown allocation \"a1\"");
  EXPECT_TRUE(run(client.catFile("a1", "x")).error().is(errc::not_found));
  fake->push(200, "file \"app/local\" is a directory");
  EXPECT_TRUE(run(client.catFile("a1", "app/local")).error().is(errc::invalid_argument));
  fake->push(200, "Permission denied");
  EXPECT_TRUE(run(client.catFile("a1", "x")).error().is(errc::permission_denied));

  fake->push(200, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  auto ok = run(client.catFile("a1", "app/local/cert.pem"));
  ASSERT_TRUE(ok) << ok.error().describe();
  EXPECT_EQ(ok->substr(0, 11), "-----BEGIN ");

  fake->push(200, "Path escapes the alloc directory");
  auto r = run(client.readFileAt("a1", "../x", 10, 20));
  EXPECT_TRUE(r.error().is(errc::permission_denied));
  EXPECT_EQ(fake->last().target, "/v1/client/fs/readat/a1?path=..%2Fx&offset=10&limit=20");
}

TEST_F(NomadIoTest, ReadFileRefusesSecretsLocallyAndCrossChecksTheSize) {
  auto r = run(client.readFile("a1", "/app/Secrets/key.pem"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::permission_denied));
  EXPECT_TRUE(fake->requests.empty());
  EXPECT_TRUE(codec::isRestrictedFsPath("app/local/../private/x"));
  EXPECT_FALSE(codec::isRestrictedFsPath("app/local/secrets.pem"));
  EXPECT_FALSE(codec::isRestrictedFsPath("alloc/logs/secrets"));

  // A file whose content happens to be an error text, with the matching size: content.
  fake->push(200, R"({"Name":"x","IsDir":false,"Size":17,"FileMode":"-rw-r--r--","ModTime":"t"})");
  fake->push(200, "Permission denied");
  auto same = run(client.readFile("a1", "app/local/x"));
  ASSERT_TRUE(same) << same.error().describe();
  EXPECT_EQ(*same, "Permission denied");

  fake->push(200, R"({"Name":"x","IsDir":false,"Size":900,"FileMode":"-rw-r--r--","ModTime":"t"})");
  fake->push(200, "Permission denied");
  auto err = run(client.readFile("a1", "app/local/x"));
  EXPECT_TRUE(err.error().is(errc::permission_denied));

  fake->push(200,
             R"({"Name":"local","IsDir":true,"Size":4096,"FileMode":"drwxrwxrwx","ModTime":"t"})");
  EXPECT_TRUE(run(client.readFile("a1", "app/local")).error().is(errc::invalid_argument));
}

TEST(ExecFrames, DecodeEveryFrameKind) {
  auto f = decodeExecFrame(R"({"stdout":{"data":"aGVsbG8K"}})");
  ASSERT_TRUE(f) << f.error().describe();
  EXPECT_EQ(f->kind, ExecFrame::Kind::stdoutData);
  EXPECT_EQ(f->data, "hello\n");
  f = decodeExecFrame(R"({"stderr":{"close":true}})");
  EXPECT_EQ(f->kind, ExecFrame::Kind::stderrData);
  EXPECT_TRUE(f->close);
  EXPECT_TRUE(f->data.empty());
  f = decodeExecFrame(R"({"exited":true,"result":{}})");
  EXPECT_EQ(f->kind, ExecFrame::Kind::exited);
  EXPECT_EQ(f->exitCode, 0);  // exit_code 0 is omitted on the wire
  f = decodeExecFrame(
      R"({"exited":true,"result":{"exit_code":137,"signal":"SIGKILL","oom_killed":true}})");
  EXPECT_EQ(f->exitCode, 137);
  EXPECT_TRUE(f->oomKilled);
  EXPECT_EQ(decodeExecFrame("{}")->kind, ExecFrame::Kind::heartbeat);
  EXPECT_EQ(decodeExecFrame(R"({"tty_size":{}})")->kind, ExecFrame::Kind::unknown);
  EXPECT_TRUE(decodeExecFrame(R"({"stdout":{"data":"!!!"}})").error().is(errc::protocol_error));
  EXPECT_TRUE(decodeExecFrame(R"({"stdout":{"data":5}})").error().is(errc::protocol_error));
  EXPECT_TRUE(decodeExecFrame(R"({"stdout":)").error().is(errc::protocol_error));
  EXPECT_EQ(encodeStdinFrame("ab"), R"({"stdin":{"data":"YWI="}})");
  EXPECT_EQ(encodeStdinClose(), R"({"stdin":{"close":true}})");
  EXPECT_EQ(*base64Decode(base64Encode(std::string("\0\1\2xyz", 6))), std::string("\0\1\2xyz", 6));
}

http::WebSocketPtr socket(std::vector<Result<std::optional<std::string>>> frames, int code,
                          WebSocketLog* log, std::string reason = "") {
  return std::make_unique<FakeWebSocket>(std::move(frames), code, log, std::move(reason));
}

TEST_F(NomadIoTest, ExecCollectsOutputAndExitCode) {
  WebSocketLog log;
  fake->webSockets.push_back(
      socket({std::optional<std::string>(R"({})"),
              std::optional<std::string>(R"({"stdout":{"data":"LS0tLS1CRUdJTg=="}})"),
              std::optional<std::string>(R"({"stderr":{"data":"d2Fybg=="}})"),
              std::optional<std::string>(R"({"stdout":{"close":true}})"),
              std::optional<std::string>(R"({"exited":true,"result":{"exit_code":3}})")},
             1006, &log));
  ExecOptions o;
  o.stdinData = "in";
  auto r = run(client.exec("a1", "app", {"cat", "/secrets/cert.pem"}, o));
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(fake->last().target,
            "/v1/client/allocation/a1/"
            "exec?task=app&command=%5B%22cat%22%2C%22%2Fsecrets%2Fcert.pem%22%5D&tty=false");
  EXPECT_EQ(headerOr(fake->last(), "X-Nomad-Token"), "tok");
  EXPECT_EQ(r->stdoutData, "-----BEGIN");
  EXPECT_EQ(r->stderrData, "warn");
  EXPECT_EQ(r->exitCode, 3);
  ASSERT_EQ(log.sent.size(), 2u);
  EXPECT_EQ(log.sent[0], R"({"stdin":{"data":"aW4="}})");
  EXPECT_EQ(log.sent[1], R"({"stdin":{"close":true}})");
  EXPECT_TRUE(log.closed);
  for (auto t : log.receiveTimeouts) EXPECT_LE(t, o.timeout);
}

TEST_F(NomadIoTest, ExecErrorsCloseFramesTimeoutAndOversizedOutput) {
  WebSocketLog log;
  fake->webSockets.push_back(
      socket({}, 1008, &log, "unknown task name \"nope\""));  // closed before exited
  auto r = run(client.exec("a1", "nope", {"true"}, {}));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::invalid_argument));
  EXPECT_NE(r.error().message.find("websocket code 1008): unknown task name \"nope\""),
            std::string::npos)
      << r.error().message;

  fake->webSockets.push_back(socket({}, 1011, &log, "Permission denied"));
  r = run(client.exec("a1", "app", {"true"}, {}));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::server_error));
  EXPECT_NE(r.error().message.find("(websocket code 1011): Permission denied"), std::string::npos)
      << r.error().message;

  fake->webSockets.push_back(socket({}, 1006, &log));  // dropped without a reason
  r = run(client.exec("a1", "app", {"true"}, {}));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("(websocket code 1006, no reason given)"), std::string::npos)
      << r.error().message;

  fake->webSockets.push_back(socket({Error(errc::timeout, "idle")}, 0, &log));
  r = run(client.exec("a1", "app", {"sleep", "100"}, {}));
  EXPECT_TRUE(r.error().is(errc::timeout));

  ExecOptions small;
  small.maxOutputBytes = 4;
  fake->webSockets.push_back(
      socket({std::optional<std::string>(R"({"stdout":{"data":"aGVsbG8K"}})")}, 0, &log));
  r = run(client.exec("a1", "app", {"cat", "big"}, small));
  EXPECT_TRUE(r.error().is(errc::too_large));

  fake->webSockets.push_back(Error(errc::connection_failed, "upgrade refused"));
  r = run(client.exec("a1", "app", {"true"}, {}));
  EXPECT_TRUE(r.error().is(errc::connection_failed));
  EXPECT_TRUE(run(client.exec("a1", "app", {}, {})).error().is(errc::invalid_argument));
}

TEST_F(NomadIoTest, VariablesReadWriteCasDelete) {
  fake->push(200, R"({"Namespace":"default","Path":"certd/state","CreateIndex":5,"ModifyIndex":7,
                    "CreateTime":1,"ModifyTime":2,"Items":{"k":"v"}})",
             {{"X-Nomad-Index", "7"}});
  auto v = run(client.readVariable("certd/state", {}));
  ASSERT_TRUE(v) << v.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/var/certd/state");
  EXPECT_EQ(v->value.items.at("k"), "v");
  EXPECT_EQ(v->meta.index, 7u);

  fake->push(200,
             R"({"Namespace":"default","Path":"certd/state","ModifyIndex":8,"Items":{"k":"w"}})");
  auto w = run(client.putVariable("certd/state", {{"k", "w"}}, 7));
  ASSERT_TRUE(w) << w.error().describe();
  EXPECT_EQ(fake->last().method, "PUT");
  EXPECT_EQ(fake->last().target, "/v1/var/certd/state?cas=7");
  EXPECT_EQ(fake->last().body, R"({"Path":"certd/state","Items":{"k":"w"}})");

  fake->push(409,
             R"({"Namespace":"default","Path":"certd/state","ModifyIndex":9,"Items":{"k":"z"}})",
             {{"Content-Type", "text/plain; charset=utf-8"}});
  w = run(client.putVariable("certd/state", {{"k", "w"}}, 7));
  ASSERT_FALSE(w);
  EXPECT_TRUE(w.error().is(errc::conflict));
  EXPECT_NE(w.error().message.find("current ModifyIndex 9"), std::string::npos);

  fake->push(204, "");
  ASSERT_TRUE(run(client.deleteVariable("certd/state", std::nullopt)));
  EXPECT_EQ(fake->last().method, "DELETE");
  fake->push(404, "variable not found");
  EXPECT_TRUE(run(client.readVariable("x", {})).error().is(errc::not_found));
}

TEST_F(NomadIoTest, LocksAcquireRenewReleaseAndConflicts) {
  fake->push(200, R"({"Namespace":"default","Path":"certd/leader","ModifyIndex":3,
                    "Lock":{"ID":"11111111-2222","TTL":"15s","LockDelay":"15s"}})");
  auto l = run(client.acquireLock("certd/leader", Duration::seconds(15), Duration::seconds(15)));
  ASSERT_TRUE(l) << l.error().describe();
  EXPECT_EQ(fake->last().method, "PUT");
  EXPECT_EQ(fake->last().target, "/v1/var/certd/leader?lock-acquire");
  EXPECT_EQ(fake->last().body, R"({"Path":"certd/leader","Lock":{"TTL":"15s","LockDelay":"15s"}})");
  ASSERT_TRUE(l->lock);
  EXPECT_EQ(l->lock->id, "11111111-2222");

  fake->push(
      409,
      R"({"Namespace":"default","Path":"certd/leader","CreateIndex":0,"ModifyIndex":0,"CreateTime":0,"ModifyTime":0})");
  auto held = run(client.acquireLock("certd/leader", Duration::seconds(15), Duration::seconds(15)));
  ASSERT_FALSE(held);
  EXPECT_TRUE(held.error().is(errc::conflict));
  EXPECT_NE(held.error().message.find("held by another"), std::string::npos);

  fake->push(
      200,
      R"({"Namespace":"default","Path":"certd/leader","Lock":{"ID":"11111111-2222","TTL":15000000000,"LockDelay":"15s"}})");
  auto renewed = run(client.renewLock("certd/leader", "11111111-2222"));
  ASSERT_TRUE(renewed) << renewed.error().describe();
  EXPECT_EQ(fake->last().target, "/v1/var/certd/leader?lock-renew");
  EXPECT_EQ(fake->last().body, R"({"Path":"certd/leader","Lock":{"ID":"11111111-2222"}})");
  EXPECT_EQ(renewed->lock->ttl, "15s");

  fake->push(409, "attempting to modify locked variable");
  auto lost = run(client.renewLock("certd/leader", "11111111-2222"));
  EXPECT_TRUE(lost.error().is(errc::conflict));
  EXPECT_NE(lost.error().message.find("attempting to modify locked variable"), std::string::npos);

  fake->push(200, R"({"Namespace":"default","Path":"certd/leader"})");
  ASSERT_TRUE(run(client.releaseLock("certd/leader", "11111111-2222")));
  EXPECT_EQ(fake->last().target, "/v1/var/certd/leader?lock-release");
  fake->push(500, "variable doesn't hold a lock");
  EXPECT_TRUE(run(client.releaseLock("certd/leader", "x")).error().is(errc::not_found));
  fake->push(
      400,
      "RPC Error:: 400,1 error occurred:\n\t* TTL must be between 10 seconds and 24 hours\n\n");
  auto bad = run(client.acquireLock("certd/leader", Duration::seconds(1), Duration::seconds(0)));
  EXPECT_TRUE(bad.error().is(errc::invalid_argument));
  EXPECT_NE(bad.error().message.find("TTL must be between"), std::string::npos);
}

}  // namespace
}  // namespace nc::nomad

// The durable spool: acceptance, per-sink cursors, restart, torn tails, corruption, full disk.
#include "events/spool.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <fstream>

namespace nc::events {
namespace {

namespace fs = std::filesystem;

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("nc-spool-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::unique_ptr<EventSpool> open(SpoolOptions o = {}) {
    auto s = EventSpool::open(dir_, {"log", "alertmanager"}, o);
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }
  fs::path segment() const {
    for (auto& e : fs::directory_iterator(dir_))
      if (e.path().filename().string().starts_with("segment-")) return e.path();
    return {};
  }
  fs::path dir_;
};

TEST_F(SpoolTest, EachSinkHasItsOwnCursor) {
  auto s = open();
  EXPECT_EQ(*s->append("one"), 1u);
  EXPECT_EQ(*s->append("two"), 2u);
  EXPECT_EQ(s->depth("log"), 2u);
  ASSERT_TRUE(s->ack("log", 2));
  EXPECT_EQ(s->depth("log"), 0u);
  auto pending = s->peek("alertmanager", 10);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].payload, "one");
  EXPECT_EQ((*pending)[1].seq, 2u);
  EXPECT_FALSE(s->peek("nope", 1));
}

TEST_F(SpoolTest, UndeliveredEventsSurviveARestart) {
  {
    auto s = open();
    s->append("a");
    s->append("b");
    s->append("c");
    ASSERT_TRUE(s->ack("alertmanager", 1));
    ASSERT_TRUE(s->ack("log", 3));
  }
  auto s = open();
  EXPECT_EQ(s->depth("log"), 0u);
  auto pending = s->peek("alertmanager", 10);
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].payload, "b");
  EXPECT_EQ(*s->append("d"), 4u);  // the sequence continues
}

TEST_F(SpoolTest, FilesArePrivate) {
  auto s = open();
  s->append("x");
  s->ack("log", 1);
  struct stat st {};
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (auto& e : fs::directory_iterator(dir_)) {
    ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << e.path();
  }
}

TEST_F(SpoolTest, TornTailIsCutAndReported) {
  {
    auto s = open();
    s->append("first");
    s->append("second");
  }
  auto seg = segment();
  fs::resize_file(seg, fs::file_size(seg) - 3);  // a crash in the middle of the last write
  auto s = open();
  EXPECT_GT(s->recovery().truncatedBytes, 0u);
  EXPECT_FALSE(s->recovery().messages.empty());
  auto pending = s->peek("log", 10);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].payload, "first");
  EXPECT_EQ(*s->append("third"), 2u);
  auto again = open();  // and the file is clean afterwards
  EXPECT_EQ(again->recovery().truncatedBytes, 0u);
  EXPECT_EQ(again->depth("log"), 2u);
}

TEST_F(SpoolTest, CorruptRecordInTheMiddleIsSkipped) {
  {
    auto s = open();
    s->append("aaaa");
    s->append("bbbb");
    s->append("cccc");
  }
  auto seg = segment();
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(24 + 20 + 1);  // inside the second record's payload
    f.put('X');
  }
  auto s = open();
  EXPECT_EQ(s->recovery().corruptRecords, 1u);
  auto pending = s->peek("log", 10);
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].payload, "aaaa");
  EXPECT_EQ((*pending)[1].payload, "cccc");
}

TEST_F(SpoolTest, GarbageFileDoesNotCrash) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "segment-00000000000000000001.log") << std::string(5000, '\xff');
  std::ofstream(dir_ / "cursor-log") << "not a number";
  auto s = open();
  EXPECT_EQ(s->depth("log"), 0u);
  EXPECT_FALSE(s->recovery().messages.empty());
  EXPECT_TRUE(s->append("after"));
}

TEST_F(SpoolTest, CompactionDeletesDeliveredSegments) {
  SpoolOptions o;
  o.segmentBytes = 100;
  auto s = open(o);
  for (int i = 0; i < 20; ++i) s->append(std::string(40, 'x'));
  std::size_t before = s->bytes();
  ASSERT_TRUE(s->ack("log", 20));
  EXPECT_EQ(s->bytes(), before);  // alertmanager still needs them
  ASSERT_TRUE(s->ack("alertmanager", 20));
  EXPECT_LT(s->bytes(), before / 5);
  EXPECT_EQ(*s->append("next"), 21u);
}

TEST_F(SpoolTest, FullSpoolRefusesWithAClearError) {
  SpoolOptions o;
  o.maxBytes = 200;
  auto s = open(o);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(s->append(std::string(20, 'x')));
  auto r = s->append(std::string(100, 'y'));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::too_large));
  EXPECT_NE(r.error().message.find("full"), std::string::npos);
}

TEST_F(SpoolTest, DiskFullLeavesNoPartialRecord) {
  auto s = open();
  ASSERT_TRUE(s->append("before"));
  auto size = fs::file_size(segment());
  struct rlimit old {};
  ::getrlimit(RLIMIT_FSIZE, &old);
  auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = size + 10;  // room for the header, not the payload
  ::setrlimit(RLIMIT_FSIZE, &small);
  auto r = s->append(std::string(100, 'z'));
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, oldHandler);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(errc::io_error));
  EXPECT_EQ(fs::file_size(segment()), size);
  EXPECT_TRUE(s->append("after"));
  auto again = open();
  EXPECT_EQ(again->recovery().corruptRecords, 0u);
  EXPECT_EQ(again->depth("log"), 2u);
}

}  // namespace
}  // namespace nc::events

// sd_notify messages captured on a test NOTIFY_SOCKET.
#include "health/systemd_notifier.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>

namespace nc::health {
namespace {

class NotifySocket {
 public:
  NotifySocket() {
    path_ = ::testing::TempDir() + "/nc-notify-" + std::to_string(::getpid());
    ::unlink(path_.c_str());
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    timeval tv{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
    ::setenv("WATCHDOG_USEC", "20000000", 1);
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  std::string receive() {
    char buf[1024];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }

 private:
  std::string path_;
  int fd_ = -1;
};

TEST(SystemdNotifier, SendsTheProtocolMessages) {
  NotifySocket sock;
  SystemdNotifier n;
  ASSERT_TRUE(n.enabled());
  ASSERT_TRUE(n.watchdogInterval());
  EXPECT_EQ(n.watchdogInterval()->wholeSeconds(), 10);
  n.ready("vault ok, nomad ok");
  EXPECT_EQ(sock.receive(), "READY=1\nSTATUS=vault ok, nomad ok");
  n.watchdog();
  EXPECT_EQ(sock.receive(), "WATCHDOG=1");
  n.reloading();
  std::string msg = sock.receive();
  EXPECT_EQ(msg.rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0u) << msg;
  n.status("3 resources in sync");
  EXPECT_EQ(sock.receive(), "STATUS=3 resources in sync");
  n.stopping("draining");
  EXPECT_EQ(sock.receive(), "STOPPING=1\nSTATUS=draining");
}

TEST(SystemdNotifier, IsSilentOutsideSystemd) {
  ::unsetenv("NOTIFY_SOCKET");
  SystemdNotifier n;
  EXPECT_FALSE(n.enabled());
  n.ready("x");  // must not crash or block
}

}  // namespace
}  // namespace nc::health

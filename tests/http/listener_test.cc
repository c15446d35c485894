// The HTTP front end on its own: a Listener on a free port with a test handler, driven by a
// raw socket (keep-alive, body limit, headers through to the handler).
#include "http/listener.h"

#include <atomic>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ddbd::http {
namespace {

class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& data) {
    ASSERT_EQ(::send(fd_, data.data(), data.size(), 0), (ssize_t)data.size());
  }
  // Reads one response (headers + Content-Length body).
  std::string ReadResponse() {
    std::string buf;
    char chunk[4096];
    size_t header_end = std::string::npos;
    size_t content_length = 0;
    while (true) {
      if (header_end == std::string::npos) {
        header_end = buf.find("\r\n\r\n");
        if (header_end != std::string::npos) {
          auto pos = buf.find("Content-Length: ");
          if (pos != std::string::npos) content_length = std::stoul(buf.substr(pos + 16));
        }
      }
      if (header_end != std::string::npos && buf.size() >= header_end + 4 + content_length) {
        std::string response = buf.substr(0, header_end + 4 + content_length);
        return response;
      }
      ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) return buf;
      buf.append(chunk, n);
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

class ListenerTest : public ::testing::Test {
 protected:
  void StartServer(ListenerOptions options) {
    options.port = 0;
    auto listener = Listener::Bind(options, [this](const Request& req, Response* res) {
      ++requests_;
      res->status = 200;
      res->headers.emplace_back("X-Target", std::string(req.Header("x-amz-target")));
      res->body = req.method + " " + req.target + " " + req.body;
    });
    ASSERT_TRUE(listener.ok()) << listener.status().ToString();
    listener_ = std::move(*listener);
    thread_ = std::thread([this] { listener_->Run(); });
  }
  void TearDown() override {
    if (listener_) listener_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  std::unique_ptr<Listener> listener_;
  std::thread thread_;
  std::atomic<int> requests_{0};
};

TEST_F(ListenerTest, ServesKeepAliveRequestsOnOneConnection) {
  StartServer(ListenerOptions());
  RawConnection conn(listener_->port());
  ASSERT_TRUE(conn.connected());
  for (int i = 0; i < 3; ++i) {
    conn.Send("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: T" + std::to_string(i) +
              "\r\nContent-Length: 4\r\n\r\nbody");
    std::string response = conn.ReadResponse();
    EXPECT_NE(response.find("HTTP/1.1 200 OK"), std::string::npos) << response;
    EXPECT_NE(response.find("X-Target: T" + std::to_string(i)), std::string::npos) << response;
    EXPECT_NE(response.find("\r\n\r\nPOST / body"), std::string::npos) << response;
  }
  EXPECT_EQ(requests_.load(), 3);
}

TEST_F(ListenerTest, RejectsBodiesOverTheLimit) {
  ListenerOptions options;
  options.body_limit = 16;
  StartServer(options);
  RawConnection conn(listener_->port());
  ASSERT_TRUE(conn.connected());
  conn.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'a'));
  std::string response = conn.ReadResponse();
  EXPECT_NE(response.find("HTTP/1.1 413"), std::string::npos) << response;
  EXPECT_EQ(requests_.load(), 0);
}

TEST_F(ListenerTest, PortZeroPicksAFreePort) {
  StartServer(ListenerOptions());
  EXPECT_NE(listener_->port(), 0);
}

TEST(RequestTest, HeaderLookupIsCaseInsensitive) {
  Request req;
  req.headers = {{"X-Amz-Target", "a"}, {"x-amz-target", "b"}};
  EXPECT_EQ(req.Header("X-AMZ-TARGET"), "a");
  EXPECT_EQ(req.Header("missing"), "");
}

TEST(RequestIdTest, FiftyTwoUppercaseAlphanumerics) {
  std::string id = NewRequestId();
  ASSERT_EQ(id.size(), 52u);
  for (char c : id) EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) << id;
  EXPECT_NE(NewRequestId(), id);
}

}  // namespace
}  // namespace ddbd::http

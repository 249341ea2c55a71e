#include "wire_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace nymph::bench {

WireClient::WireClient(const std::string& host, int port) : host_(host) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1 ||
      connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address)) {
    close(fd_);
    throw std::runtime_error("cannot connect to " + host + ":" +
                             std::to_string(port));
  }
  int yes = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
}

WireClient::~WireClient() {
  if (fd_ >= 0) close(fd_);
}

std::string WireClient::Call(const std::string& method, const std::string& path,
                             const std::string& body) {
  std::string request =
      method + " " + path + " HTTP/1.1\r\nHost: " + host_ + "\r\n";
  if (!body.empty()) {
    request += "Content-Type: application/json\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;
  if (send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    throw std::runtime_error("send failed");
  }

  char chunk[16384];
  auto fill = [&] {
    ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) throw std::runtime_error("connection closed by the server");
    buffer_.append(chunk, static_cast<size_t>(n));
  };
  size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) fill();
  std::string head = buffer_.substr(0, head_end);
  size_t length_at = head.find("Content-Length: ");
  size_t length =
      length_at == std::string::npos
          ? 0
          : std::strtoul(head.c_str() + length_at + 16, nullptr, 10);
  while (buffer_.size() < head_end + 4 + length) fill();
  std::string response_body = buffer_.substr(head_end + 4, length);
  buffer_.erase(0, head_end + 4 + length);
  if (head.compare(0, 12, "HTTP/1.1 200") != 0) {
    throw std::runtime_error(method + " " + path + " answered " +
                             head.substr(0, head.find("\r\n")) + ": " +
                             response_body);
  }
  return response_body;
}

}  // namespace nymph::bench

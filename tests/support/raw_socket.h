// A bare TCP connection to a loopback port, for tests that must control
// exactly what goes on the wire and when (half a request, garbage bytes).
#pragma once

#include <string>

namespace nymph::testing {

class RawConnection {
 public:
  explicit RawConnection(int port);  // connects to 127.0.0.1:port
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool Write(const std::string& bytes);
  // Reads until the peer closes or `timeout_s` passes.
  std::string ReadAll(double timeout_s);

 private:
  int fd_ = -1;
};

}  // namespace nymph::testing

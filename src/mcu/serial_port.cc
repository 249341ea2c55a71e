#include "mcu/serial_port.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

namespace nymph::mcu {
namespace {

Status Unavailable(const std::string& path, const std::string& what) {
  return Status(ErrorKind::kUnavailable, "mcu_link_error",
                "serial port " + path + ": " + what + ": " + strerror(errno));
}

}  // namespace

StatusOr<std::unique_ptr<SerialPort>> SerialPort::Open(
    const std::string& path) {
  // Non-blocking so that open does not wait for carrier detect; reads
  // wait in poll() instead.
  int fd = open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return Unavailable(path,
                       "cannot open it (check --mcu-device and "
                       "permissions)");
  }
  termios tio{};
  if (tcgetattr(fd, &tio) != 0) {
    Status status = Unavailable(path, "not a terminal device");
    close(fd);
    return status;
  }
  cfmakeraw(&tio);
  tio.c_cflag &= ~(PARENB | CSTOPB | CSIZE | CRTSCTS);
  tio.c_cflag |= CS8 | CLOCAL | CREAD;
  tio.c_iflag &= ~(IXON | IXOFF | IXANY);
  tio.c_cc[VMIN] = 0;
  tio.c_cc[VTIME] = 0;
  cfsetispeed(&tio, B115200);
  cfsetospeed(&tio, B115200);
  if (tcsetattr(fd, TCSANOW, &tio) != 0) {
    Status status = Unavailable(path, "cannot set 115200 8N1 raw mode");
    close(fd);
    return status;
  }
  tcflush(fd, TCIOFLUSH);
  return std::unique_ptr<SerialPort>(new SerialPort(path, fd));
}

SerialPort::~SerialPort() { close(fd_); }

Status SerialPort::Write(std::span<const uint8_t> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd_, bytes.data() + done, bytes.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd pfd{fd_, POLLOUT, 0};
      if (poll(&pfd, 1, 1000) > 0) continue;
      return Status(ErrorKind::kUnavailable, "mcu_link_error",
                    "serial port " + path_ + ": output blocked for 1 s");
    }
    return Unavailable(path_, "write failed");
  }
  return Status();
}

StatusOr<std::vector<uint8_t>> SerialPort::Read(
    std::chrono::milliseconds timeout) {
  pollfd pfd{fd_, POLLIN, 0};
  int ready;
  do {
    ready = poll(&pfd, 1, static_cast<int>(timeout.count()));
  } while (ready < 0 && errno == EINTR);
  if (ready < 0) return Unavailable(path_, "poll failed");
  if (ready == 0) return std::vector<uint8_t>{};
  if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL) && !(pfd.revents & POLLIN)) {
    errno = EIO;
    return Unavailable(path_, "the other end hung up");
  }
  uint8_t buffer[256];
  ssize_t n = read(fd_, buffer, sizeof buffer);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
    return std::vector<uint8_t>{};
  }
  if (n <= 0) {
    if (n == 0) errno = EIO;
    return Unavailable(path_, "read failed");
  }
  return std::vector<uint8_t>(buffer, buffer + n);
}

Status SerialPort::DiscardInput() {
  if (tcflush(fd_, TCIFLUSH) != 0) return Unavailable(path_, "flush failed");
  return Status();
}

}  // namespace nymph::mcu

// A POSIX serial port in raw mode, 115200 baud 8N1 without flow control:
// the UART to the card's MCU, or the slave side of nymph-boardsim's
// pseudo-terminal (which accepts the same settings).
//
// Thread safety: none; McuClient serialises access.
#pragma once

#include <memory>
#include <string>

#include "mcu/byte_stream.h"

namespace nymph::mcu {

class SerialPort : public ByteStream {
 public:
  // Opens `path` (without making it the controlling terminal), configures
  // it and drops input that was waiting before we opened it.
  static StatusOr<std::unique_ptr<SerialPort>> Open(const std::string& path);
  ~SerialPort() override;
  SerialPort(const SerialPort&) = delete;
  SerialPort& operator=(const SerialPort&) = delete;

  std::string Describe() const override { return path_; }
  Status Write(std::span<const uint8_t> bytes) override;
  StatusOr<std::vector<uint8_t>> Read(
      std::chrono::milliseconds timeout) override;
  Status DiscardInput() override;

 private:
  SerialPort(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  std::string path_;
  int fd_;
};

}  // namespace nymph::mcu

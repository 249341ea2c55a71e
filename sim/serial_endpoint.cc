#include "sim/serial_endpoint.h"

#include <errno.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace nymph::sim {
namespace {

// A frame takes under 7 ms at 115200 baud; a longer pause inside one means
// the rest is never coming (the host side uses the same rule).
constexpr double kInterByteGapS = 0.020;
// Link errors are summed up at most this often, not logged per frame.
constexpr double kReportEveryS = 1.0;

}  // namespace

SerialEndpoint::SerialEndpoint(int fd, Firmware& firmware, Faults& faults,
                               uint32_t noise_seed)
    : fd_(fd), firmware_(firmware), faults_(faults), noise_(noise_seed) {}

void SerialEndpoint::OnReadable(double now_s) {
  uint8_t buffer[512];
  while (true) {
    ssize_t n = read(fd_, buffer, sizeof buffer);
    if (n <= 0) break;  // EAGAIN, or EIO while no agent has the line open
    last_byte_s_ = now_s;
    HandleFrames(decoder_.Feed(std::span(buffer, static_cast<size_t>(n))),
                 now_s);
  }
}

void SerialEndpoint::OnTick(double now_s) {
  if (decoder_.pending() && now_s - last_byte_s_ > kInterByteGapS) {
    HandleFrames(decoder_.Flush(), now_s);
  }
  const auto& stats = decoder_.stats();
  if (now_s - last_report_s_ >= kReportEveryS &&
      (stats.rejected_frames != reported_rejected_ ||
       stats.discarded_bytes != reported_discarded_)) {
    spdlog::warn(
        "link: {} corrupted frames, {} stray bytes from the host "
        "since the last report",
        stats.rejected_frames - reported_rejected_,
        stats.discarded_bytes - reported_discarded_);
    firmware_.CountRejectedFrames(stats.rejected_frames - reported_rejected_);
    reported_rejected_ = stats.rejected_frames;
    reported_discarded_ = stats.discarded_bytes;
    last_report_s_ = now_s;
  }
}

void SerialEndpoint::HandleFrames(std::vector<mcu::Frame> frames,
                                  double now_s) {
  for (const mcu::Frame& frame : frames) Answer(frame, now_s);
}

void SerialEndpoint::Answer(const mcu::Frame& request, double now_s) {
  std::optional<mcu::Frame> response = firmware_.Handle(request, now_s);
  if (!response) return;
  if (faults_.silent) return;
  if (faults_.drop_requests > 0) {
    --faults_.drop_requests;
    spdlog::info("fault: request seq {} left unanswered ({} more to drop)",
                 request.seq, faults_.drop_requests);
    return;
  }
  std::vector<uint8_t> bytes;
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < faults_.noise_bytes; ++i) {
    bytes.push_back(static_cast<uint8_t>(byte(noise_)));
  }
  std::vector<uint8_t> frame = mcu::EncodeFrame(*response);
  if (faults_.corrupt_responses > 0) {
    --faults_.corrupt_responses;
    std::uniform_int_distribution<size_t> position(2, frame.size() - 1);
    frame[position(noise_)] ^= static_cast<uint8_t>(1u << (byte(noise_) % 8));
  }
  bytes.insert(bytes.end(), frame.begin(), frame.end());
  Send(std::move(bytes));
}

void SerialEndpoint::Send(std::vector<uint8_t> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd_, bytes.data() + done, bytes.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      // Nobody reads the line and its buffer is full: the bytes are lost,
      // as on a real UART.
      if (dropped_output_bytes_ == 0) {
        spdlog::warn(
            "link: output buffer full, answers are being lost "
            "(is the agent reading?)");
      }
      dropped_output_bytes_ += bytes.size() - done;
      return;
    }
  }
  dropped_output_bytes_ = 0;
}

}  // namespace nymph::sim

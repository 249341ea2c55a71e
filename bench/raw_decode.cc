#include "raw_decode.h"

#include <algorithm>
#include <chrono>

namespace nymph::bench {

using Clock = std::chrono::steady_clock;

DecodeTiming RawDecode(Ort::Session& session, const std::string& prompt,
                       int tokens) {
  Ort::AllocatorWithDefaultOptions allocator;
  Ort::MemoryInfo cpu =
      Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  std::vector<std::string> in_names, out_names;
  for (size_t i = 0; i < session.GetInputCount(); ++i) {
    in_names.push_back(session.GetInputNameAllocated(i, allocator).get());
  }
  for (size_t i = 0; i < session.GetOutputCount(); ++i) {
    out_names.push_back(session.GetOutputNameAllocated(i, allocator).get());
  }
  std::vector<const char*> in_ptrs, out_ptrs;
  for (auto& n : in_names) in_ptrs.push_back(n.c_str());
  for (auto& n : out_names) out_ptrs.push_back(n.c_str());
  Ort::TypeInfo key_info = session.GetInputTypeInfo(3);
  std::vector<int64_t> kv = key_info.GetTensorTypeAndShapeInfo().GetShape();
  const int64_t empty[] = {1, kv[1], 0, kv[3]};
  std::vector<Ort::Value> past;
  for (size_t i = 3; i < in_names.size(); ++i) {
    past.push_back(Ort::Value::CreateTensor<float>(allocator, empty, 4));
  }

  std::vector<int64_t> ids(prompt.begin(), prompt.end());
  for (int64_t& id : ids) id &= 0xff;  // bytes, not signed chars
  int64_t length = 0;
  DecodeTiming timing;
  for (int step = 0; step < tokens; ++step) {
    auto start = Clock::now();
    int64_t count = static_cast<int64_t>(ids.size());
    std::vector<int64_t> mask(length + count, 1), positions(count);
    for (int64_t i = 0; i < count; ++i) positions[i] = length + i;
    const int64_t ids_shape[] = {1, count};
    const int64_t mask_shape[] = {1, length + count};
    std::vector<Ort::Value> inputs;
    inputs.push_back(Ort::Value::CreateTensor<int64_t>(
        cpu, ids.data(), ids.size(), ids_shape, 2));
    inputs.push_back(Ort::Value::CreateTensor<int64_t>(
        cpu, mask.data(), mask.size(), mask_shape, 2));
    inputs.push_back(Ort::Value::CreateTensor<int64_t>(
        cpu, positions.data(), positions.size(), ids_shape, 2));
    for (auto& value : past) inputs.push_back(std::move(value));
    auto outputs =
        session.Run(Ort::RunOptions{nullptr}, in_ptrs.data(), inputs.data(),
                    inputs.size(), out_ptrs.data(), out_ptrs.size());
    // logits [1, count, vocab]: the last position's row picks the token.
    int64_t vocab = outputs[0].GetTensorTypeAndShapeInfo().GetShape().back();
    const float* logits =
        outputs[0].GetTensorData<float>() + (count - 1) * vocab;
    int64_t next = std::max_element(logits, logits + vocab) - logits;
    for (size_t i = 0; i < past.size(); ++i) {
      past[i] = std::move(outputs[1 + i]);
    }
    length += count;
    ids = {next};
    double took = std::chrono::duration<double>(Clock::now() - start).count();
    if (step == 0) {
      timing.prefill_s = took;
    } else {
      timing.step_s.push_back(took);
    }
  }
  return timing;
}

}  // namespace nymph::bench

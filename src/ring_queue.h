// A FIFO over a growable ring buffer: after warm-up, pushing and popping
// allocate nothing (std::deque allocates a block every few elements).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace kstreams::internal {

template <class T>
class RingQueue {
 public:
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] size_t size() const { return size_; }
  T& front() { return buf_[head_]; }
  const T& front() const { return buf_[head_]; }

  void push_back(T value) {
    if (size_ == buf_.size()) grow();
    buf_[(head_ + size_) % buf_.size()] = std::move(value);
    ++size_;
  }
  void pop_front() {
    buf_[head_] = T{};
    head_ = (head_ + 1) % buf_.size();
    --size_;
  }
  template <class F>
  void forEach(F f) {
    for (size_t i = 0; i < size_; ++i) f(buf_[(head_ + i) % buf_.size()]);
  }

 private:
  void grow() {
    std::vector<T> next(buf_.empty() ? 64 : buf_.size() * 2);
    for (size_t i = 0; i < size_; ++i) next[i] = std::move(buf_[(head_ + i) % buf_.size()]);
    buf_ = std::move(next);
    head_ = 0;
  }

  std::vector<T> buf_;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace kstreams::internal

// How a job hands requests to the kernel (fio's ioengine shape, reduced to what a
// tight benchmark loop needs): Prep queues a slot, SubmitAndReap submits everything
// queued with one call and collects completions. Short transfers and -EAGAIN are the
// runner's business: it requeues the slot with Prep.
#pragma once

#include <sys/uio.h>

#include <memory>
#include <string>
#include <vector>

#include "bench/io_slot.h"
#include "bench/job_spec.h"

namespace rawio {

struct DriverConfig {
  int fd = -1;
  bool is_block = false;
  bool fua = false;
  uint32_t depth = 1;
  std::vector<iovec> buffers;  // one per slot, for fixedbufs
  bool fixedbufs = false;
  bool registerfiles = false;
  bool hipri = false;
  bool sqpoll = false;
};

class IoDriver {
 public:
  virtual ~IoDriver() = default;
  virtual const char* Name() const = 0;
  // Called once on the job thread before the first request.
  virtual int Activate(std::string* why) { return 0; }
  // Queues the rest of the slot's request (offset + done, length - done).
  virtual void Prep(IoSlot* slot) = 0;
  // Submits the queued requests and waits for at least wait_nr completions (or
  // returns early on a signal). Appends completions to out; returns 0 or -errno.
  virtual int SubmitAndReap(unsigned wait_nr, std::vector<Completion>* out) = 0;
};

// On failure these return null and put the reason, naming the refused option, in *why
// (with -errno in *err).
std::unique_ptr<IoDriver> CreateUringDriver(const DriverConfig& cfg, int* err, std::string* why);
std::unique_ptr<IoDriver> CreateThreadDriver(const DriverConfig& cfg, int* err, std::string* why);

// The synchronous body of one slot's request (shared by the drivers for operations
// they run inline). Returns bytes, 0, or -errno.
int64_t RunSlotSync(int fd, bool is_block, bool fua, const IoSlot& slot);

}  // namespace rawio

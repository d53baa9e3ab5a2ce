// What the write interlock needs to know about a target that only the kernel can
// tell: its device number, whether another holder claims it (an O_EXCL open fails
// with EBUSY), and its on-disk signatures. Mounts, holders and swaps are read from
// /proc and /sys in lib/safety.
#pragma once

#include <string>

#include "safety/signature_probe.h"

namespace rawio {

struct TargetReport {
  int stat_error = 0;  // -errno of stat(2), 0 on success
  bool is_block = false;
  unsigned major = 0;
  unsigned minor = 0;
  bool exclusive_tried = false;
  int exclusive_error = 0;  // -EBUSY: another holder claims it; 0: the O_EXCL open worked
  bool signatures_tried = false;
  SignatureReport signatures;
};

struct InspectSpec {
  std::string path;
  bool try_exclusive = true;  // off when the caller itself holds the device with O_EXCL
  bool probe_signatures = true;
};

// Runs on a worker thread: no V8 values, returns plain data.
TargetReport InspectTarget(const InspectSpec& spec);

}  // namespace rawio

// Opening a target: maps cache/read-only/exclusive requests to open(2) flags and
// reports what was really applied.
#pragma once

#include <string>

#include "util/unique_fd.h"

namespace rawio {

struct OpenSpec {
  std::string path;
  bool read_only = false;
  bool direct = false;     // O_DIRECT
  bool exclusive = false;  // O_EXCL (block devices only)
};

struct Opened {
  UniqueFd fd;
  bool is_block = false;
  bool direct = false;
  bool exclusive = false;
  bool read_only = false;
};

// Returns 0 or -errno; on failure *why names the cause in words when the errno
// alone would mislead (O_DIRECT refused by the filesystem, not a file or device).
int OpenTarget(const OpenSpec& spec, Opened* out, std::string* why);

}  // namespace rawio

// On-disk signatures (filesystems, partition tables, RAID, LVM, swap, crypto) read by
// libblkid for the write interlock. Plain data out; nothing here throws.
#pragma once

#include <string>
#include <vector>

namespace rawio {

struct Signature {
  std::string chain;  // "superblocks" or "partitions"
  std::string type;   // TYPE (ext4, swap, LVM2_member, ...) or PTTYPE (dos, gpt, ...)
  std::string usage;  // USAGE: filesystem, raid, crypto, other (superblocks only)
  std::string uuid;   // UUID, or PTUUID for a partition table
  std::string label;  // LABEL
  std::string version;
};

struct SignatureReport {
  bool available = false;   // libblkid was loaded
  std::string reason;       // why not available, or why the probe failed
  int error = 0;            // -errno when the probe could not run
  bool ambivalent = false;  // more than one superblock signature matched
  std::vector<Signature> found;
};

// Probes path (a block device or image) with superblocks and partitions enabled.
SignatureReport ProbeSignatures(const std::string& path);

// libblkid's version string, or "" when it could not be loaded.
std::string BlkidVersion();

}  // namespace rawio

// libblkid, loaded at run time (dlopen of libblkid.so.1), so that the signature check needs no
// header at build time and a prebuild runs wherever util-linux is installed. Declares the part of
// libblkid's stable ABI that rawio calls; nothing here throws.
#pragma once

#include <cstddef>
#include <string>

namespace rawio {

struct BlkidProbeStruct;
using BlkidProbe = BlkidProbeStruct*;

// Flag values from <blkid/blkid.h> (stable ABI since util-linux 2.17; BADCSUM since 2.24).
constexpr int kBlkidSublksLabel = 1 << 1;
constexpr int kBlkidSublksUuid = 1 << 3;
constexpr int kBlkidSublksType = 1 << 5;
constexpr int kBlkidSublksUsage = 1 << 7;
constexpr int kBlkidSublksVersion = 1 << 8;
constexpr int kBlkidSublksBadcsum = 1 << 10;

struct BlkidApi {
  BlkidProbe (*new_probe_from_filename)(const char* filename);
  void (*free_probe)(BlkidProbe pr);
  int (*probe_enable_superblocks)(BlkidProbe pr, int enable);
  int (*probe_set_superblocks_flags)(BlkidProbe pr, int flags);
  int (*probe_enable_partitions)(BlkidProbe pr, int enable);
  int (*probe_set_partitions_flags)(BlkidProbe pr, int flags);
  int (*do_safeprobe)(BlkidProbe pr);
  int (*do_probe)(BlkidProbe pr);
  int (*probe_lookup_value)(BlkidProbe pr, const char* name, const char** data, size_t* len);
  int (*get_library_version)(const char** ver_string, const char** date_string);
};

struct BlkidLoad {
  const BlkidApi* api = nullptr;  // null when the library could not be loaded
  std::string library;            // the name dlopen was given
  std::string reason;             // why not, with how to install it
};

// Loads the library once per process (thread safe); later calls return the same result.
// RAWIO_LIBBLKID names another file or soname (tests, unusual installs).
const BlkidLoad& LoadBlkid();

}  // namespace rawio

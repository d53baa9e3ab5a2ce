// dlopen/dlsym of libblkid: the one place rawio loads a library at run time.
#include "safety/blkid_loader.h"

#include <dlfcn.h>

#include <cstdlib>

namespace rawio {

namespace {

constexpr const char* kInstallHint =
    "install libblkid (Debian/Ubuntu: apt-get install libblkid1; Fedora/RHEL: dnf install "
    "libblkid; "
    "Alpine: apk add libblkid; Arch: pacman -S util-linux-libs)";

template <typename F>
bool Bind(void* handle, const char* name, F* fn, std::string* missing) {
  *fn = reinterpret_cast<F>(dlsym(handle, name));
  if (!*fn && missing->empty()) *missing = name;
  return *fn != nullptr;
}

BlkidLoad Load() {
  BlkidLoad out;
  const char* env = std::getenv("RAWIO_LIBBLKID");
  out.library = env && *env ? env : "libblkid.so.1";
  void* handle = dlopen(out.library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* err = dlerror();
    out.reason = std::string(err ? err : "libblkid could not be loaded") + "; " + kInstallHint;
    return out;
  }
  static BlkidApi api;
  std::string missing;
  Bind(handle, "blkid_new_probe_from_filename", &api.new_probe_from_filename, &missing);
  Bind(handle, "blkid_free_probe", &api.free_probe, &missing);
  Bind(handle, "blkid_probe_enable_superblocks", &api.probe_enable_superblocks, &missing);
  Bind(handle, "blkid_probe_set_superblocks_flags", &api.probe_set_superblocks_flags, &missing);
  Bind(handle, "blkid_probe_enable_partitions", &api.probe_enable_partitions, &missing);
  Bind(handle, "blkid_probe_set_partitions_flags", &api.probe_set_partitions_flags, &missing);
  Bind(handle, "blkid_do_safeprobe", &api.do_safeprobe, &missing);
  Bind(handle, "blkid_do_probe", &api.do_probe, &missing);
  Bind(handle, "blkid_probe_lookup_value", &api.probe_lookup_value, &missing);
  Bind(handle, "blkid_get_library_version", &api.get_library_version, &missing);
  if (!missing.empty()) {
    dlclose(handle);
    out.reason = out.library + " lacks " + missing + " (util-linux too old); " + kInstallHint;
    return out;
  }
  out.api = &api;  // the handle stays open for the life of the process
  return out;
}

}  // namespace

const BlkidLoad& LoadBlkid() {
  static const BlkidLoad loaded = Load();
  return loaded;
}

}  // namespace rawio

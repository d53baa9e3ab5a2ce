#include "safety/signature_probe.h"

#include <errno.h>

#include "safety/blkid_loader.h"

namespace rawio {

namespace {

std::string Lookup(const BlkidApi& b, BlkidProbe pr, const char* name) {
  const char* value = nullptr;
  size_t len = 0;
  if (b.probe_lookup_value(pr, name, &value, &len) != 0 || value == nullptr) return "";
  std::string s(value, len);
  while (!s.empty() && s.back() == '\0') s.pop_back();  // len counts the terminator
  return s;
}

// Moves what the last probe left in pr into out (a superblock, a partition table, or both).
void Collect(const BlkidApi& b, BlkidProbe pr, std::vector<Signature>* out) {
  std::string type = Lookup(b, pr, "TYPE");
  if (!type.empty()) {
    Signature s;
    s.chain = "superblocks";
    s.type = type;
    s.usage = Lookup(b, pr, "USAGE");
    s.uuid = Lookup(b, pr, "UUID");
    s.label = Lookup(b, pr, "LABEL");
    s.version = Lookup(b, pr, "VERSION");
    out->push_back(s);
  }
  std::string pttype = Lookup(b, pr, "PTTYPE");
  if (!pttype.empty()) {
    Signature s;
    s.chain = "partitions";
    s.type = pttype;
    s.uuid = Lookup(b, pr, "PTUUID");
    out->push_back(s);
  }
}

BlkidProbe NewProbe(const BlkidApi& b, const std::string& path, SignatureReport* report) {
  errno = 0;
  BlkidProbe pr = b.new_probe_from_filename(path.c_str());
  if (!pr) {
    report->error = errno ? -errno : -EIO;
    report->reason = "libblkid could not open the device";
    return nullptr;
  }
  b.probe_enable_superblocks(pr, 1);
  // A signature with a bad checksum still marks a disk someone cares about.
  b.probe_set_superblocks_flags(pr, kBlkidSublksType | kBlkidSublksUsage | kBlkidSublksUuid |
                                        kBlkidSublksLabel | kBlkidSublksVersion |
                                        kBlkidSublksBadcsum);
  b.probe_enable_partitions(pr, 1);
  b.probe_set_partitions_flags(pr, 0);
  return pr;
}

}  // namespace

SignatureReport ProbeSignatures(const std::string& path) {
  SignatureReport report;
  const BlkidLoad& lib = LoadBlkid();
  if (!lib.api) {
    report.reason = lib.reason;
    report.error = -ENOTSUP;
    return report;
  }
  const BlkidApi& b = *lib.api;
  report.available = true;
  BlkidProbe pr = NewProbe(b, path, &report);
  if (!pr) return report;
  int rc = b.do_safeprobe(pr);
  if (rc == 0) {
    Collect(b, pr, &report.found);
  } else if (rc == -2) {
    // Ambivalent: several superblocks claim the device. List every candidate.
    report.ambivalent = true;
    b.free_probe(pr);
    pr = NewProbe(b, path, &report);
    if (!pr) return report;
    while (b.do_probe(pr) == 0) Collect(b, pr, &report.found);
  } else if (rc < 0) {
    report.error = -EIO;
    report.reason = "libblkid could not read the device";
  }
  b.free_probe(pr);
  return report;
}

std::string BlkidVersion() {
  const BlkidLoad& lib = LoadBlkid();
  if (!lib.api) return "";
  const char* version = nullptr;
  lib.api->get_library_version(&version, nullptr);
  return version ? version : "";
}

}  // namespace rawio

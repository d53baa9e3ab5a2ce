#include "safety/signature_probe.h"

#include <errno.h>

#ifdef RAWIO_HAVE_BLKID
#include <blkid/blkid.h>
#endif

namespace rawio {

#ifdef RAWIO_HAVE_BLKID

namespace {

std::string Lookup(blkid_probe pr, const char* name) {
  const char* value = nullptr;
  size_t len = 0;
  if (blkid_probe_lookup_value(pr, name, &value, &len) != 0 || value == nullptr) return "";
  std::string s(value, len);
  while (!s.empty() && s.back() == '\0') s.pop_back();  // len counts the terminator
  return s;
}

// Moves what the last probe left in pr into out (a superblock, a partition table, or both).
void Collect(blkid_probe pr, std::vector<Signature>* out) {
  std::string type = Lookup(pr, "TYPE");
  if (!type.empty()) {
    Signature s;
    s.chain = "superblocks";
    s.type = type;
    s.usage = Lookup(pr, "USAGE");
    s.uuid = Lookup(pr, "UUID");
    s.label = Lookup(pr, "LABEL");
    s.version = Lookup(pr, "VERSION");
    out->push_back(s);
  }
  std::string pttype = Lookup(pr, "PTTYPE");
  if (!pttype.empty()) {
    Signature s;
    s.chain = "partitions";
    s.type = pttype;
    s.uuid = Lookup(pr, "PTUUID");
    out->push_back(s);
  }
}

blkid_probe NewProbe(const std::string& path, SignatureReport* report) {
  errno = 0;
  blkid_probe pr = blkid_new_probe_from_filename(path.c_str());
  if (!pr) {
    report->error = errno ? -errno : -EIO;
    report->reason = "libblkid could not open the device";
    return nullptr;
  }
  blkid_probe_enable_superblocks(pr, 1);
  // A signature with a bad checksum still marks a disk someone cares about.
  blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE | BLKID_SUBLKS_UUID |
                                            BLKID_SUBLKS_LABEL | BLKID_SUBLKS_VERSION |
                                            BLKID_SUBLKS_BADCSUM);
  blkid_probe_enable_partitions(pr, 1);
  blkid_probe_set_partitions_flags(pr, 0);
  return pr;
}

}  // namespace

SignatureReport ProbeSignatures(const std::string& path) {
  SignatureReport report;
  report.available = true;
  blkid_probe pr = NewProbe(path, &report);
  if (!pr) return report;
  int rc = blkid_do_safeprobe(pr);
  if (rc == 0) {
    Collect(pr, &report.found);
  } else if (rc == -2) {
    // Ambivalent: several superblocks claim the device. List every candidate.
    report.ambivalent = true;
    blkid_free_probe(pr);
    pr = NewProbe(path, &report);
    if (!pr) return report;
    while (blkid_do_probe(pr) == 0) Collect(pr, &report.found);
  } else if (rc < 0) {
    report.error = -EIO;
    report.reason = "libblkid could not read the device";
  }
  blkid_free_probe(pr);
  return report;
}

std::string BlkidVersion() {
  const char* version = nullptr;
  blkid_get_library_version(&version, nullptr);
  return version ? version : "";
}

#else  // !RAWIO_HAVE_BLKID

SignatureReport ProbeSignatures(const std::string&) {
  SignatureReport report;
  report.available = false;
  report.reason = "libblkid not available";
  report.error = -ENOTSUP;
  return report;
}

std::string BlkidVersion() { return ""; }

#endif

}  // namespace rawio

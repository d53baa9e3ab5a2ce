// Prebuilds only (RAWIO_GLIBC_COMPAT, set by binding.gyp when RAWIO_PORTABLE=1): keeps the glibc
// symbol versions the addon needs at or below 2.28, the floor of Node.js 20's own Linux binaries,
// although it is built on a newer glibc. The link wraps each newer symbol (-Wl,--wrap=NAME), and
// the wrapper calls the oldest version of it (.symver), so the addon and the static libstdc++ in
// it bind to symbols every glibc since 2.17 has. test/pkg/prebuilds.test.ts reads the result with
// objdump -T. Nothing here is used in a normal build.
#ifdef RAWIO_GLIBC_COMPAT

#include <dlfcn.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>

#if defined(__x86_64__)
#define RAWIO_GLIBC_BASE "GLIBC_2.2.5"
#define RAWIO_STAT_VER 1  // _STAT_VER_LINUX
#elif defined(__aarch64__)
#define RAWIO_GLIBC_BASE "GLIBC_2.17"
#define RAWIO_STAT_VER 0
#else
#error "RAWIO_GLIBC_COMPAT: no base glibc version known for this architecture"
#endif

#define RAWIO_OLD(name, alias) __asm__(".symver " #alias "," #name "@" RAWIO_GLIBC_BASE)

extern "C" {

// glibc 2.32 (GCC 12's shared_ptr reads it): a local copy that always says "threads may run", so
// reference counts stay atomic, which is what an addon inside Node needs anyway.
__attribute__((visibility("hidden"))) char __libc_single_threaded = 0;

// glibc 2.34 moved pthread and dl* into libc with new versions; the old ones are in every glibc.
int rawio_old_pthread_create(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
int rawio_old_pthread_join(pthread_t, void**);
int rawio_old_pthread_detach(pthread_t);
int rawio_old_pthread_once(pthread_once_t*, void (*)(void));
int rawio_old_pthread_key_create(pthread_key_t*, void (*)(void*));
int rawio_old_pthread_key_delete(pthread_key_t);
void* rawio_old_pthread_getspecific(pthread_key_t);
int rawio_old_pthread_setspecific(pthread_key_t, const void*);
void* rawio_old_dlopen(const char*, int);
void* rawio_old_dlsym(void*, const char*);
char* rawio_old_dlerror(void);
int rawio_old_dlclose(void*);
// glibc 2.33 made stat/fstat real symbols; before, they were inline calls of __xstat64/__fxstat64.
int rawio_old_xstat64(int, const char*, struct stat*);
int rawio_old_fxstat64(int, int, struct stat*);

RAWIO_OLD(pthread_create, rawio_old_pthread_create);
RAWIO_OLD(pthread_join, rawio_old_pthread_join);
RAWIO_OLD(pthread_detach, rawio_old_pthread_detach);
RAWIO_OLD(pthread_once, rawio_old_pthread_once);
RAWIO_OLD(pthread_key_create, rawio_old_pthread_key_create);
RAWIO_OLD(pthread_key_delete, rawio_old_pthread_key_delete);
RAWIO_OLD(pthread_getspecific, rawio_old_pthread_getspecific);
RAWIO_OLD(pthread_setspecific, rawio_old_pthread_setspecific);
RAWIO_OLD(dlopen, rawio_old_dlopen);
RAWIO_OLD(dlsym, rawio_old_dlsym);
RAWIO_OLD(dlerror, rawio_old_dlerror);
RAWIO_OLD(dlclose, rawio_old_dlclose);
RAWIO_OLD(__xstat64, rawio_old_xstat64);
RAWIO_OLD(__fxstat64, rawio_old_fxstat64);

int __wrap_pthread_create(pthread_t* t, const pthread_attr_t* a, void* (*f)(void*), void* arg) {
  return rawio_old_pthread_create(t, a, f, arg);
}
int __wrap_pthread_join(pthread_t t, void** r) { return rawio_old_pthread_join(t, r); }
int __wrap_pthread_detach(pthread_t t) { return rawio_old_pthread_detach(t); }
int __wrap_pthread_once(pthread_once_t* o, void (*f)(void)) { return rawio_old_pthread_once(o, f); }
int __wrap_pthread_key_create(pthread_key_t* k, void (*d)(void*)) {
  return rawio_old_pthread_key_create(k, d);
}
int __wrap___pthread_key_create(pthread_key_t* k, void (*d)(void*)) {
  return rawio_old_pthread_key_create(k, d);
}
int __wrap_pthread_key_delete(pthread_key_t k) { return rawio_old_pthread_key_delete(k); }
void* __wrap_pthread_getspecific(pthread_key_t k) { return rawio_old_pthread_getspecific(k); }
int __wrap_pthread_setspecific(pthread_key_t k, const void* v) {
  return rawio_old_pthread_setspecific(k, v);
}
void* __wrap_dlopen(const char* f, int m) { return rawio_old_dlopen(f, m); }
void* __wrap_dlsym(void* h, const char* s) { return rawio_old_dlsym(h, s); }
char* __wrap_dlerror(void) { return rawio_old_dlerror(); }
int __wrap_dlclose(void* h) { return rawio_old_dlclose(h); }
int __wrap_stat64(const char* p, struct stat* st) {
  return rawio_old_xstat64(RAWIO_STAT_VER, p, st);
}
int __wrap_fstat64(int fd, struct stat* st) { return rawio_old_fxstat64(RAWIO_STAT_VER, fd, st); }

// glibc 2.32: looked up at run time; null (an unknown name) where glibc is older.
const char* __wrap_strerrorname_np(int err) {
  using Fn = const char* (*)(int);
  static const Fn fn = reinterpret_cast<Fn>(rawio_old_dlsym(RTLD_DEFAULT, "strerrorname_np"));
  return fn ? fn(err) : nullptr;
}

// glibc 2.36 (std::random_device in the static libstdc++): glibc's own where it has one, else
// getentropy (2.25), which is what libstdc++ falls back to as well.
uint32_t __wrap_arc4random(void) {
  using Fn = uint32_t (*)(void);
  static const Fn fn = reinterpret_cast<Fn>(rawio_old_dlsym(RTLD_DEFAULT, "arc4random"));
  if (fn) return fn();
  uint32_t v = 0;
  getentropy(&v, sizeof(v));
  return v;
}

// glibc 2.29 gave log and pow new versions (no SVID error handling); the old ones compute the
// same values for the finite arguments the bench's distributions pass (fio's zipf, pareto, normal).
double rawio_old_log(double);
double rawio_old_pow(double, double);
RAWIO_OLD(log, rawio_old_log);
RAWIO_OLD(pow, rawio_old_pow);
double __wrap_log(double x) { return rawio_old_log(x); }
double __wrap_pow(double x, double y) { return rawio_old_pow(x, y); }

}  // extern "C"

#endif  // RAWIO_GLIBC_COMPAT

{
  "targets": [
    {
      "target_name": "rawio",
      "sources": ["<!@(node scripts/native-sources.js)"],
      "include_dirs": [
        "<!@(node scripts/probe-liburing.js include-dirs)",
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "_GNU_SOURCE",
        "<!@(node scripts/probe-liburing.js defines)"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "libraries": ["<!@(node scripts/probe-liburing.js libraries)", "-ldl"],
      "conditions": [
        ["'<!(node -p \"process.env.RAWIO_PORTABLE || 0\")'=='1'", {
          "defines": ["RAWIO_STATIC_CXX", "RAWIO_GLIBC_COMPAT"],
          "ldflags": [
            "-static-libstdc++",
            "-Wl,--no-as-needed,-l:libpthread.so.0,-l:libdl.so.2,--as-needed",
            "-Wl,--wrap=pthread_create,--wrap=pthread_join,--wrap=pthread_detach,--wrap=pthread_once",
            "-Wl,--wrap=pthread_key_create,--wrap=__pthread_key_create,--wrap=pthread_key_delete",
            "-Wl,--wrap=pthread_getspecific,--wrap=pthread_setspecific",
            "-Wl,--wrap=dlopen,--wrap=dlsym,--wrap=dlerror,--wrap=dlclose",
            "-Wl,--wrap=stat64,--wrap=fstat64,--wrap=strerrorname_np,--wrap=arc4random,--wrap=log,--wrap=pow"
          ]
        }]
      ]
    }
  ]
}

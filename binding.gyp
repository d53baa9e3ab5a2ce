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
      "libraries": ["<!@(node scripts/probe-liburing.js libraries)", "-ldl"]
    }
  ]
}

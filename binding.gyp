{
  "targets": [
    {
      "target_name": "rawio",
      "sources": ["<!@(node scripts/native-sources.js)"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "_GNU_SOURCE"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "conditions": [
        ["'<!(node scripts/has-liburing.js)'=='1'", {
          "defines": ["RAWIO_HAVE_URING"],
          "libraries": ["-l:liburing.a"]
        }],
        ["'<!(node scripts/has-blkid.js)'=='1'", {
          "defines": ["RAWIO_HAVE_BLKID"],
          "libraries": ["-lblkid"]
        }]
      ]
    }
  ]
}

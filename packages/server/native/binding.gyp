# The optional native fast path of the forwarding plane (README.md, "Native send path"). Built by
# native/build.mjs at install time against the headers of the Node that runs the server
# (Node-API; OpenSSL from that Node's own exported symbols, so no libssl at build or run time).
{
  "targets": [
    {
      "target_name": "rtcroom_native",
      "sources": ["src/addon.c", "src/srtp.c", "src/batch.c", "src/rxstamp.c", "src/heap-pressure.c", "src/fanout.c", "src/addon-fanout.c"],
      "defines": ["NAPI_VERSION=8", "OPENSSL_API_COMPAT=30000", "OPENSSL_NO_DEPRECATED"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
      "conditions": [
        ["OS!='linux'", { "sources!": ["src/batch.c"], "sources": ["src/batch-none.c"] }]
      ]
    }
  ]
}

/*
 * What the module's Node-API files share (addon.c, addon-fanout.c): argument readers, the
 * thread's send queue, the socket handle.
 */
#ifndef RTCROOM_ADDON_H
#define RTCROOM_ADDON_H

#include <stdbool.h>
#include <stdint.h>

#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#include "batch.h"
#include "srtp.h"

/*
 * The module's objects reach JavaScript as externals whose data begins with a marker: a context
 * (srtp_ctx_check), a socket (SOCK_MAGIC), a fan-out group or leg (addon-fanout.c). The marker is
 * checked on every call, in place of Node-API's type tags, which cost a property lookup on the
 * external per call (two per packet).
 */
#define SOCK_MAGIC 0x72746353434b0001ULL /* "rtcSCK" */

/* The largest UDP payload: no RTP packet is larger (and OpenSSL's int lengths stay far away). */
#define MAX_DATAGRAM 65507

typedef struct {
  uint64_t magic;       /* SOCK_MAGIC */
  batch_socket *socket; /* NULL once closed */
} socket_handle;

#define CHECK(call)                                                  \
  do {                                                               \
    if ((call) != napi_ok) return throw_type(env, "native: " #call); \
  } while (0)

/* The queue of this thread (a Node process's JavaScript runs on one; worker threads get their own). */
batch_queue *queue_of_thread(void);
napi_value throw_type(napi_env env, const char *message);
bool get_bytes(napi_env env, napi_value v, const uint8_t **data, size_t *len, bool optional);
bool get_u32(napi_env env, napi_value v, uint32_t *out);
void *get_external(napi_env env, napi_value v);
srtp_ctx *get_ctx(napi_env env, napi_value v);
socket_handle *get_socket(napi_env env, napi_value v);

/* Adds the fan-out's functions to `exports` (addon-fanout.c); false on failure. */
bool define_fanout(napi_env env, napi_value exports);

#endif

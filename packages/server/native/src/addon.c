/*
 * rtcroom's native fast path, as a Node-API module: SRTP protection on pre-keyed OpenSSL
 * contexts (srtp.c) and batched UDP sends with sendmmsg (batch.c). Loaded, checked and used by
 * packages/server/src/media/native/; every entry point validates its arguments and throws a
 * TypeError rather than crash.
 *
 *   gcm(key, salt, receiving?) / cm(key, salt, authKey) -> context (one per SRTP stream direction)
 *   protect(ctx, ssrc, roc, seq, header, prefix, payload, out) -> datagram length written to out
 *   unprotect(ctx, ssrc, roc, seq, packet, headerLength, out) -> RTP length written to out (0: forged)
 *   openSocket(fd) / closeSocket(socket)             -> a dup of a dgram socket's descriptor
 *   queue(socket, ctx, ssrc, roc, seq, header, prefix, payload, ip, port) -> queued?
 *   flush() -> datagrams sent; pending(); stats(); batching (sendmmsg available)
 *   protectRtcp(ctx, index, packet, out) / unprotectRtcp(ctx, packet, out) -> SRTCP (GCM) length written to out (0: failed / forged)
 *   receivedAgo(fd) -> ms since the last datagram read from fd arrived, -1 unknown (rxstamp.c)
 *   heapPressure() -> whether V8 was asked for an incremental memory-reducing GC (heap-pressure.c)
 *   heapPressureAvailable: whether this Node has the entry point heapPressure needs
 *   fanoutGroup() / fanoutLeg() / fanoutLegSet(...) / fanoutLegState(leg, out) / fanoutAdd(group, leg) /
 *   fanoutRemove(leg) / fanout(group, seq, ts, marker, payload, nowMs[, VP8 ids]) -> the native fan-out (addon-fanout.c)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"
#include "heap-pressure.h"
#include "rxstamp.h"

/* The queue of this thread (a Node process's JavaScript runs on one; worker threads get their own). */
static __thread batch_queue *thread_queue;

batch_queue *queue_of_thread(void) {
  if (!thread_queue) thread_queue = batch_queue_new();
  return thread_queue;
}

napi_value throw_type(napi_env env, const char *message) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_type_error(env, NULL, message);
  return NULL;
}

bool get_bytes(napi_env env, napi_value v, const uint8_t **data, size_t *len, bool optional) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return false;
  if (optional && (t == napi_undefined || t == napi_null)) {
    *data = NULL;
    *len = 0;
    return true;
  }
  bool is_buffer = false;
  if (napi_is_buffer(env, v, &is_buffer) != napi_ok || !is_buffer) return false;
  void *p = NULL;
  if (napi_get_buffer_info(env, v, &p, len) != napi_ok) return false;
  *data = p;
  return true;
}

bool get_u32(napi_env env, napi_value v, uint32_t *out) { return napi_get_value_uint32(env, v, out) == napi_ok; }

void *get_external(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}

srtp_ctx *get_ctx(napi_env env, napi_value v) { return srtp_ctx_check(get_external(env, v)); }

socket_handle *get_socket(napi_env env, napi_value v) {
  socket_handle *h = get_external(env, v);
  return h && h->magic == SOCK_MAGIC ? h : NULL;
}

static void free_ctx(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  srtp_free(data);
}

static napi_value wrap_ctx(napi_env env, srtp_ctx *ctx) {
  napi_value v;
  if (!ctx) return throw_type(env, "native: OpenSSL refused the SRTP key");
  if (napi_create_external(env, ctx, free_ctx, NULL, &v) != napi_ok) {
    srtp_free(ctx);
    return throw_type(env, "native: cannot wrap the SRTP context");
  }
  return v;
}

static napi_value js_gcm(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value a[3];
  const uint8_t *key, *salt;
  size_t key_len, salt_len;
  bool decrypt = false;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 2 || !get_bytes(env, a[0], &key, &key_len, false) || !get_bytes(env, a[1], &salt, &salt_len, false) || key_len != 16 ||
      salt_len < 12 || (argc > 2 && napi_get_value_bool(env, a[2], &decrypt) != napi_ok))
    return throw_type(env, "gcm(key, salt, receiving?): a 16-byte key, a 12-byte salt, a boolean");
  return wrap_ctx(env, srtp_gcm_new(key, salt, decrypt));
}

static napi_value js_cm(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value a[3];
  const uint8_t *key, *salt, *auth;
  size_t key_len, salt_len, auth_len;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 3 || !get_bytes(env, a[0], &key, &key_len, false) || !get_bytes(env, a[1], &salt, &salt_len, false) ||
      !get_bytes(env, a[2], &auth, &auth_len, false) || key_len != 16 || salt_len != 14 || auth_len != 20)
    return throw_type(env, "cm(key, salt, authKey): a 16-byte key, a 14-byte salt and a 20-byte auth key");
  return wrap_ctx(env, srtp_cm_new(key, salt, auth));
}

/* The packet arguments shared by protect and queue: ctx, ssrc, roc, seq, header, prefix, payload. */
typedef struct {
  srtp_ctx *ctx;
  uint32_t ssrc, roc, seq;
  const uint8_t *header, *prefix, *payload;
  size_t header_len, prefix_len, payload_len;
} packet_args;

static bool get_packet(napi_env env, const napi_value *a, packet_args *p) {
  p->ctx = get_ctx(env, a[0]);
  return p->ctx && get_u32(env, a[1], &p->ssrc) && get_u32(env, a[2], &p->roc) && get_u32(env, a[3], &p->seq) && p->seq <= 0xffff &&
         get_bytes(env, a[4], &p->header, &p->header_len, false) && p->header_len >= 12 &&
         get_bytes(env, a[5], &p->prefix, &p->prefix_len, true) && get_bytes(env, a[6], &p->payload, &p->payload_len, false) &&
         p->header_len + p->prefix_len + p->payload_len <= MAX_DATAGRAM;
}

static size_t datagram_len(const packet_args *p) { return p->header_len + p->prefix_len + p->payload_len + srtp_overhead(p->ctx); }

static size_t protect_to(const packet_args *p, uint8_t *out) {
  return srtp_protect(p->ctx, p->ssrc, p->roc, (uint16_t)p->seq, p->header, p->header_len, p->prefix, p->prefix_len, p->payload,
                      p->payload_len, out);
}

static napi_value js_protect(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value a[8], result;
  packet_args p;
  uint8_t *out;
  size_t out_len;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 8 || !get_packet(env, a, &p) || !get_bytes(env, a[7], (const uint8_t **)&out, &out_len, false))
    return throw_type(env, "protect(ctx, ssrc, roc, seq, header, prefix, payload, out): invalid arguments");
  if (out_len < datagram_len(&p)) return throw_type(env, "protect: out is too small for the datagram");
  size_t n = protect_to(&p, out);
  if (n == 0) return throw_type(env, "protect: OpenSSL failed");
  CHECK(napi_create_uint32(env, (uint32_t)n, &result));
  return result;
}

static napi_value js_unprotect(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value a[7], result;
  uint32_t ssrc, roc, seq, header_len;
  const uint8_t *packet;
  uint8_t *out;
  size_t len, out_len;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  srtp_ctx *ctx = argc < 7 ? NULL : get_ctx(env, a[0]);
  if (!ctx || !get_u32(env, a[1], &ssrc) || !get_u32(env, a[2], &roc) || !get_u32(env, a[3], &seq) || seq > 0xffff ||
      !get_bytes(env, a[4], &packet, &len, false) || !get_u32(env, a[5], &header_len) ||
      !get_bytes(env, a[6], (const uint8_t **)&out, &out_len, false) || len > MAX_DATAGRAM)
    return throw_type(env, "unprotect(ctx, ssrc, roc, seq, packet, headerLength, out): invalid arguments");
  if (len >= srtp_overhead(ctx) && out_len < len - srtp_overhead(ctx)) return throw_type(env, "unprotect: out is too small for the packet");
  CHECK(napi_create_uint32(env, (uint32_t)srtp_unprotect(ctx, ssrc, roc, (uint16_t)seq, packet, len, header_len, out), &result));
  return result;
}

static napi_value js_protect_rtcp(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value a[4], result;
  uint32_t index;
  const uint8_t *packet;
  uint8_t *out;
  size_t len, out_len;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  srtp_ctx *ctx = argc < 4 ? NULL : get_ctx(env, a[0]);
  if (!ctx || !get_u32(env, a[1], &index) || !get_bytes(env, a[2], &packet, &len, false) ||
      !get_bytes(env, a[3], (const uint8_t **)&out, &out_len, false) || len > MAX_DATAGRAM)
    return throw_type(env, "protectRtcp(ctx, index, packet, out): invalid arguments");
  if (out_len < len + 20) return throw_type(env, "protectRtcp: out is too small for the packet");
  CHECK(napi_create_uint32(env, (uint32_t)srtcp_gcm_protect(ctx, index, packet, len, out), &result));
  return result;
}

static napi_value js_unprotect_rtcp(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value a[3], result;
  const uint8_t *packet;
  uint8_t *out;
  size_t len, out_len;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  srtp_ctx *ctx = argc < 3 ? NULL : get_ctx(env, a[0]);
  if (!ctx || !get_bytes(env, a[1], &packet, &len, false) || !get_bytes(env, a[2], (const uint8_t **)&out, &out_len, false) ||
      len > MAX_DATAGRAM)
    return throw_type(env, "unprotectRtcp(ctx, packet, out): invalid arguments");
  if (len >= 20 && out_len < len - 20) return throw_type(env, "unprotectRtcp: out is too small for the packet");
  CHECK(napi_create_uint32(env, (uint32_t)srtcp_gcm_unprotect(ctx, packet, len, out), &result));
  return result;
}

static void free_socket(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  socket_handle *h = data;
  if (h->socket) batch_socket_close(queue_of_thread(), h->socket);
  h->magic = 0;
  free(h);
}

static napi_value js_open_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1], v;
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, a[0], &fd) != napi_ok || fd < 0) return throw_type(env, "openSocket(fd): a descriptor");
  if (!queue_of_thread()) return throw_type(env, "openSocket: no batch queue (out of memory, or no sendmmsg here)");
  batch_socket *s = batch_socket_open(fd);
  if (!s) {
    napi_throw_error(env, NULL, strerror(errno));
    return NULL;
  }
  socket_handle *h = malloc(sizeof *h);
  if (!h) {
    batch_socket_close(NULL, s);
    return throw_type(env, "openSocket: out of memory");
  }
  h->magic = SOCK_MAGIC;
  h->socket = s;
  if (napi_create_external(env, h, free_socket, NULL, &v) != napi_ok) {
    free_socket(env, h, NULL);
    return throw_type(env, "openSocket: cannot wrap the socket");
  }
  return v;
}

static napi_value js_close_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  socket_handle *h = argc < 1 ? NULL : get_socket(env, a[0]);
  if (!h) return throw_type(env, "closeSocket(socket): a socket from openSocket");
  if (h->socket) batch_socket_close(queue_of_thread(), h->socket);
  h->socket = NULL;
  return NULL;
}

static napi_value js_queue(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value a[10], result;
  packet_args p;
  uint32_t ip, port;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  socket_handle *h = argc < 10 ? NULL : get_socket(env, a[0]);
  if (!h || !get_packet(env, a + 1, &p) || !get_u32(env, a[8], &ip) || !get_u32(env, a[9], &port) || port > 0xffff)
    return throw_type(env, "queue(socket, ctx, ssrc, roc, seq, header, prefix, payload, ip, port): invalid arguments");
  bool queued = false;
  batch_queue *q = queue_of_thread();
  uint8_t *slot = h->socket && q ? batch_reserve(q, datagram_len(&p)) : NULL;
  if (slot) {
    size_t n = protect_to(&p, slot);
    if (n > 0) {
      batch_commit(q, h->socket, n, ip, (uint16_t)port);
      queued = true;
    }
  }
  CHECK(napi_get_boolean(env, queued, &result));
  return result;
}

static napi_value js_flush(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  batch_queue *q = thread_queue;
  CHECK(napi_create_uint32(env, q ? batch_flush(q) : 0, &result));
  return result;
}

static napi_value js_pending(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CHECK(napi_create_uint32(env, thread_queue ? batch_pending(thread_queue) : 0, &result));
  return result;
}

static bool set_number(napi_env env, napi_value obj, const char *name, double value) {
  napi_value v;
  return napi_create_double(env, value, &v) == napi_ok && napi_set_named_property(env, obj, name, v) == napi_ok;
}

static napi_value js_stats(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj;
  batch_stats s = {0};
  if (thread_queue) s = batch_get_stats(thread_queue);
  CHECK(napi_create_object(env, &obj));
  if (!set_number(env, obj, "queued", (double)s.queued) || !set_number(env, obj, "sent", (double)s.sent) ||
      !set_number(env, obj, "syscalls", (double)s.syscalls) || !set_number(env, obj, "dropped", (double)s.dropped) ||
      !set_number(env, obj, "lastErrno", s.last_errno))
    return throw_type(env, "stats: cannot build the result");
  return obj;
}

static napi_value js_received_ago(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1], result;
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  if (argc < 1 || napi_get_value_int32(env, a[0], &fd) != napi_ok) return throw_type(env, "receivedAgo(fd): a descriptor");
  CHECK(napi_create_double(env, rxstamp_age_ms(fd), &result));
  return result;
}

static napi_value js_heap_pressure(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CHECK(napi_get_boolean(env, heap_pressure_moderate() != 0, &result));
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"gcm", NULL, js_gcm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"cm", NULL, js_cm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"protect", NULL, js_protect, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unprotect", NULL, js_unprotect, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openSocket", NULL, js_open_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"closeSocket", NULL, js_close_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"queue", NULL, js_queue, NULL, NULL, NULL, napi_enumerable, NULL},
      {"flush", NULL, js_flush, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pending", NULL, js_pending, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_enumerable, NULL},
      {"receivedAgo", NULL, js_received_ago, NULL, NULL, NULL, napi_enumerable, NULL},
      {"heapPressure", NULL, js_heap_pressure, NULL, NULL, NULL, napi_enumerable, NULL},
      {"protectRtcp", NULL, js_protect_rtcp, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unprotectRtcp", NULL, js_unprotect_rtcp, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_value batching, pressure;
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok ||
      napi_get_boolean(env, batch_supported != 0, &batching) != napi_ok ||
      napi_set_named_property(env, exports, "batching", batching) != napi_ok ||
      napi_get_boolean(env, heap_pressure_available() != 0, &pressure) != napi_ok ||
      napi_set_named_property(env, exports, "heapPressureAvailable", pressure) != napi_ok || !define_fanout(env, exports))
    return NULL;
  return exports;
}

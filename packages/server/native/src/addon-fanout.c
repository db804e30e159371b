/*
 * Node-API bindings of the native fan-out (fanout.c):
 *
 *   fanoutGroup() -> group                      (one per producer stream)
 *   fanoutLeg() -> leg                          (one per consumer in the lane)
 *   fanoutLegSet(leg, ctx, socket, ip, port, ssrc, pt, ccId, ccBlock, seqOffset, tsOffset,
 *                pidOffset, tl0Offset, lastSeq, roc, lastTs, lastSendMs, packets, octets)
 *   fanoutLegState(leg, out)                    -> writes [lastSeq, roc, lastTs, lastSendMs, packets, octets] to a Float64Array
 *   fanoutAdd(group, leg) / fanoutRemove(leg)
 *   fanout(group, seq, ts, marker, payload, nowMs[, pidPos, pidBits, pid, tl0Pos, tl0])
 *                                               -> legs the packet was queued on (positions -1: no such VP8 id)
 *
 * A leg holds references to the SRTP context, the socket and the shared block it was given, so
 * none of them is freed while it may send with them; a group's or a leg's finalizer takes its
 * legs (or itself) out first.
 */
#include <stdlib.h>
#include <string.h>

#include "addon.h"
#include "fanout.h"

#define GROUP_MAGIC 0x72746347525001ULL /* "rtcGRP" */
#define LEG_MAGIC 0x7274634c454701ULL   /* "rtcLEG" */

typedef struct {
  uint64_t magic; /* GROUP_MAGIC */
  fanout_group *group;
} group_handle;

typedef struct {
  fanout_leg leg; /* leg.magic: LEG_MAGIC */
  napi_ref ctx_ref, socket_ref, cc_ref;
} leg_handle;

static batch_socket *const no_socket = NULL;

static group_handle *get_group(napi_env env, napi_value v) {
  group_handle *g = get_external(env, v);
  return g && g->magic == GROUP_MAGIC ? g : NULL;
}

static leg_handle *get_leg(napi_env env, napi_value v) {
  leg_handle *l = get_external(env, v);
  return l && l->leg.magic == LEG_MAGIC ? l : NULL;
}

static bool get_f64(napi_env env, napi_value v, double *out) { return napi_get_value_double(env, v, out) == napi_ok; }

static void free_group(napi_env env, void *data, void *hint) {
  (void)env, (void)hint;
  group_handle *g = data;
  fanout_group_free(g->group);
  g->magic = 0;
  free(g);
}

static void drop_refs(napi_env env, leg_handle *l) {
  napi_ref *refs[] = {&l->ctx_ref, &l->socket_ref, &l->cc_ref};
  for (unsigned i = 0; i < 3; i++) {
    if (*refs[i]) napi_delete_reference(env, *refs[i]);
    *refs[i] = NULL;
  }
  l->leg.ctx = NULL;
  l->leg.socket = &no_socket;
  l->leg.cc = NULL;
}

static void free_leg(napi_env env, void *data, void *hint) {
  (void)hint;
  leg_handle *l = data;
  fanout_leg_remove(&l->leg);
  drop_refs(env, l);
  l->leg.magic = 0;
  free(l);
}

static napi_value js_fanout_group(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  group_handle *g = malloc(sizeof *g);
  if (g) g->group = fanout_group_new();
  if (!g || !g->group) {
    if (g) free(g);
    return throw_type(env, "fanoutGroup: out of memory");
  }
  g->magic = GROUP_MAGIC;
  if (napi_create_external(env, g, free_group, NULL, &v) != napi_ok) {
    free_group(env, g, NULL);
    return throw_type(env, "fanoutGroup: cannot wrap the group");
  }
  return v;
}

static napi_value js_fanout_leg(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  leg_handle *l = calloc(1, sizeof *l);
  if (!l) return throw_type(env, "fanoutLeg: out of memory");
  l->leg.magic = LEG_MAGIC;
  l->leg.socket = &no_socket;
  l->leg.last_seq = -1;
  if (napi_create_external(env, l, free_leg, NULL, &v) != napi_ok) {
    free(l);
    return throw_type(env, "fanoutLeg: cannot wrap the leg");
  }
  return v;
}

static napi_value js_fanout_leg_set(napi_env env, napi_callback_info info) {
  size_t argc = 19;
  napi_value a[19];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  leg_handle *l = argc < 19 ? NULL : get_leg(env, a[0]);
  srtp_ctx *ctx = l ? get_ctx(env, a[1]) : NULL;
  socket_handle *sock = ctx ? get_socket(env, a[2]) : NULL;
  uint32_t ip, port, ssrc, pt, cc_id, seq_offset, ts_offset, pid_offset, tl0_offset, roc, last_ts;
  double last_seq, last_send_ms, packets, octets;
  const uint8_t *cc = NULL;
  size_t cc_len = 0;
  if (!sock || !get_u32(env, a[3], &ip) || !get_u32(env, a[4], &port) || port > 0xffff || !get_u32(env, a[5], &ssrc) ||
      !get_u32(env, a[6], &pt) || pt > 127 || !get_u32(env, a[7], &cc_id) || cc_id > 14 || !get_bytes(env, a[8], &cc, &cc_len, true) ||
      (cc && cc_len < FANOUT_CC_BYTES) || !get_u32(env, a[9], &seq_offset) || seq_offset > 0xffff || !get_u32(env, a[10], &ts_offset) ||
      !get_u32(env, a[11], &pid_offset) || pid_offset > 0x7fff || !get_u32(env, a[12], &tl0_offset) || tl0_offset > 0xff ||
      !get_f64(env, a[13], &last_seq) || last_seq < -1 || last_seq > 0xffff || !get_u32(env, a[14], &roc) || !get_u32(env, a[15], &last_ts) ||
      !get_f64(env, a[16], &last_send_ms) || !get_f64(env, a[17], &packets) || !get_f64(env, a[18], &octets))
    return throw_type(env,
                      "fanoutLegSet(leg, ctx, socket, ip, port, ssrc, pt, ccId, ccBlock, seqOffset, tsOffset, pidOffset, tl0Offset, "
                      "lastSeq, roc, lastTs, lastSendMs, packets, octets): invalid arguments");
  napi_ref ctx_ref, socket_ref, cc_ref = NULL;
  CHECK(napi_create_reference(env, a[1], 1, &ctx_ref));
  CHECK(napi_create_reference(env, a[2], 1, &socket_ref));
  if (cc) CHECK(napi_create_reference(env, a[8], 1, &cc_ref));
  drop_refs(env, l);
  fanout_leg *g = &l->leg;
  l->ctx_ref = ctx_ref;
  l->socket_ref = socket_ref;
  l->cc_ref = cc_ref;
  g->ctx = ctx;
  g->socket = &sock->socket;
  g->cc = (uint8_t *)cc;
  g->ip = ip;
  g->port = (uint16_t)port;
  g->ssrc = ssrc;
  g->pt = (uint8_t)pt;
  g->cc_id = (uint8_t)cc_id;
  g->seq_offset = (uint16_t)seq_offset;
  g->ts_offset = ts_offset;
  g->pid_offset = (uint16_t)pid_offset;
  g->tl0_offset = (uint8_t)tl0_offset;
  g->last_seq = (int32_t)last_seq;
  g->roc = roc;
  g->last_ts = last_ts;
  g->last_send_ms = last_send_ms;
  g->packets = packets;
  g->octets = octets;
  return NULL;
}

static napi_value js_fanout_leg_state(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  leg_handle *l = argc < 2 ? NULL : get_leg(env, a[0]);
  bool is_typed = false;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (!l || napi_is_typedarray(env, a[1], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, a[1], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_float64_array || length < 6)
    return throw_type(env, "fanoutLegState(leg, out): a leg and a Float64Array of 6");
  double *out = data;
  const fanout_leg *g = &l->leg;
  out[0] = g->last_seq;
  out[1] = g->roc;
  out[2] = g->last_ts;
  out[3] = g->last_send_ms;
  out[4] = g->packets;
  out[5] = g->octets;
  return NULL;
}

static napi_value js_fanout_add(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value a[2];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  group_handle *g = argc < 2 ? NULL : get_group(env, a[0]);
  leg_handle *l = g ? get_leg(env, a[1]) : NULL;
  if (!l) return throw_type(env, "fanoutAdd(group, leg): a group and a leg");
  if (!l->leg.ctx) return throw_type(env, "fanoutAdd: the leg has no route yet (fanoutLegSet)");
  if (!fanout_group_add(g->group, &l->leg)) return throw_type(env, "fanoutAdd: out of memory");
  return NULL;
}

static napi_value js_fanout_remove(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  leg_handle *l = argc < 1 ? NULL : get_leg(env, a[0]);
  if (!l) return throw_type(env, "fanoutRemove(leg): a leg");
  fanout_leg_remove(&l->leg);
  return NULL;
}

static napi_value js_fanout(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value a[11], result;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  group_handle *g = argc < 6 ? NULL : get_group(env, a[0]);
  uint32_t seq, ts;
  bool marker;
  const uint8_t *payload;
  size_t len;
  double now_ms;
  if (!g || !get_u32(env, a[1], &seq) || seq > 0xffff || !get_u32(env, a[2], &ts) || napi_get_value_bool(env, a[3], &marker) != napi_ok ||
      !get_bytes(env, a[4], &payload, &len, false) || len + 20 > MAX_DATAGRAM || !get_f64(env, a[5], &now_ms))
    return throw_type(env, "fanout(group, seq, ts, marker, payload, nowMs): invalid arguments");
  fanout_vp8 vp8 = FANOUT_NO_VP8;
  if (argc >= 11) {
    int32_t pid_pos, tl0_pos;
    uint32_t pid_bits, pid, tl0;
    if (napi_get_value_int32(env, a[6], &pid_pos) != napi_ok || pid_pos > 6 || !get_u32(env, a[7], &pid_bits) ||
        (pid_pos >= 0 && pid_bits != 7 && pid_bits != 15) || !get_u32(env, a[8], &pid) || pid > 0x7fff ||
        napi_get_value_int32(env, a[9], &tl0_pos) != napi_ok || tl0_pos > 6 || !get_u32(env, a[10], &tl0) || tl0 > 0xff)
      return throw_type(env, "fanout(..., pidPos, pidBits, pid, tl0Pos, tl0): invalid VP8 ids");
    vp8 = (fanout_vp8){pid_pos < 0 ? -1 : pid_pos, (int)pid_bits, pid, tl0_pos < 0 ? -1 : tl0_pos, tl0};
  }
  batch_queue *q = queue_of_thread();
  unsigned sent = q ? fanout_send(g->group, q, (uint16_t)seq, ts, marker, payload, len, &vp8, now_ms) : 0;
  CHECK(napi_create_uint32(env, sent, &result));
  return result;
}

bool define_fanout(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"fanoutGroup", NULL, js_fanout_group, NULL, NULL, NULL, napi_enumerable, NULL},
      {"fanoutLeg", NULL, js_fanout_leg, NULL, NULL, NULL, napi_enumerable, NULL},
      {"fanoutLegSet", NULL, js_fanout_leg_set, NULL, NULL, NULL, napi_enumerable, NULL},
      {"fanoutLegState", NULL, js_fanout_leg_state, NULL, NULL, NULL, napi_enumerable, NULL},
      {"fanoutAdd", NULL, js_fanout_add, NULL, NULL, NULL, napi_enumerable, NULL},
      {"fanoutRemove", NULL, js_fanout_remove, NULL, NULL, NULL, napi_enumerable, NULL},
      {"fanout", NULL, js_fanout, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}

/* The native fan-out (see fanout.h). */
#include "fanout.h"

#include <stdlib.h>
#include <string.h>

struct fanout_group {
  fanout_leg **legs;
  unsigned count, capacity;
};

fanout_group *fanout_group_new(void) { return calloc(1, sizeof(fanout_group)); }

void fanout_group_free(fanout_group *g) {
  if (!g) return;
  for (unsigned i = 0; i < g->count; i++) g->legs[i]->group = NULL;
  free(g->legs);
  free(g);
}

int fanout_group_add(fanout_group *g, fanout_leg *l) {
  if (l->group == g) return 1;
  fanout_leg_remove(l);
  if (g->count == g->capacity) {
    unsigned cap = g->capacity ? g->capacity * 2 : 16;
    fanout_leg **legs = realloc(g->legs, cap * sizeof *legs);
    if (!legs) return 0;
    g->legs = legs;
    g->capacity = cap;
  }
  l->group = g;
  l->index = g->count;
  g->legs[g->count++] = l;
  return 1;
}

void fanout_leg_remove(fanout_leg *l) {
  fanout_group *g = l->group;
  if (!g) return;
  /* the last leg takes its place */
  fanout_leg *last = g->legs[--g->count];
  g->legs[l->index] = last;
  last->index = l->index;
  l->group = NULL;
}

unsigned fanout_group_size(const fanout_group *g) { return g->count; }

static void put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v) {
  put16(p, v >> 16);
  put16(p + 2, v);
}

/* Signed distance a -> b in 16-bit sequence space. */
static int seq_diff(uint32_t a, uint32_t b) {
  int d = (int)((b - a) & 0xffff);
  return d >= 0x8000 ? d - 0x10000 : d;
}

/* The next transport-wide number of the leg's connection, recorded for JavaScript's send history. */
static uint16_t number(uint8_t *cc, uint32_t bytes, double now_ms) {
  uint32_t next, written;
  memcpy(&next, cc, 4);
  memcpy(&written, cc + 4, 4);
  uint16_t n = (uint16_t)next;
  next = (next + 1) & 0xffff;
  memcpy(cc, &next, 4);
  uint8_t *r = cc + FANOUT_CC_HEADER + (size_t)(written % FANOUT_CC_RECORDS) * FANOUT_CC_RECORD;
  uint32_t seq32 = n;
  memcpy(r, &seq32, 4);
  memcpy(r + 4, &bytes, 4);
  memcpy(r + 8, &now_ms, 8);
  written++;
  memcpy(cc + 4, &written, 4);
  return n;
}

const fanout_vp8 FANOUT_NO_VP8 = {-1, 0, 0, -1, 0};

/* The payload bytes up to the last VP8 id (0: no id to rewrite); the ids sit in the descriptor's first 6 bytes. */
static size_t vp8_prefix_len(const fanout_vp8 *v, size_t len) {
  size_t end = 0;
  if (v->pid_pos >= 0 && (v->pid_bits == 7 || v->pid_bits == 15)) end = (size_t)v->pid_pos + (v->pid_bits == 15 ? 2 : 1);
  if (v->tl0_pos >= 0 && (size_t)v->tl0_pos + 1 > end) end = (size_t)v->tl0_pos + 1;
  return end <= len && end <= 8 ? end : 0;
}

/* Writes the leg's ids into `prefix` (a copy of the payload's first bytes), as vp8-continuity.ts maps them. */
static void vp8_rewrite(const fanout_vp8 *v, const fanout_leg *l, uint8_t *prefix) {
  if (v->pid_pos >= 0 && v->pid_bits == 15) put16(prefix + v->pid_pos, 0x8000 | ((v->pid + l->pid_offset) & 0x7fff));
  else if (v->pid_pos >= 0 && v->pid_bits == 7) prefix[v->pid_pos] = (uint8_t)((v->pid + l->pid_offset) & 0x7f);
  if (v->tl0_pos >= 0) prefix[v->tl0_pos] = (uint8_t)(v->tl0 + l->tl0_offset);
}

unsigned fanout_send(fanout_group *g, batch_queue *q, uint16_t seq, uint32_t ts, int marker, const uint8_t *payload, size_t len,
                     const fanout_vp8 *vp8, double now_ms) {
  unsigned sent = 0;
  uint8_t header[20];
  uint8_t prefix[8];
  size_t prefix_len = vp8_prefix_len(vp8, len);
  for (unsigned i = 0; i < g->count; i++) {
    fanout_leg *l = g->legs[i];
    batch_socket *s = *l->socket;
    if (!s) continue;
    uint32_t out = (seq + l->seq_offset) & 0xffff;
    uint32_t out_ts = ts + l->ts_offset;
    /* the rollover counter, as the fast sender keeps it (fast-sender.ts sendOnFastPath) */
    int d = l->last_seq >= 0 ? seq_diff((uint32_t)l->last_seq, out) : 1;
    if (l->last_seq >= 0 && d > 0 && out < (uint32_t)l->last_seq) l->roc++;
    int late = l->last_seq >= 0 && d < 0;
    uint32_t roc = late && out > (uint32_t)l->last_seq ? l->roc - 1 : l->roc;
    if (!late) {
      l->last_seq = (int32_t)out;
      l->last_ts = out_ts;
      l->last_send_ms = now_ms;
    }
    size_t header_len = l->cc_id && l->cc ? 20 : 12;
    header[0] = header_len == 20 ? 0x90 : 0x80;
    header[1] = (uint8_t)((marker ? 0x80 : 0) | (l->pt & 0x7f));
    put16(header + 2, out);
    put32(header + 4, out_ts);
    put32(header + 8, l->ssrc);
    if (header_len == 20) {
      /* one-byte header extension block (RFC 8285): the transport-wide sequence number */
      header[12] = 0xbe;
      header[13] = 0xde;
      header[14] = 0;
      header[15] = 1;
      header[16] = (uint8_t)(l->cc_id << 4 | 1);
      put16(header + 17, number(l->cc, (uint32_t)(header_len + len), now_ms));
      header[19] = 0;
    }
    size_t total = header_len + len + srtp_overhead(l->ctx);
    uint8_t *slot = batch_reserve(q, total);
    if (!slot) continue;
    if (prefix_len) {
      memcpy(prefix, payload, prefix_len);
      vp8_rewrite(vp8, l, prefix);
    }
    size_t n = srtp_protect(l->ctx, l->ssrc, roc, (uint16_t)out, header, header_len, prefix, prefix_len, payload + prefix_len,
                            len - prefix_len, slot);
    if (n == 0) continue;
    batch_commit(q, s, n, l->ip, l->port);
    l->packets += 1;
    l->octets += (double)len;
    sent++;
  }
  return sent;
}

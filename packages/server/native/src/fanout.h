/*
 * The native fan-out: one call per publisher packet sends it on every subscriber leg of a group
 * (a producer's express lane), each with its own sequence and timestamp offsets, rollover
 * counter, SSRC, payload type, transport-wide sequence number and SRTP context, straight into
 * the sendmmsg queue. The per-leg work JavaScript did per packet (rewrite, header, numbering,
 * protection, counting) becomes a loop over small structs.
 *
 * A leg's transport-wide numbers come from its connection's block shared with JavaScript
 * (FANOUT_CC_*): the counter JavaScript also numbers from, and a ring of the packets numbered
 * here, which JavaScript drains into its send history (the congestion estimate's input).
 */
#ifndef RTCROOM_FANOUT_H
#define RTCROOM_FANOUT_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "srtp.h"

/* The shared block: u32 next number (16-bit), u32 records written, 8 bytes unused, then records of
 * 16 bytes (u32 number, u32 bytes, f64 send time ms), host byte order. */
#define FANOUT_CC_RECORDS 512
#define FANOUT_CC_HEADER 16
#define FANOUT_CC_RECORD 16
#define FANOUT_CC_BYTES (FANOUT_CC_HEADER + FANOUT_CC_RECORDS * FANOUT_CC_RECORD)

typedef struct fanout_group fanout_group;

/* One subscriber stream of the lane: its route, its rewriting and its state. */
typedef struct fanout_leg {
  uint64_t magic;
  fanout_group *group; /* NULL when in none */
  unsigned index;      /* its place in the group */
  /* the route */
  srtp_ctx *ctx;
  batch_socket *const *socket; /* where the socket's handle keeps it (NULL once closed) */
  uint32_t ip;
  uint16_t port;
  uint32_t ssrc;
  uint8_t pt;
  uint8_t cc_id;   /* transport-wide extension id, 0: none */
  uint8_t *cc;     /* the connection's shared block (FANOUT_CC_BYTES), NULL: none */
  /* rewriting: out = in + offset (VP8 picture ids in 15-bit space, TL0PICIDX in 8-bit) */
  uint16_t seq_offset;
  uint32_t ts_offset;
  uint16_t pid_offset;
  uint8_t tl0_offset;
  /* state, as the JavaScript fast sender keeps it */
  int32_t last_seq; /* -1: nothing sent yet */
  uint32_t roc;
  uint32_t last_ts;
  double last_send_ms;
  double packets;
  double octets;
} fanout_leg;

fanout_group *fanout_group_new(void);
/* Takes every leg out, then frees the group. */
void fanout_group_free(fanout_group *g);
/* Adds `l` (taking it out of any other group first); 0 when out of memory. */
int fanout_group_add(fanout_group *g, fanout_leg *l);
/* Takes `l` out of its group, if any. */
void fanout_leg_remove(fanout_leg *l);
unsigned fanout_group_size(const fanout_group *g);

/* Where a VP8 payload's ids are (a position < 0: the field is absent), and their values. */
typedef struct fanout_vp8 {
  int pid_pos;
  int pid_bits; /* 7 or 15 */
  uint32_t pid;
  int tl0_pos;
  uint32_t tl0;
} fanout_vp8;

/* No VP8 ids to rewrite. */
extern const fanout_vp8 FANOUT_NO_VP8;

/*
 * Sends one RTP packet (`seq`, `ts`, `marker`, `payload`) on every leg of `g` whose socket is
 * open, at `now_ms`; returns how many legs it was queued on. Each leg's copy carries the VP8
 * ids of `vp8` moved by its offsets (written into the copy it encrypts; `payload` never changes).
 */
unsigned fanout_send(fanout_group *g, batch_queue *q, uint16_t seq, uint32_t ts, int marker, const uint8_t *payload, size_t len,
                     const fanout_vp8 *vp8, double now_ms);

#endif

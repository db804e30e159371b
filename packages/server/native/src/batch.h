/*
 * A process-wide queue of outgoing UDP datagrams, sent with sendmmsg(2): datagrams of the same
 * socket in one call (in the order they were queued), at most BATCH_CAPACITY at a time. The
 * caller flushes at the end of each event-loop turn; the queue also flushes itself when it is
 * full or when its oldest datagram has waited BATCH_MAX_DELAY_NS.
 *
 * Sockets are dup(2)s of the descriptors Node's dgram sockets own: a queued datagram always
 * leaves through the socket it was queued for, even if Node closed its descriptor (and the
 * number was reused) before the flush.
 */
#ifndef RTCROOM_BATCH_H
#define RTCROOM_BATCH_H

#include <stddef.h>
#include <stdint.h>

#define BATCH_CAPACITY 128
#define BATCH_SLOT_BYTES 2048
#define BATCH_MAX_DELAY_NS 2000000LL

typedef struct batch_socket batch_socket;
typedef struct batch_queue batch_queue;

/* Counters of a queue since it was made. */
typedef struct {
  uint64_t queued;   /* datagrams queued */
  uint64_t sent;     /* datagrams the kernel took */
  uint64_t syscalls; /* sendmmsg calls */
  uint64_t dropped;  /* datagrams given up: socket buffer full (EAGAIN) or an error for that datagram */
  int last_errno;    /* the last error a send returned (0: none) */
} batch_stats;

/* 1 when this platform has sendmmsg (Linux); elsewhere the functions below fail. */
extern const int batch_supported;

batch_queue *batch_queue_new(void);
void batch_queue_free(batch_queue *q);

/* A socket for `fd` (a dup of it), or NULL (errno set). */
batch_socket *batch_socket_open(int fd);
/* Sends what is queued (so nothing of `s` is left), then closes the dup. */
void batch_socket_close(batch_queue *q, batch_socket *s);

/*
 * Room for the next datagram of `len` bytes on `s`, or NULL when it does not fit a slot. May
 * flush first (full, or oldest too old). Follow with batch_commit.
 */
uint8_t *batch_reserve(batch_queue *q, size_t len);
/* Queues the datagram written to the slot batch_reserve gave, to IPv4 `ip`:`port` (host order). */
void batch_commit(batch_queue *q, batch_socket *s, size_t len, uint32_t ip, uint16_t port);

/* Sends everything queued; returns the datagrams sent. */
unsigned batch_flush(batch_queue *q);

/* Datagrams waiting. */
unsigned batch_pending(const batch_queue *q);

batch_stats batch_get_stats(const batch_queue *q);

#endif

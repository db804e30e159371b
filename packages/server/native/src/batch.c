/* The sendmmsg queue (see batch.h). Linux only; batch-none.c stands in elsewhere. */
#define _GNU_SOURCE
#include "batch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

const int batch_supported = 1;

struct batch_socket {
  int fd;
};

typedef struct {
  batch_socket *socket;
  uint32_t len;
  struct sockaddr_in to;
} entry;

struct batch_queue {
  unsigned count;
  int64_t oldest_ns;
  entry entries[BATCH_CAPACITY];
  uint8_t slots[BATCH_CAPACITY][BATCH_SLOT_BYTES];
  /* scratch of a flush: the datagrams of one socket */
  struct mmsghdr msgs[BATCH_CAPACITY];
  struct iovec iovs[BATCH_CAPACITY];
  uint8_t done[BATCH_CAPACITY];
  batch_stats stats;
};

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

batch_queue *batch_queue_new(void) { return calloc(1, sizeof(batch_queue)); }

void batch_queue_free(batch_queue *q) { free(q); }

batch_socket *batch_socket_open(int fd) {
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return NULL;
  batch_socket *s = malloc(sizeof *s);
  if (!s) {
    close(copy);
    errno = ENOMEM;
    return NULL;
  }
  s->fd = copy;
  return s;
}

void batch_socket_close(batch_queue *q, batch_socket *s) {
  if (!s) return;
  for (unsigned i = 0; q && i < q->count; i++) {
    if (q->entries[i].socket == s) {
      batch_flush(q);
      break;
    }
  }
  close(s->fd);
  free(s);
}

uint8_t *batch_reserve(batch_queue *q, size_t len) {
  if (len > BATCH_SLOT_BYTES) return NULL;
  if (q->count == BATCH_CAPACITY || (q->count > 0 && now_ns() - q->oldest_ns >= BATCH_MAX_DELAY_NS)) batch_flush(q);
  return q->slots[q->count];
}

void batch_commit(batch_queue *q, batch_socket *s, size_t len, uint32_t ip, uint16_t port) {
  if (q->count == 0) q->oldest_ns = now_ns();
  entry *e = &q->entries[q->count++];
  e->socket = s;
  e->len = (uint32_t)len;
  memset(&e->to, 0, sizeof e->to);
  e->to.sin_family = AF_INET;
  e->to.sin_port = htons(port);
  e->to.sin_addr.s_addr = htonl(ip);
  q->stats.queued++;
}

/* Sends msgs[0..n) on fd: skips a datagram the kernel refuses, gives up the rest when the socket buffer is full. */
static unsigned send_all(batch_queue *q, int fd, unsigned n) {
  unsigned at = 0, sent = 0;
  while (at < n) {
    q->stats.syscalls++;
    int r = sendmmsg(fd, q->msgs + at, n - at, MSG_DONTWAIT);
    if (r > 0) {
      at += (unsigned)r;
      sent += (unsigned)r;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    q->stats.last_errno = r < 0 ? errno : EIO;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == EBADF || errno == ENOTSOCK)) {
      q->stats.dropped += n - at;
      break;
    }
    /* this datagram's own error (an unreachable destination, a firewall): skip it, send the rest */
    q->stats.dropped++;
    at++;
  }
  return sent;
}

unsigned batch_flush(batch_queue *q) {
  unsigned total = 0, count = q->count;
  if (count == 0) return 0;
  memset(q->done, 0, count);
  for (unsigned i = 0; i < count; i++) {
    if (q->done[i]) continue;
    /* every datagram of this socket, in queue order */
    batch_socket *s = q->entries[i].socket;
    unsigned n = 0;
    for (unsigned j = i; j < count; j++) {
      entry *e = &q->entries[j];
      if (q->done[j] || e->socket != s) continue;
      q->done[j] = 1;
      q->iovs[n].iov_base = q->slots[j];
      q->iovs[n].iov_len = e->len;
      struct msghdr *h = &q->msgs[n].msg_hdr;
      memset(h, 0, sizeof *h);
      h->msg_name = &e->to;
      h->msg_namelen = sizeof e->to;
      h->msg_iov = &q->iovs[n];
      h->msg_iovlen = 1;
      n++;
    }
    total += send_all(q, s->fd, n);
  }
  q->stats.sent += total;
  q->count = 0;
  return total;
}

unsigned batch_pending(const batch_queue *q) { return q->count; }

batch_stats batch_get_stats(const batch_queue *q) { return q->stats; }

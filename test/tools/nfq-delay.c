/*
 * nfq-delay: delays packets handed to an NFQUEUE by a random time drawn uniformly from
 * [min-ms, max-ms], then accepts them. A stand-in for `netem delay` on kernels without sch_netem,
 * for tests that build their own network namespaces (run it inside one with `ip netns exec`).
 *
 *   nfq-delay QUEUE MIN_MS MAX_MS MAX_SECONDS [SEED]
 *
 * Each packet gets its own delay, independent of the others, so packets may leave in a different
 * order than they came (as with netem's jitter when no rate is set). Held packets are kept in a
 * min-heap by release time; one thread waits (ppoll, nanosecond timeout) for either the next
 * release or the next packet from the queue. Only packet metadata is copied to userspace.
 *
 * Prints "ready" on stdout once the queue is bound (add the iptables rules after that: a rule
 * sending to a queue nobody listens on drops packets). Exits after MAX_SECONDS, on SIGTERM/SIGINT,
 * or when the queue's socket fails; held packets are accepted at once on the way out. The last
 * line on stderr sums up: packets delayed, mean and max delay applied, packets accepted early.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#define HEAP_MAX 65536

struct held {
  uint64_t release_ns;
  uint32_t id;
};

static struct held heap[HEAP_MAX];
static size_t heap_len;
static struct nfq_q_handle *qh;
static volatile sig_atomic_t stop;
static uint64_t min_ns, span_ns, rng;
static unsigned long long n_delayed, n_early;
static double sum_delay_ms, max_delay_ms;

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* xorshift64*: plenty for test jitter */
static uint64_t next_random(void) {
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return rng * 0x2545F4914F6CDD1Dull;
}

static void heap_push(struct held h) {
  size_t i = heap_len++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (heap[p].release_ns <= h.release_ns) break;
    heap[i] = heap[p];
    i = p;
  }
  heap[i] = h;
}

static struct held heap_pop(void) {
  struct held top = heap[0];
  struct held last = heap[--heap_len];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= heap_len) break;
    if (c + 1 < heap_len && heap[c + 1].release_ns < heap[c].release_ns) c++;
    if (last.release_ns <= heap[c].release_ns) break;
    heap[i] = heap[c];
    i = c;
  }
  heap[i] = last;
  return top;
}

static void accept_packet(uint32_t id) {
  nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
}

static int on_packet(struct nfq_q_handle *q, struct nfgenmsg *msg, struct nfq_data *nfa, void *data) {
  (void)q;
  (void)msg;
  (void)data;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  if (!ph) return 0;
  uint32_t id = ntohl(ph->packet_id);
  if (heap_len == HEAP_MAX) {
    accept_packet(id);
    n_early++;
    return 0;
  }
  uint64_t d = min_ns + (span_ns ? next_random() % (span_ns + 1) : 0);
  heap_push((struct held){ now_ns() + d, id });
  double ms = (double)d / 1e6;
  n_delayed++;
  sum_delay_ms += ms;
  if (ms > max_delay_ms) max_delay_ms = ms;
  return 0;
}

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

int main(int argc, char **argv) {
  if (argc < 5 || argc > 6) {
    fprintf(stderr, "usage: %s QUEUE MIN_MS MAX_MS MAX_SECONDS [SEED]\n", argv[0]);
    return 2;
  }
  unsigned queue = (unsigned)strtoul(argv[1], NULL, 10);
  double min_ms = strtod(argv[2], NULL), max_ms = strtod(argv[3], NULL), max_s = strtod(argv[4], NULL);
  if (min_ms < 0 || max_ms < min_ms || max_s <= 0) {
    fprintf(stderr, "nfq-delay: need 0 <= MIN_MS <= MAX_MS and MAX_SECONDS > 0\n");
    return 2;
  }
  min_ns = (uint64_t)(min_ms * 1e6);
  span_ns = (uint64_t)(max_ms * 1e6) - min_ns;
  rng = argc == 6 ? strtoull(argv[5], NULL, 10) : now_ns() ^ ((uint64_t)getpid() << 32);
  if (rng == 0) rng = 1;

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);

  struct nfq_handle *h = nfq_open();
  if (!h) {
    perror("nfq-delay: nfq_open");
    return 1;
  }
  qh = nfq_create_queue(h, (uint16_t)queue, on_packet, NULL);
  if (!qh) {
    perror("nfq-delay: nfq_create_queue");
    nfq_close(h);
    return 1;
  }
  if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) {
    perror("nfq-delay: nfq_set_mode");
    return 1;
  }
  nfq_set_queue_maxlen(qh, 8192);
  nfnl_rcvbufsiz(nfq_nfnlh(h), 4 << 20);
  int fd = nfq_fd(h);
  printf("ready\n");
  fflush(stdout);

  uint64_t deadline = now_ns() + (uint64_t)(max_s * 1e9);
  char buf[4096] __attribute__((aligned));
  int rc = 0;
  while (!stop) {
    uint64_t now = now_ns();
    if (now >= deadline) break;
    while (heap_len > 0 && heap[0].release_ns <= now) accept_packet(heap_pop().id);
    uint64_t wake = heap_len > 0 && heap[0].release_ns < deadline ? heap[0].release_ns : deadline;
    uint64_t wait = wake > now ? wake - now : 0;
    struct timespec ts = { (time_t)(wait / 1000000000ull), (long)(wait % 1000000000ull) };
    struct pollfd pfd = { fd, POLLIN, 0 };
    int n = ppoll(&pfd, 1, &ts, NULL);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("nfq-delay: ppoll");
      rc = 1;
      break;
    }
    if (n == 0) continue;
    if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL) && !(pfd.revents & POLLIN)) {
      fprintf(stderr, "nfq-delay: queue socket closed\n");
      break;
    }
    /* drain what is there without blocking */
    for (;;) {
      ssize_t len = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (len > 0) {
        nfq_handle_packet(h, buf, (int)len);
        continue;
      }
      if (len < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
      if (len < 0 && errno == ENOBUFS) {
        /* the kernel could not hand us some packets: they stay queued until the queue is unbound
         * (then dropped); say so, as it means the figures are off */
        fprintf(stderr, "nfq-delay: receive buffer overrun\n");
        break;
      }
      fprintf(stderr, "nfq-delay: queue closed (%s)\n", len < 0 ? strerror(errno) : "eof");
      stop = 1;
      break;
    }
  }
  while (heap_len > 0) {
    accept_packet(heap_pop().id);
    n_early++;
  }
  fprintf(stderr, "nfq-delay: %llu packets delayed, mean %.2f ms, max %.2f ms, %llu accepted early\n", n_delayed,
          n_delayed ? sum_delay_ms / (double)n_delayed : 0.0, max_delay_ms, n_early);
  nfq_destroy_queue(qh);
  nfq_close(h);
  return rc;
}

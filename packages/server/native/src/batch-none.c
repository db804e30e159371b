/* Where sendmmsg(2) is missing (not Linux): no batch sockets; the server sends from JavaScript. */
#include "batch.h"

#include <errno.h>
#include <stdlib.h>

const int batch_supported = 0;

batch_queue *batch_queue_new(void) { return NULL; }
void batch_queue_free(batch_queue *q) { (void)q; }
batch_socket *batch_socket_open(int fd) {
  (void)fd;
  errno = ENOSYS;
  return NULL;
}
void batch_socket_close(batch_queue *q, batch_socket *s) {
  (void)q;
  (void)s;
}
uint8_t *batch_reserve(batch_queue *q, size_t len) {
  (void)q;
  (void)len;
  return NULL;
}
void batch_commit(batch_queue *q, batch_socket *s, size_t len, uint32_t ip, uint16_t port) {
  (void)q, (void)s, (void)len, (void)ip, (void)port;
}
unsigned batch_flush(batch_queue *q) {
  (void)q;
  return 0;
}
unsigned batch_pending(const batch_queue *q) {
  (void)q;
  return 0;
}
batch_stats batch_get_stats(const batch_queue *q) {
  (void)q;
  batch_stats s = {0};
  return s;
}

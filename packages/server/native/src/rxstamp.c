#include "rxstamp.h"

#ifdef __linux__
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <time.h>

double rxstamp_age_ms(int fd) {
  struct timespec stamp, now;
  /* the first call on a socket fails (ENOENT) and turns receive stamping on for it */
  if (fd < 0 || ioctl(fd, SIOCGSTAMPNS, &stamp) != 0) return -1;
  if (clock_gettime(CLOCK_REALTIME, &now) != 0) return -1;
  return (double)(now.tv_sec - stamp.tv_sec) * 1e3 + (double)(now.tv_nsec - stamp.tv_nsec) / 1e6;
}
#else
double rxstamp_age_ms(int fd) {
  (void)fd;
  return -1;
}
#endif

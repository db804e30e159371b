/*
 * LD_PRELOAD shim for the Janus benchmark target: Janus never gathers ICE candidates on an
 * interface flagged IFF_LOOPBACK, so with this shim getifaddrs() reports interfaces without that
 * flag, and `ice_enforce_list = "lo"` then makes 127.0.0.1 Janus' only host candidate.
 * Built by bench/janus/setup.sh; loaded only into the Janus process the benchmark starts.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stddef.h>

int getifaddrs(struct ifaddrs **ifap) {
  static int (*real_getifaddrs)(struct ifaddrs **) = NULL;
  if (real_getifaddrs == NULL) real_getifaddrs = (int (*)(struct ifaddrs **))dlsym(RTLD_NEXT, "getifaddrs");
  if (real_getifaddrs == NULL) return -1;
  int r = real_getifaddrs(ifap);
  if (r == 0) {
    for (struct ifaddrs *i = *ifap; i != NULL; i = i->ifa_next) i->ifa_flags &= ~(unsigned int)IFF_LOOPBACK;
  }
  return r;
}

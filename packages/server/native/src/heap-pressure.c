/* V8's memory-pressure notification, found at run time (see heap-pressure.h). */
#define _GNU_SOURCE
#include "heap-pressure.h"

#include <dlfcn.h>
#include <stddef.h>

/* v8::Isolate* v8::Isolate::GetCurrent() */
typedef void *(*get_current_fn)(void);
/* void v8::Isolate::MemoryPressureNotification(v8::MemoryPressureLevel): a member function, `this` first */
typedef void (*pressure_fn)(void *isolate, int level);

/* v8::MemoryPressureLevel { kNone, kModerate, kCritical } */
#define V8_PRESSURE_MODERATE 1

static int looked_up;
static get_current_fn get_current;
static pressure_fn notify;

static void look_up(void) {
  if (looked_up) return;
  looked_up = 1;
  get_current = (get_current_fn)dlsym(RTLD_DEFAULT, "_ZN2v87Isolate10GetCurrentEv");
  notify = (pressure_fn)dlsym(RTLD_DEFAULT, "_ZN2v87Isolate26MemoryPressureNotificationENS_19MemoryPressureLevelE");
}

int heap_pressure_available(void) {
  look_up();
  return get_current != NULL && notify != NULL;
}

int heap_pressure_moderate(void) {
  if (!heap_pressure_available()) return 0;
  void *isolate = get_current();
  if (!isolate) return 0;
  notify(isolate, V8_PRESSURE_MODERATE);
  return 1;
}

/*
 * Memory pressure for V8: asks the heap of the calling thread's isolate to start an incremental,
 * memory-reducing collection (V8's "moderate" pressure: marking runs concurrently and in small
 * steps, and only its short finalization pauses JavaScript), where a forced `gc()` stops every
 * call in the process for the whole collection.
 *
 * Node-API has no such call; V8's C++ API has (v8::Isolate::MemoryPressureNotification), and
 * every Node binary exports it. It is looked up by its (Itanium C++ ABI) name at run time, so the
 * module needs neither V8's headers nor a C++ compiler, and a Node without it only loses this.
 */
#ifndef RTCROOM_HEAP_PRESSURE_H
#define RTCROOM_HEAP_PRESSURE_H

/* 1 when the notification was given, 0 when this process has no such V8 entry point (or no isolate on this thread). */
int heap_pressure_moderate(void);

/* 1 when heap_pressure_moderate can work here. */
int heap_pressure_available(void);

#endif

/*
 * Loaded before libfaketime on nodes with a movable clock (src/runtime/node-clock.ts).
 * libfaketime 0.9.10 with FAKETIME_DONT_FAKE_MONOTONIC=1 still converts the deadline of
 * clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, ...) as if it were wall-clock time, so
 * the kernel gets a negative time and Python's time.sleep() fails with EINVAL (measured
 * with Debian bookworm's package). Monotonic clocks are not faked, so their sleeps go
 * straight to the kernel; every other clock goes on to libfaketime.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef int (*clock_nanosleep_fn)(clockid_t, int, const struct timespec *, struct timespec *);

int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem) {
  if (clk == CLOCK_MONOTONIC || clk == CLOCK_MONOTONIC_RAW || clk == CLOCK_BOOTTIME) {
    int saved = errno;
    long r = syscall(SYS_clock_nanosleep, clk, flags, req, rem);
    int err = r == 0 ? 0 : errno; /* clock_nanosleep returns the error, errno untouched */
    errno = saved;
    return err;
  }
  static clock_nanosleep_fn next;
  if (!next) next = (clock_nanosleep_fn)dlsym(RTLD_NEXT, "clock_nanosleep");
  return next ? next(clk, flags, req, rem) : EINVAL;
}

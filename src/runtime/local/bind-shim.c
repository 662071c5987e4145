/*
 * netlab local runtime: makes any dynamically linked program (Python, Java, C) use its
 * node's own loopback address, as the Node preload does for Node programs. Loaded with
 * LD_PRELOAD; the address comes from NETLAB_NODE_ADDRESS.
 *   - bind() to 0.0.0.0 binds the node address instead (same port);
 *   - connect() and sendto() on an unbound IPv4 socket bind it to the node address first,
 *     so the peer sees the node's address as the source.
 * An address the program names itself (127.0.0.1, say) is left alone.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static struct in_addr node_addr;
static int ready = -1;
static int (*real_bind)(int, const struct sockaddr *, socklen_t);
static int (*real_connect)(int, const struct sockaddr *, socklen_t);
static ssize_t (*real_sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);

static void init(void) {
  if (ready != -1) return;
  real_bind = dlsym(RTLD_NEXT, "bind");
  real_connect = dlsym(RTLD_NEXT, "connect");
  real_sendto = dlsym(RTLD_NEXT, "sendto");
  const char *a = getenv("NETLAB_NODE_ADDRESS");
  ready = a != NULL && inet_pton(AF_INET, a, &node_addr) == 1;
}

int bind(int fd, const struct sockaddr *sa, socklen_t len) {
  init();
  if (ready && sa != NULL && sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
    struct sockaddr_in in;
    memcpy(&in, sa, sizeof in);
    if (in.sin_addr.s_addr == htonl(INADDR_ANY)) {
      in.sin_addr = node_addr;
      return real_bind(fd, (const struct sockaddr *)&in, sizeof in);
    }
  }
  return real_bind(fd, sa, len);
}

static void bind_if_unbound(int fd, const struct sockaddr *dest) {
  if (!ready || dest == NULL || dest->sa_family != AF_INET) return;
  struct sockaddr_in cur;
  socklen_t l = sizeof cur;
  int saved = errno;
  if (getsockname(fd, (struct sockaddr *)&cur, &l) == 0 && cur.sin_family == AF_INET && cur.sin_port == 0 &&
      cur.sin_addr.s_addr == htonl(INADDR_ANY)) {
    struct sockaddr_in me;
    memset(&me, 0, sizeof me);
    me.sin_family = AF_INET;
    me.sin_addr = node_addr;
    real_bind(fd, (const struct sockaddr *)&me, sizeof me);
  }
  errno = saved;
}

int connect(int fd, const struct sockaddr *sa, socklen_t len) {
  init();
  bind_if_unbound(fd, sa);
  return real_connect(fd, sa, len);
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *dest, socklen_t len) {
  init();
  bind_if_unbound(fd, dest);
  return real_sendto(fd, buf, n, flags, dest, len);
}

/*
 * netlab socket shim, loaded with LD_PRELOAD into a node's dynamically linked programs
 * (Python, Java, C). Plain C99 + POSIX + glibc's dlsym: it builds with any gcc/cc on
 * Linux, on the host (local runtime) as in the grading image (Debian bookworm).
 *
 * Node address (NETLAB_NODE_ADDRESS, an IPv4 address; nothing happens without it):
 *   - bind() to 0.0.0.0 binds the node address instead (same port);
 *   - connect() and sendto() on an unbound IPv4 socket bind it to the node address first,
 *     so the peer sees the node's address as the source.
 *
 * Loopback policy (NETLAB_LOOPBACK = allow | warn | fail; unset or empty: off, as before):
 * students test client and server on one machine, so their servers bind 127.0.0.1 or
 * localhost and their clients connect to a hard-coded 127.0.0.1. With allow or warn:
 *   - bind() to 127.0.0.1 or ::1 (IPv6 sockets: also ::ffff:127.0.0.1) binds the node
 *     address instead, same port;
 *   - connect() / sendto() to 127.0.0.1:P or [::1]:P goes to NETLAB_SERVER_ADDRESS:P when
 *     P is in NETLAB_SERVER_PORTS (comma- or space-separated) - the lab's server ports.
 * With fail nothing is rewritten (the program stays unreachable, as without the shim).
 * allow and warn behave alike here; the controller decides what the report says.
 * Every case is recorded, in every mode, as one line appended to NETLAB_LOOPBACK_LOG
 * (if set), each distinct (call, address, port) once per process:
 *   <pid> <bind|connect|sendto> <tcp|udp> <from-address> <port> <rewritten|kept> <to-address>
 * e.g. "812 bind tcp 127.0.0.1 4000 rewritten 10.77.3.2". A bad NETLAB_LOOPBACK value
 * turns the policy off and writes "<pid> bad-policy <value>".
 * Statically linked programs (and Go) do not load the shim: for them nothing changes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum policy { OFF, ALLOW, WARN, FAIL };

#define MAX_PORTS 64
#define MAX_SEEN 128

static struct in_addr node_addr, server_addr;
static int have_node, have_server;
static enum policy policy = OFF;
static unsigned short server_ports[MAX_PORTS];
static int n_server_ports;
static const char *log_path;
static unsigned long seen[MAX_SEEN];
static int ready; /* 0: not yet; 1: done (published with release semantics) */
static int (*real_bind)(int, const struct sockaddr *, socklen_t);
static int (*real_connect)(int, const struct sockaddr *, socklen_t);
static ssize_t (*real_sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);

static void logf_line(const char *line) {
  if (log_path == NULL || *log_path == '\0') return;
  int saved = errno;
  int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) {
    /* One write() of a short line with O_APPEND: lines of concurrent processes never mix. */
    ssize_t w = write(fd, line, strlen(line));
    (void)w;
    close(fd);
  }
  errno = saved;
}

static void parse_ports(const char *s) {
  while (s != NULL && *s != '\0' && n_server_ports < MAX_PORTS) {
    char *end;
    long p = strtol(s, &end, 10);
    if (end == s) {
      s++;
      continue;
    }
    if (p > 0 && p < 65536) server_ports[n_server_ports++] = (unsigned short)p;
    s = end;
  }
}

/* Idempotent: two threads racing here compute the same values; `ready` is set last. */
static void init(void) {
  if (__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) return;
  real_bind = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
  real_connect = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
  real_sendto = (ssize_t(*)(int, const void *, size_t, int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "sendto");
  const char *a = getenv("NETLAB_NODE_ADDRESS");
  have_node = a != NULL && inet_pton(AF_INET, a, &node_addr) == 1;
  const char *s = getenv("NETLAB_SERVER_ADDRESS");
  have_server = s != NULL && inet_pton(AF_INET, s, &server_addr) == 1;
  n_server_ports = 0;
  parse_ports(getenv("NETLAB_SERVER_PORTS"));
  log_path = getenv("NETLAB_LOOPBACK_LOG");
  const char *p = getenv("NETLAB_LOOPBACK");
  if (p == NULL || *p == '\0') policy = OFF;
  else if (strcmp(p, "allow") == 0) policy = ALLOW;
  else if (strcmp(p, "warn") == 0) policy = WARN;
  else if (strcmp(p, "fail") == 0) policy = FAIL;
  else {
    char line[160];
    snprintf(line, sizeof line, "%ld bad-policy %.100s\n", (long)getpid(), p);
    logf_line(line);
    policy = OFF;
  }
  __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
}

static int is_server_port(unsigned short port) {
  for (int i = 0; i < n_server_ports; i++)
    if (server_ports[i] == port) return 1;
  return 0;
}

/* Is this IPv4 loopback-localhost (127.0.0.1 only: the node addresses of the local runtime are other 127.x). */
static int is_localhost4(struct in_addr a) { return a.s_addr == htonl(INADDR_LOOPBACK); }

/* ::1, or ::ffff:127.0.0.1 */
static int is_localhost6(const struct in6_addr *a) {
  static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (IN6_IS_ADDR_LOOPBACK(a)) return 1;
  return memcmp(a->s6_addr, mapped, 12) == 0 && a->s6_addr[12] == 127 && a->s6_addr[13] == 0 && a->s6_addr[14] == 0 &&
         a->s6_addr[15] == 1;
}

static void to_mapped(struct in6_addr *out, struct in_addr v4) {
  memset(out, 0, sizeof *out);
  out->s6_addr[10] = 0xff;
  out->s6_addr[11] = 0xff;
  memcpy(&out->s6_addr[12], &v4, 4);
}

static const char *sock_kind(int fd) {
  int type = 0;
  socklen_t l = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) != 0) return "?";
  return type == SOCK_STREAM ? "tcp" : type == SOCK_DGRAM ? "udp" : "other";
}

/* Records one case, once per (call, from, port) in this process. */
static void record(const char *call, int fd, const char *from, unsigned short port, int rewritten, struct in_addr to) {
  unsigned long key = ((unsigned long)(unsigned char)call[0] << 24) ^ ((unsigned long)(unsigned char)from[0] << 17) ^
                      ((unsigned long)strlen(from) << 20) ^ port;
  key = key * 2654435761UL + 1;
  for (int i = 0; i < MAX_SEEN; i++) {
    unsigned long cur = __atomic_load_n(&seen[i], __ATOMIC_RELAXED);
    if (cur == key) return;
    if (cur == 0) {
      unsigned long expected = 0;
      if (__atomic_compare_exchange_n(&seen[i], &expected, key, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) break;
      if (expected == key) return;
    }
  }
  int saved = errno;
  char dst[INET_ADDRSTRLEN] = "-";
  if (rewritten) inet_ntop(AF_INET, &to, dst, sizeof dst);
  char line[200];
  snprintf(line, sizeof line, "%ld %s %s %s %u %s %s\n", (long)getpid(), call, sock_kind(fd), from, (unsigned)port,
           rewritten ? "rewritten" : "kept", dst);
  logf_line(line);
  errno = saved;
}

int bind(int fd, const struct sockaddr *sa, socklen_t len) {
  init();
  if (!have_node || sa == NULL) return real_bind(fd, sa, len);
  if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
    struct sockaddr_in in;
    memcpy(&in, sa, sizeof in);
    int wildcard = in.sin_addr.s_addr == htonl(INADDR_ANY);
    int local = policy != OFF && is_localhost4(in.sin_addr) && node_addr.s_addr != in.sin_addr.s_addr;
    if (local) record("bind", fd, "127.0.0.1", ntohs(in.sin_port), policy != FAIL, node_addr);
    if (wildcard || (local && policy != FAIL)) {
      in.sin_addr = node_addr;
      return real_bind(fd, (const struct sockaddr *)&in, sizeof in);
    }
  } else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6) && policy != OFF) {
    struct sockaddr_in6 in6;
    memcpy(&in6, sa, sizeof in6);
    if (is_localhost6(&in6.sin6_addr)) {
      int v6only = 0;
      socklen_t l = sizeof v6only;
      int can = getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &l) == 0 && !v6only;
      record("bind", fd, IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr) ? "::1" : "::ffff:127.0.0.1", ntohs(in6.sin6_port),
             can && policy != FAIL, node_addr);
      if (can && policy != FAIL) {
        to_mapped(&in6.sin6_addr, node_addr);
        return real_bind(fd, (const struct sockaddr *)&in6, sizeof in6);
      }
    }
  }
  return real_bind(fd, sa, len);
}

static void bind_if_unbound(int fd, const struct sockaddr *dest) {
  if (!have_node || dest == NULL || dest->sa_family != AF_INET) return;
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

/*
 * If dest is localhost at one of the server's ports and the policy rewrites, copies it
 * into buf with the server's address and returns buf; otherwise returns dest.
 */
static const struct sockaddr *redirect(const char *call, int fd, const struct sockaddr *dest, socklen_t *len,
                                       struct sockaddr_storage *buf) {
  if (policy == OFF || dest == NULL || !have_server) return dest;
  if (dest->sa_family == AF_INET && *len >= (socklen_t)sizeof(struct sockaddr_in)) {
    struct sockaddr_in in;
    memcpy(&in, dest, sizeof in);
    if (!is_localhost4(in.sin_addr) || !is_server_port(ntohs(in.sin_port)) || in.sin_addr.s_addr == server_addr.s_addr)
      return dest;
    record(call, fd, "127.0.0.1", ntohs(in.sin_port), policy != FAIL, server_addr);
    if (policy == FAIL) return dest;
    in.sin_addr = server_addr;
    memcpy(buf, &in, sizeof in);
    *len = sizeof in;
    return (const struct sockaddr *)buf;
  }
  if (dest->sa_family == AF_INET6 && *len >= (socklen_t)sizeof(struct sockaddr_in6)) {
    struct sockaddr_in6 in6;
    memcpy(&in6, dest, sizeof in6);
    if (!is_localhost6(&in6.sin6_addr) || !is_server_port(ntohs(in6.sin6_port))) return dest;
    record(call, fd, IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr) ? "::1" : "::ffff:127.0.0.1", ntohs(in6.sin6_port),
           policy != FAIL, server_addr);
    if (policy == FAIL) return dest;
    to_mapped(&in6.sin6_addr, server_addr);
    memcpy(buf, &in6, sizeof in6);
    *len = sizeof in6;
    return (const struct sockaddr *)buf;
  }
  return dest;
}

int connect(int fd, const struct sockaddr *sa, socklen_t len) {
  init();
  struct sockaddr_storage buf;
  sa = redirect("connect", fd, sa, &len, &buf);
  bind_if_unbound(fd, sa);
  return real_connect(fd, sa, len);
}

ssize_t sendto(int fd, const void *data, size_t n, int flags, const struct sockaddr *dest, socklen_t len) {
  init();
  struct sockaddr_storage buf;
  dest = redirect("sendto", fd, dest, &len, &buf);
  bind_if_unbound(fd, dest);
  return real_sendto(fd, data, n, flags, dest, len);
}

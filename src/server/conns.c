/*
 * Connections, per client address. Each connection is a thread (server.c says why), so
 * a client that opens hundreds and never finishes its requests would hold every one the
 * daemon allows, and /api/health with them. Here every open connection is listed with
 * its client's address and whether it is answering a request; at most
 * o.client_connections are open per address. Past that, the oldest one that is still
 * waiting for (the rest of) its request headers, or idle between requests, is shut down
 * to make room — so a new, honest request gets in even when the flood comes from the same
 * address (on loopback every client is 127.0.0.1) — and when every one is answering, the
 * new connection is refused at once rather than left to wait.
 *
 * The daemon calls server__conn_accept (its accept policy) and server__conn_notify (its
 * connection notifications) on its listening thread; server.c's access handler marks
 * connections busy and idle. libmicrohttpd 0.9.75 reports a connection closed before it
 * closes its socket, and both happen under conn_mu here on our side, so a socket shut
 * down to make room is never one already reused by another connection.
 */
#include "server/internal.h"

#include "base/fs.h"
#include "base/mem.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct server__conn {
    struct server__conn *prev, *next;
    struct sockaddr_storage addr;
    int fd;
    int busy;     /* answering a request: not closed for room */
    int evicted;  /* shut down for room: no longer counted */
    double since; /* when it was opened or last finished a request */
};

/* One client: the same IPv4 address, or the same IPv6 /64 (what one host gets). */
static int same_client(const struct sockaddr_storage *a, const struct sockaddr *b)
{
    if (a->ss_family != b->sa_family)
        return 0;
    if (b->sa_family == AF_INET)
        return memcmp(&((const struct sockaddr_in *)(const void *)a)->sin_addr,
                      &((const struct sockaddr_in *)(const void *)b)->sin_addr,
                      sizeof(struct in_addr)) == 0;
    if (b->sa_family == AF_INET6) {
        const struct in6_addr *x = &((const struct sockaddr_in6 *)(const void *)a)->sin6_addr;
        const struct in6_addr *y = &((const struct sockaddr_in6 *)(const void *)b)->sin6_addr;
        size_t n = IN6_IS_ADDR_V4MAPPED(x) || IN6_IS_ADDR_LOOPBACK(x) ? 16 : 8;
        return memcmp(x, y, n) == 0;
    }
    return 1; /* other families (none today): one bucket */
}

enum MHD_Result server__conn_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
    (void)len;
    struct server *srv = cls;
    enum MHD_Result ok = MHD_YES;
    pthread_mutex_lock(&srv->conn_mu);
    size_t n = 0;
    struct server__conn *oldest = NULL;
    for (struct server__conn *c = srv->conns; c; c = c->next) {
        if (c->evicted || !same_client(&c->addr, addr))
            continue;
        n++;
        if (!c->busy && (!oldest || c->since < oldest->since))
            oldest = c;
    }
    if (n >= srv->o.client_connections) {
        if (oldest) {
            /* Wakes its thread, which then reads the end of the stream and closes it. */
            oldest->evicted = 1;
            shutdown(oldest->fd, SHUT_RDWR);
            atomic_fetch_add(&srv->metrics.conns_evicted, 1);
        } else {
            ok = MHD_NO;
            atomic_fetch_add(&srv->metrics.conns_refused, 1);
        }
    }
    pthread_mutex_unlock(&srv->conn_mu);
    return ok;
}

void server__conn_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                         enum MHD_ConnectionNotificationCode code)
{
    struct server *srv = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *ad =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (!fd || !ad || !ad->client_addr)
            return; /* not counted, never closed for room: cannot happen in 0.9.75 */
        struct server__conn *c = xcalloc(1, sizeof *c);
        size_t alen = ad->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                             : sizeof(struct sockaddr_in);
        memcpy(&c->addr, ad->client_addr, alen);
        c->fd = fd->connect_fd;
        c->since = sq_now_ms();
        pthread_mutex_lock(&srv->conn_mu);
        c->next = srv->conns;
        if (srv->conns)
            srv->conns->prev = c;
        srv->conns = c;
        pthread_mutex_unlock(&srv->conn_mu);
        atomic_fetch_add(&srv->metrics.connections, 1);
        *socket_context = c;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        struct server__conn *c = *socket_context;
        if (!c)
            return;
        pthread_mutex_lock(&srv->conn_mu);
        if (c->prev)
            c->prev->next = c->next;
        else
            srv->conns = c->next;
        if (c->next)
            c->next->prev = c->prev;
        pthread_mutex_unlock(&srv->conn_mu);
        atomic_fetch_sub(&srv->metrics.connections, 1);
        free(c);
        *socket_context = NULL;
    }
}

void server__conn_busy(struct server *srv, struct MHD_Connection *conn, int busy)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct server__conn *c = ci ? ci->socket_context : NULL;
    if (!c)
        return;
    pthread_mutex_lock(&srv->conn_mu);
    c->busy = busy;
    if (!busy)
        c->since = sq_now_ms();
    pthread_mutex_unlock(&srv->conn_mu);
}

void server__conn_timeout(struct MHD_Connection *conn, unsigned seconds)
{
    /* Only a change from no timeout restarts the clock (microhttpd.h), so go through 0. */
    MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
    MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, seconds);
}

void server__conns_free(struct server *srv)
{
    struct server__conn *c = srv->conns;
    while (c) {
        struct server__conn *next = c->next;
        free(c);
        c = next;
    }
    srv->conns = NULL;
}

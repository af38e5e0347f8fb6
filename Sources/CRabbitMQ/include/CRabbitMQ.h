#ifndef DREHSCHEIBE_CRABBITMQ_H
#define DREHSCHEIBE_CRABBITMQ_H

// Debian's librabbitmq-dev 0.11 (pkg-config name `librabbitmq`).
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>

/// `amqp_login_with_properties` with SASL PLAIN. The library function is variadic, which
/// Swift cannot call.
amqp_rpc_reply_t drs_login_plain(amqp_connection_state_t state, const char *vhost,
                                 int channel_max, int frame_max, int heartbeat,
                                 const amqp_table_t *client_properties,
                                 const char *username, const char *password);

/// `amqp_login_with_properties` with SASL EXTERNAL (identity from the TLS client
/// certificate; `identity` may be the empty string).
amqp_rpc_reply_t drs_login_external(amqp_connection_state_t state, const char *vhost,
                                    int channel_max, int frame_max, int heartbeat,
                                    const amqp_table_t *client_properties,
                                    const char *identity);

/// Names the calling thread (`pthread_setname_np`, at most 15 bytes), so a stack dump shows
/// which threads are the client's I/O loops. Glibc's module does not export it to Swift.
void drs_set_thread_name(const char *name);

/// Holds back (1) or releases (0) partial TCP segments on the connection's socket
/// (`TCP_CORK`): the frames of one job, written with one send each, leave as few full
/// segments instead of one small segment per frame (librabbitmq sets TCP_NODELAY).
void drs_set_cork(amqp_connection_state_t state, int on);

#endif

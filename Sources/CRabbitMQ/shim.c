#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include "CRabbitMQ.h"

amqp_rpc_reply_t drs_login_plain(amqp_connection_state_t state, const char *vhost,
                                 int channel_max, int frame_max, int heartbeat,
                                 const amqp_table_t *client_properties,
                                 const char *username, const char *password) {
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat,
                                      client_properties, AMQP_SASL_METHOD_PLAIN,
                                      username, password);
}

amqp_rpc_reply_t drs_login_external(amqp_connection_state_t state, const char *vhost,
                                    int channel_max, int frame_max, int heartbeat,
                                    const amqp_table_t *client_properties,
                                    const char *identity) {
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat,
                                      client_properties, AMQP_SASL_METHOD_EXTERNAL,
                                      identity);
}

void drs_set_thread_name(const char *name) {
    char truncated[16];
    strncpy(truncated, name, sizeof(truncated) - 1);
    truncated[sizeof(truncated) - 1] = '\0';
    (void)pthread_setname_np(pthread_self(), truncated);
}

void drs_set_cork(amqp_connection_state_t state, int on) {
    int fd = amqp_get_sockfd(state);
    if (fd < 0) return;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
}

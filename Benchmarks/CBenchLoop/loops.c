#include "CBenchLoop.h"

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/// CPU time of the calling thread: the loops run on a thread of their own, so this is their
/// cost alone (for the CPU per message beside the router's).
static double thread_cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(cbench_result *r, const char *what, int status) {
    r->status = status == 0 ? -1 : status;
    snprintf(r->error, sizeof r->error, "%s: %s", what, status < 0 ? amqp_error_string2(status) : "failed");
    return -1;
}

static int reply_ok(cbench_result *r, amqp_rpc_reply_t reply, const char *what) {
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) return 0;
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) return fail(r, what, reply.library_error);
    return fail(r, what, -1);
}

static amqp_connection_state_t open_connection(cbench_target t, cbench_result *r, int confirms) {
    amqp_connection_state_t conn = amqp_new_connection();
    amqp_socket_t *socket = amqp_tcp_socket_new(conn);
    int status = amqp_socket_open(socket, t.host, t.port);
    if (status != AMQP_STATUS_OK) { fail(r, "connect", status); amqp_destroy_connection(conn); return NULL; }
    if (reply_ok(r, amqp_login(conn, t.vhost, 0, 131072, 30, AMQP_SASL_METHOD_PLAIN, t.user, t.password), "login")) {
        amqp_destroy_connection(conn);
        return NULL;
    }
    amqp_channel_open(conn, 1);
    if (reply_ok(r, amqp_get_rpc_reply(conn), "channel.open")) { amqp_destroy_connection(conn); return NULL; }
    if (confirms) {
        amqp_confirm_select(conn, 1);
        if (reply_ok(r, amqp_get_rpc_reply(conn), "confirm.select")) { amqp_destroy_connection(conn); return NULL; }
    }
    return conn;
}

static void close_connection(amqp_connection_state_t conn) {
    amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);
}

/// Waits for one basic.ack/nack; returns the number of publishes it confirmed (or -1).
static int64_t await_confirm(amqp_connection_state_t conn, uint64_t *confirmed_upto, cbench_result *r) {
    amqp_frame_t frame;
    for (;;) {
        int status = amqp_simple_wait_frame(conn, &frame);
        if (status != AMQP_STATUS_OK) { fail(r, "wait for confirm", status); return -1; }
        if (frame.frame_type != AMQP_FRAME_METHOD) continue;
        if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
            amqp_basic_ack_t *ack = frame.payload.method.decoded;
            uint64_t before = *confirmed_upto;
            if (ack->multiple) { *confirmed_upto = ack->delivery_tag; } else { *confirmed_upto += 1; }
            amqp_maybe_release_buffers(conn);
            return (int64_t)(*confirmed_upto - before);
        }
        if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) { fail(r, "publish nacked", -1); return -1; }
    }
}

cbench_result cbench_publish(cbench_target t, const char *queue, uint64_t count, size_t size, uint64_t window) {
    cbench_result r = {0};
    amqp_connection_state_t conn = open_connection(t, &r, 1);
    if (!conn) return r;
    char *body = malloc(size);
    for (size_t i = 0; i < size; i++) body[i] = (char)('a' + i % 26);
    amqp_basic_properties_t props;
    memset(&props, 0, sizeof props);
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG;
    props.delivery_mode = 2;
    props.content_type = amqp_cstring_bytes("application/cloudevents+json");
    char id[32];
    amqp_bytes_t bytes = {size, body};
    double start = now_seconds();
    uint64_t confirmed = 0;
    for (uint64_t i = 0; i < count; i++) {
        while (i - confirmed >= window) {
            if (await_confirm(conn, &confirmed, &r) < 0) goto out;
        }
        snprintf(id, sizeof id, "c-%llu", (unsigned long long)i);
        props.message_id = amqp_cstring_bytes(id);
        int status = amqp_basic_publish(conn, 1, amqp_empty_bytes, amqp_cstring_bytes(queue), 0, 0, &props, bytes);
        if (status != AMQP_STATUS_OK) { fail(&r, "publish", status); goto out; }
    }
    while (confirmed < count) {
        if (await_confirm(conn, &confirmed, &r) < 0) goto out;
    }
    r.seconds = now_seconds() - start;
    r.messages = count;
out:
    free(body);
    close_connection(conn);
    return r;
}

cbench_result cbench_consume(cbench_target t, const char *queue, uint64_t count, uint16_t prefetch) {
    cbench_result r = {0};
    amqp_connection_state_t conn = open_connection(t, &r, 0);
    if (!conn) return r;
    amqp_basic_qos(conn, 1, 0, prefetch, 0);
    amqp_basic_consume(conn, 1, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    if (reply_ok(&r, amqp_get_rpc_reply(conn), "basic.consume")) { amqp_destroy_connection(conn); return r; }
    double start = now_seconds();
    uint64_t seen = 0;
    while (seen < count) {
        amqp_envelope_t envelope;
        amqp_maybe_release_buffers(conn);
        amqp_rpc_reply_t reply = amqp_consume_message(conn, &envelope, NULL, 0);
        if (reply_ok(&r, reply, "consume")) break;
        int status = amqp_basic_ack(conn, 1, envelope.delivery_tag, 0);
        amqp_destroy_envelope(&envelope);
        if (status != AMQP_STATUS_OK) { fail(&r, "ack", status); break; }
        seen++;
    }
    r.seconds = now_seconds() - start;
    r.messages = seen;
    close_connection(conn);
    return r;
}

static double header_sent_seconds(amqp_basic_properties_t *p) {
    if (!(p->_flags & AMQP_BASIC_HEADERS_FLAG)) return 0;
    for (int i = 0; i < p->headers.num_entries; i++) {
        amqp_table_entry_t *e = &p->headers.entries[i];
        if (e->key.len == 15 && memcmp(e->key.bytes, "x-bench-sent-ns", 15) == 0 && e->value.kind == AMQP_FIELD_KIND_I64)
            return (double)e->value.value.i64 / 1e9;
    }
    return 0;
}

static double wall_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

cbench_result cbench_pass_through(cbench_target t, const char *from, const char *to, uint64_t count, uint16_t prefetch,
                                  uint64_t window, double *latencies) {
    cbench_result r = {0};
    amqp_connection_state_t conn = open_connection(t, &r, 1);
    if (!conn) return r;
    amqp_basic_qos(conn, 1, 0, prefetch, 0);
    // One consumer per input queue on the one channel (the router's shard queues).
    char *queues = strdup(from), *cursor = queues, *queue;
    while ((queue = strsep(&cursor, ",")) != NULL) {
        amqp_basic_consume(conn, 1, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
        if (reply_ok(&r, amqp_get_rpc_reply(conn), "basic.consume")) { free(queues); amqp_destroy_connection(conn); return r; }
    }
    free(queues);
    // Input delivery tag and send time per publish sequence number, to ack after the confirm.
    uint64_t *input_tags = calloc(count + 1, sizeof *input_tags);
    double *sent = calloc(count + 1, sizeof *sent);
    // Deliveries that arrived while `window` publishes were unconfirmed (the prefetch of all
    // consumers together may exceed the window): published once confirms free the window.
    amqp_envelope_t *waiting = calloc(count + 1, sizeof *waiting);
    uint64_t waiting_head = 0, waiting_tail = 0;
    double start = now_seconds(), cpu_start = thread_cpu_seconds();
    uint64_t published = 0, confirmed = 0, acked = 0, received = 0;
    while (acked < count) {
        while (waiting_head < waiting_tail && published - confirmed < window) {
            amqp_envelope_t *envelope = &waiting[waiting_head++];
            published++;
            input_tags[published] = envelope->delivery_tag;
            sent[published] = header_sent_seconds(&envelope->message.properties);
            if (sent[published] == 0) sent[published] = wall_seconds();
            int status = amqp_basic_publish(conn, 1, amqp_empty_bytes, amqp_cstring_bytes(to), 0, 0,
                                            &envelope->message.properties, envelope->message.body);
            amqp_destroy_envelope(envelope);
            if (status != AMQP_STATUS_OK) { fail(&r, "publish", status); goto done; }
        }
        amqp_envelope_t envelope;
        amqp_maybe_release_buffers(conn);
        amqp_rpc_reply_t reply = amqp_consume_message(conn, &envelope, NULL, 0);
        if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
            // A confirm arrived instead of a delivery.
            amqp_frame_t frame;
            if (amqp_simple_wait_frame(conn, &frame) != AMQP_STATUS_OK) { fail(&r, "frame", -1); break; }
            if (frame.frame_type != AMQP_FRAME_METHOD) continue;
            if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) { fail(&r, "publish nacked", -1); break; }
            if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
                amqp_basic_ack_t *ack = frame.payload.method.decoded;
                uint64_t upto = ack->multiple ? ack->delivery_tag : confirmed + 1;
                for (uint64_t s = confirmed + 1; s <= upto; s++) {
                    if (latencies) latencies[s - 1] = wall_seconds() - sent[s];
                    amqp_basic_ack(conn, 1, input_tags[s], 0);
                    acked++;
                }
                confirmed = upto;
            }
            continue;
        }
        if (reply_ok(&r, reply, "consume")) break;
        if (received == count) { amqp_destroy_envelope(&envelope); continue; }  // not ours to count
        received++;
        waiting[waiting_tail++] = envelope;
    }
done:
    while (waiting_head < waiting_tail) amqp_destroy_envelope(&waiting[waiting_head++]);
    free(waiting);
    r.seconds = now_seconds() - start;
    r.cpu_seconds = thread_cpu_seconds() - cpu_start;
    r.messages = acked;
    free(input_tags);
    free(sent);
    close_connection(conn);
    return r;
}

void cbench_stop_with_parent(pid_t parent) {
    (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) raise(SIGTERM);
}

int cbench_free_local_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in address = {0};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&address, sizeof address) == 0 && getsockname(fd, (struct sockaddr *)&address, &length) == 0) {
        port = ntohs(address.sin_port);
    }
    close(fd);
    return port;
}

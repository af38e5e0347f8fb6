#ifndef DREHSCHEIBE_CBENCHLOOP_H
#define DREHSCHEIBE_CBENCHLOOP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// The baseline of `drehscheibe bench amqp` and `bench router`: plain C loops over librabbitmq,
/// as a C programmer would write them, to compare the Swift client against.
typedef struct {
    const char *host;
    int port;
    const char *vhost;
    const char *user;
    const char *password;
} cbench_target;

typedef struct {
    int status;            // 0 on success
    char error[256];
    uint64_t messages;
    double seconds;
    double cpu_seconds;    // CPU time of the loop's thread (set by cbench_pass_through)
} cbench_result;

/// Publishes `count` persistent messages of `size` bytes to the default exchange with routing
/// key `queue`, publisher confirms on, at most `window` unconfirmed at a time.
cbench_result cbench_publish(cbench_target target, const char *queue, uint64_t count, size_t size,
                             uint64_t window);

/// Consumes `count` messages from `queue` with manual acks, one basic.ack per message.
cbench_result cbench_consume(cbench_target target, const char *queue, uint64_t count, uint16_t prefetch);

/// Pass-through: consumes from `from` (one queue or several, comma-separated, one consumer
/// each with `prefetch`), publishes each body and properties to the default
/// exchange with routing key `to` (confirms on, `window` in flight), and acks the input once
/// its copy is confirmed; runs until `count` messages went through. Latency samples (seconds
/// from the message's timestamp header "x-bench-sent-ns" to the confirm) go to `latencies`
/// when non-null (capacity `count`).
cbench_result cbench_pass_through(cbench_target target, const char *from, const char *to, uint64_t count,
                                  uint16_t prefetch, uint64_t window, double *latencies);

/// For a process a benchmark started: SIGTERM when the process `parent` ends (prctl
/// PR_SET_PDEATHSIG, variadic and so not callable from Swift), at once if it already has.
/// A benchmark killed mid-run would otherwise leave its router running.
void cbench_stop_with_parent(pid_t parent);

/// A TCP port on 127.0.0.1 that is free right now (the kernel picks it), for a child's metrics
/// server; -1 on failure.
int cbench_free_local_port(void);

#endif

package dev.tollgate.benchmarks;

import org.jspecify.annotations.Nullable;

/**
 * One thing the load is sent to.
 *
 * @param name direct, nginx, scg or gateway
 * @param port its port on 127.0.0.1
 * @param authorization the {@code Authorization} header value (the same for all but the gateway,
 *     which needs its stored key; the others pass it on or ignore it)
 * @param proxy the proxy's process, whose CPU is measured; null for direct
 */
record Target(String name, int port, String authorization, @Nullable Process proxy) {}

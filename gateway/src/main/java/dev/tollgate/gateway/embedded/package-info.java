/**
 * The embedded default: when no Redis ({@code spring.data.redis.url} or {@code
 * spring.data.redis.cluster.nodes}) or no PostgreSQL ({@code spring.r2dbc.url}) is configured, the
 * gateway starts its own as child processes (binaries from Maven Central jars, packaged in the
 * executable jar), with their data under {@code tollgate.embedded.data-dir} ({@code
 * ./tollgate-data}) kept from one run to the next. {@link EmbeddedDefault} decides and starts them
 * before the application context exists; the services stop after it has closed.
 */
@NullMarked
package dev.tollgate.gateway.embedded;

import org.jspecify.annotations.NullMarked;

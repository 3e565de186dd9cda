/**
 * The local launcher: the gateway with an embedded Redis and an embedded PostgreSQL, child
 * processes started from Maven Central jars. Test classpath only, so none of it reaches the
 * production jar; {@code ./mvnw -pl gateway -am test-compile spring-boot:test-run} runs it.
 */
@NullMarked
package dev.tollgate.gateway.local;

import org.jspecify.annotations.NullMarked;

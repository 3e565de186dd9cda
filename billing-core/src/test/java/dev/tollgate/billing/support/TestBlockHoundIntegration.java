package dev.tollgate.billing.support;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * BlockHound allowances for the test JVM, each with its reason; nothing else is allowed.
 *
 * <ul>
 *   <li>Console logging: the flusher logs (outage, recovery, claims) from event loop threads; the
 *       console appender writes to a stream, which in production an async appender takes off the
 *       event loop.
 *   <li>Lettuce's {@code SharedLock.incrementWriters}: every command dispatch takes a {@code
 *       ReentrantLock} for a counter increment, so two threads writing to one connection at once
 *       (the test thread's sync commands and the flusher, or two buckets' flushes) may park for a
 *       few instructions: contention, not I/O (cf. redis/lettuce#2510). Worse, BlockHound's error
 *       thrown from inside it makes {@code DefaultEndpoint.write}'s {@code finally} decrement a
 *       writer count it never incremented, which leaves the connection spinning forever (this
 *       happened: a test hung at 100% CPU in {@code incrementWriters}). So it is allowed.
 * </ul>
 */
public final class TestBlockHoundIntegration implements BlockHoundIntegration {

  @Override
  public void applyTo(BlockHound.Builder builder) {
    builder.allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "writeBytes");
    builder.allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "subAppend");
    builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters");
  }
}

package dev.tollgate.gateway.support;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * BlockHound allowances for the test JVM, each with its reason; nothing else is allowed.
 *
 * <ul>
 *   <li>Console logging writes to a stream; in production an async appender takes that off the
 *       event loop.
 *   <li>Lettuce's {@code SharedLock.incrementWriters}: each command dispatch takes a lock for a
 *       counter increment, so event loops writing to the one shared billing connection at once may
 *       park for a few instructions: contention, not I/O (redis/lettuce#2510). BlockHound's error
 *       thrown from inside it would corrupt the connection's writer count and hang it.
 *   <li>{@link Fixtures#read}: fake upstreams read a recording inside their handlers, on an event
 *       loop, from the provider-adapters test jar. Test data only; the gateway reads no file there.
 * </ul>
 */
public final class TestBlockHoundIntegration implements BlockHoundIntegration {

  @Override
  public void applyTo(BlockHound.Builder builder) {
    builder.allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "writeBytes");
    builder.allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "subAppend");
    builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters");
    builder.allowBlockingCallsInside(Fixtures.class.getName(), "read");
    // Netty 4.2's adaptive buffer allocator takes a StampedLock for a few instructions when it
    // grows its magazines; under contention the writer parks briefly (seen once in a full run, in
    // ShutdownFlushTest's client aggregating a response). Netty's own BlockHound integration does
    // not list it yet; like Lettuce's SharedLock above, a library-internal lock, not our code.
    builder.allowBlockingCallsInside(
        "io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines");
    // Lettuce's cluster connection provider guards its slot-to-connection table with a lock held
    // for an array read or write; after a topology change (a failover, a slot moved) several event
    // loops look up a slot's new connection at once and one parks briefly
    // (BillingReshardOnClusterIT).
    builder.allowBlockingCallsInside(
        "io.lettuce.core.cluster.PooledClusterConnectionProvider", "getWriteConnection");
    builder.allowBlockingCallsInside(
        "io.lettuce.core.cluster.PooledClusterConnectionProvider", "lambda$getWriteConnection$1");
  }
}

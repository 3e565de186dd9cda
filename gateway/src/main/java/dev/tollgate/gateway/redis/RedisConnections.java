package dev.tollgate.gateway.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The gateway's Redis connections, whichever the topology: one connection in strings (billing,
 * stream leases, publishing), one with byte values (Bucket4j's bucket state), and pub/sub
 * connections on demand. Components take the command interfaces that a standalone and a cluster
 * connection share ({@link RedisClusterReactiveCommands} and friends), so that none of them
 * branches on the topology: only {@link RedisConfiguration} picks the client.
 *
 * <p>With {@link RedisClusterClient} every command goes to the master owning its key's slot, and
 * keyless ones ({@code PUBLISH}) to any node; the gateway's scripts and multi-key commands only
 * name keys of one slot (see {@code BillingKeys}).
 */
public final class RedisConnections implements AutoCloseable {

  /** Keys as strings, values as bytes: what Bucket4j stores bucket state in. */
  public static final RedisCodec<String, byte[]> BINARY =
      RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  private final StatefulConnection<String, String> text;
  private final StatefulConnection<String, byte[]> binary;
  private final RedisClusterReactiveCommands<String, String> reactive;
  private final RedisClusterCommands<String, String> sync;
  private final RedisClusterAsyncCommands<String, byte[]> binaryAsync;
  private final Supplier<StatefulRedisPubSubConnection<String, String>> pubSub;
  private final boolean cluster;

  private RedisConnections(
      StatefulConnection<String, String> text,
      RedisClusterReactiveCommands<String, String> reactive,
      RedisClusterCommands<String, String> sync,
      StatefulConnection<String, byte[]> binary,
      RedisClusterAsyncCommands<String, byte[]> binaryAsync,
      Supplier<StatefulRedisPubSubConnection<String, String>> pubSub,
      boolean cluster) {
    this.text = text;
    this.reactive = reactive;
    this.sync = sync;
    this.binary = binary;
    this.binaryAsync = binaryAsync;
    this.pubSub = pubSub;
    this.cluster = cluster;
  }

  /**
   * Connects with {@code client}: a {@link RedisClient} (one server) or a {@link
   * RedisClusterClient}. The client is not shut down by {@link #close()}.
   */
  public static RedisConnections open(AbstractRedisClient client) {
    Objects.requireNonNull(client, "client");
    return switch (client) {
      case RedisClient standalone -> standalone(standalone);
      case RedisClusterClient cluster -> cluster(cluster);
      default ->
          throw new IllegalArgumentException(
              "client: "
                  + client.getClass().getName()
                  + " (expected: RedisClient or"
                  + " RedisClusterClient)");
    };
  }

  private static RedisConnections standalone(RedisClient client) {
    StatefulRedisConnection<String, String> text = client.connect();
    try {
      StatefulRedisConnection<String, byte[]> binary = client.connect(BINARY);
      return new RedisConnections(
          text, text.reactive(), text.sync(), binary, binary.async(), client::connectPubSub, false);
    } catch (RuntimeException e) {
      text.close();
      throw e;
    }
  }

  private static RedisConnections cluster(RedisClusterClient client) {
    StatefulRedisClusterConnection<String, String> text = client.connect();
    try {
      StatefulRedisClusterConnection<String, byte[]> binary = client.connect(BINARY);
      return new RedisConnections(
          text, text.reactive(), text.sync(), binary, binary.async(), client::connectPubSub, true);
    } catch (RuntimeException e) {
      text.close();
      throw e;
    }
  }

  /** The string connection's non-blocking commands: what every request path uses. */
  public RedisClusterReactiveCommands<String, String> reactive() {
    return reactive;
  }

  /**
   * The string connection's blocking commands, for start-up and tests: never on an event loop
   * (BlockHound refuses it in the tests).
   */
  public RedisClusterCommands<String, String> sync() {
    return sync;
  }

  /** Asynchronous commands with byte values ({@link #BINARY}), for Bucket4j. */
  public RedisClusterAsyncCommands<String, byte[]> binary() {
    return binaryAsync;
  }

  /**
   * A new pub/sub connection, which the caller closes. On a cluster it subscribes on one node;
   * Redis Cluster forwards every {@code PUBLISH} to all nodes, so it hears what is published on
   * any. Blocking (it connects): not on an event loop.
   */
  public StatefulRedisPubSubConnection<String, String> connectPubSub() {
    return pubSub.get();
  }

  /** Whether these are Redis Cluster connections. */
  public boolean cluster() {
    return cluster;
  }

  /** Closes the connections opened here (pub/sub connections are their callers'). */
  @Override
  public void close() {
    try {
      binary.close();
    } finally {
      text.close();
    }
  }
}

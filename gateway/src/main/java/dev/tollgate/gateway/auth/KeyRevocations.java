package dev.tollgate.gateway.auth;

import dev.tollgate.gateway.redis.RedisConnections;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Mono;

/**
 * Tells every instance's {@link CachingKeyStore} what to forget, over Redis pub/sub: the hashes of
 * revoked keys on {@code <prefix>:keys:revoked}, the ids of accounts whose status changed on {@code
 * <prefix>:accounts:changed}. Each instance subscribes at start-up (Lettuce re-subscribes after a
 * reconnect); a message lost meanwhile is covered by the cache's entry lifetime. On Redis Cluster
 * each instance subscribes on one node and publishes on one node, maybe another: the cluster
 * forwards every {@code PUBLISH} to all its nodes.
 */
public final class KeyRevocations implements SmartLifecycle {

  private final RedisConnections redis;
  private final CachingKeyStore cache;
  private final String revokedChannel;
  private final String accountsChannel;
  private volatile @Nullable StatefulRedisPubSubConnection<String, String> subscription;

  public KeyRevocations(RedisConnections redis, String redisPrefix, CachingKeyStore cache) {
    this.redis = Objects.requireNonNull(redis, "redis");
    this.cache = Objects.requireNonNull(cache, "cache");
    this.revokedChannel = redisPrefix + ":keys:revoked";
    this.accountsChannel = redisPrefix + ":accounts:changed";
  }

  /** Evicts the key here and publishes its hash to every instance. */
  public Mono<Void> revoked(String keyHash) {
    cache.evictHash(keyHash);
    return redis.reactive().publish(revokedChannel, keyHash).then();
  }

  /** Evicts the account's keys here and tells every instance to do the same. */
  public Mono<Void> accountChanged(String accountId) {
    cache.evictAccount(accountId);
    return redis.reactive().publish(accountsChannel, accountId).then();
  }

  /** Subscribes before the server takes traffic, so no revocation after start-up is missed. */
  @Override
  public void start() {
    StatefulRedisPubSubConnection<String, String> connection = redis.connectPubSub();
    connection.addListener(
        new RedisPubSubAdapter<>() {
          @Override
          public void message(String channel, String message) {
            if (channel.equals(revokedChannel)) {
              cache.evictHash(message);
            } else if (channel.equals(accountsChannel)) {
              cache.evictAccount(message);
            }
          }
        });
    connection.sync().subscribe(revokedChannel, accountsChannel);
    subscription = connection;
  }

  @Override
  public void stop() {
    StatefulRedisPubSubConnection<String, String> connection = subscription;
    subscription = null;
    if (connection != null) {
      connection.close();
    }
  }

  /** Before the web server's phase ({@code DEFAULT_PHASE - 1024}) starts it taking traffic. */
  @Override
  public int getPhase() {
    return DEFAULT_PHASE - 2048;
  }

  @Override
  public boolean isRunning() {
    return subscription != null;
  }
}

package dev.tollgate.gateway.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Redis for billing, limits and key revocation, when billing is on: Lettuce's {@link
 * RedisClusterClient} when {@code spring.data.redis.cluster.nodes} is set, else its {@link
 * RedisClient} for {@code spring.data.redis.url}. Both fail fast in the same way; the cluster
 * client also follows the topology (failovers, reshards).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(
    name = "gateway.billing.enabled",
    havingValue = "true",
    matchIfMissing = true)
public class RedisConfiguration {

  private static final Logger log = LoggerFactory.getLogger(RedisConfiguration.class);

  /** The longest pause between two attempts to reconnect to Redis. */
  static final Duration RECONNECT_DELAY_MAX = Duration.ofSeconds(1);

  /**
   * Reconnects after a lost connection within {@link #RECONNECT_DELAY_MAX}: Lettuce's default
   * back-off doubles up to 30 s, and the gateway refuses paid requests until Redis is back.
   */
  @Bean(destroyMethod = "shutdown")
  ClientResources billingRedisResources() {
    return DefaultClientResources.builder()
        .reconnectDelay(
            () ->
                Delay.exponential(
                    Duration.ofMillis(50), RECONNECT_DELAY_MAX, 2, TimeUnit.MILLISECONDS))
        .build();
  }

  @Bean(destroyMethod = "shutdown")
  AbstractRedisClient billingRedisClient(ClientResources resources, RedisProperties properties) {
    if (properties.isCluster()) {
      log.info("Redis Cluster, seed nodes {}", properties.cluster().nodes());
      return clusterClient(resources, properties);
    }
    return standaloneClient(resources, properties);
  }

  @Bean(destroyMethod = "close")
  RedisConnections redisConnections(AbstractRedisClient client) {
    return RedisConnections.open(client);
  }

  /**
   * While Redis cannot be reached, commands fail at once instead of being queued until it is back
   * (a queued reserve would hold up its request for the whole outage), and a command without an
   * answer fails after {@code spring.data.redis.timeout} (a dead peer that sent no reset). Either
   * way the request gets 503 {@code billing_unavailable} with {@code Retry-After}.
   */
  public static RedisClient standaloneClient(
      ClientResources resources, RedisProperties properties) {
    RedisURI uri = RedisURI.create(properties.standaloneUrl());
    RedisClient client = RedisClient.create(resources, uri);
    client.setOptions(
        ClientOptions.builder()
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(properties.timeout()))
            .socketOptions(socketOptions(properties))
            .publishOnScheduler(true)
            .build());
    return client;
  }

  /**
   * The same fail-fast options as {@link #standaloneClient}, per node: a command for a slot whose
   * master is unreachable fails at once. The topology is re-read periodically and, with adaptive
   * refresh, as soon as a command is redirected ({@code MOVED}, {@code ASK}) or a node keeps
   * failing to reconnect, so that a failover's new master or a reshard's new owner is used; nodes
   * the cluster marks failed are left out of it.
   */
  public static RedisClusterClient clusterClient(
      ClientResources resources, RedisProperties properties) {
    List<RedisURI> seeds =
        properties.cluster().nodes().stream().map(node -> nodeUri(node, properties)).toList();
    RedisClusterClient client = RedisClusterClient.create(resources, seeds);
    RedisProperties.Refresh refresh = properties.lettuce().cluster().refresh();
    ClusterTopologyRefreshOptions.Builder topology =
        ClusterTopologyRefreshOptions.builder().enablePeriodicRefresh(refresh.period());
    if (refresh.adaptive()) {
      topology
          .enableAllAdaptiveRefreshTriggers()
          .adaptiveRefreshTriggersTimeout(RECONNECT_DELAY_MAX);
    }
    client.setOptions(
        ClusterClientOptions.builder()
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(properties.timeout()))
            .socketOptions(socketOptions(properties))
            .publishOnScheduler(true)
            .maxRedirects(properties.cluster().maxRedirects())
            .topologyRefreshOptions(topology.build())
            .nodeFilter(
                node ->
                    !(node.is(RedisClusterNode.NodeFlag.FAIL)
                        || node.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL)
                        || node.is(RedisClusterNode.NodeFlag.NOADDR)))
            .build());
    return client;
  }

  private static RedisURI nodeUri(String node, RedisProperties properties) {
    int colon = node.lastIndexOf(':');
    RedisURI.Builder uri =
        RedisURI.builder()
            .withHost(node.substring(0, colon))
            .withPort(Integer.parseInt(node.substring(colon + 1)))
            .withTimeout(properties.timeout());
    if (properties.password() != null) {
      uri.withAuthentication(
          properties.username() == null ? "default" : properties.username(), properties.password());
    }
    return uri.build();
  }

  private static SocketOptions socketOptions(RedisProperties properties) {
    return SocketOptions.builder().connectTimeout(properties.connectTimeout()).build();
  }
}

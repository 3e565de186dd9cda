package dev.tollgate.gateway.support;

import dev.tollgate.gateway.redis.RedisConfiguration;
import dev.tollgate.gateway.redis.RedisConnections;
import dev.tollgate.gateway.redis.RedisProperties;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The two ways the gateway reaches Redis, for tests that run on both: the local Redis ({@link
 * TestServices#REDIS_URL}) or the {@link LocalRedisCluster} of three masters.
 */
public enum RedisTopology {
  STANDALONE,
  CLUSTER;

  /** Points a gateway test context at this topology. */
  public void register(DynamicPropertyRegistry registry) {
    if (this == CLUSTER) {
      String nodes = LocalRedisCluster.get().nodes();
      registry.add("spring.data.redis.cluster.nodes", () -> nodes);
    } else {
      registry.add("spring.data.redis.url", () -> TestServices.REDIS_URL);
    }
  }

  /** The properties the gateway would bind for this topology. */
  public RedisProperties properties() {
    List<String> nodes =
        this == CLUSTER ? Arrays.asList(LocalRedisCluster.get().nodes().split(",")) : List.of();
    return new RedisProperties(
        TestServices.REDIS_URL,
        new RedisProperties.Cluster(nodes, 5),
        Duration.ofSeconds(2),
        Duration.ofSeconds(2),
        null,
        null,
        new RedisProperties.Lettuce(
            new RedisProperties.LettuceCluster(
                new RedisProperties.Refresh(Duration.ofSeconds(30), true))));
  }

  /** Connects as one gateway instance would, with the gateway's own client options. */
  public Client connect() {
    ClientResources resources = DefaultClientResources.create();
    RedisProperties properties = properties();
    AbstractRedisClient client =
        this == CLUSTER
            ? RedisConfiguration.clusterClient(resources, properties)
            : RedisConfiguration.standaloneClient(resources, properties);
    return new Client(resources, client, RedisConnections.open(client));
  }

  /** One instance's client and connections; closing shuts all of it down. */
  public record Client(
      ClientResources resources, AbstractRedisClient client, RedisConnections connections)
      implements AutoCloseable {

    @Override
    public void close() {
      connections.close();
      client.shutdown();
      resources.shutdown();
    }
  }
}

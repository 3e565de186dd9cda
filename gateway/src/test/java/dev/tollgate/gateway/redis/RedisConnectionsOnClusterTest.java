package dev.tollgate.gateway.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.support.LocalRedisCluster;
import dev.tollgate.gateway.support.RedisTopology;
import dev.tollgate.gateway.support.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What {@code KeyRevocations} relies on, on a three-master Redis Cluster. */
class RedisConnectionsOnClusterTest {

  @Test
  void aMessagePublishedOnAnyNodeReachesASubscriberOfTheClusterConnection() throws Exception {
    String channel = TestServices.REDIS_PREFIX + ":keys:revoked";
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    try (RedisTopology.Client subscriber = RedisTopology.CLUSTER.connect();
        RedisTopology.Client publisher = RedisTopology.CLUSTER.connect();
        StatefulRedisPubSubConnection<String, String> pubSub =
            subscriber.connections().connectPubSub()) {
      assertThat(subscriber.connections().cluster()).isTrue();
      pubSub.addListener(
          new RedisPubSubAdapter<>() {
            @Override
            public void message(String ch, String message) {
              received.add(message);
            }
          });
      pubSub.sync().subscribe(channel);

      publisher
          .connections()
          .reactive()
          .publish(channel, "through-the-cluster-client")
          .block(Duration.ofSeconds(5));
      assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("through-the-cluster-client");

      // Straight to each node: the subscriber listens on one of them only.
      List<Integer> ports = LocalRedisCluster.get().ports();
      for (int port : ports) {
        RedisClient node = RedisClient.create("redis://127.0.0.1:" + port);
        try (StatefulRedisConnection<String, String> connection = node.connect()) {
          connection.sync().publish(channel, "node-" + port);
        } finally {
          node.shutdown();
        }
        assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("node-" + port);
      }
    }
  }
}

package dev.tollgate.gateway.redis;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code spring.data.redis.*}: where Redis is, with Spring Boot's property names. With {@code
 * cluster.nodes} set the gateway uses Redis Cluster (as Spring Boot does, the cluster wins over
 * {@code url}); otherwise the one server at {@code url}.
 *
 * @param url the one server, {@code redis://[user:password@]host:port} (default
 *     redis://127.0.0.1:6379)
 * @param cluster the cluster's seed nodes; any few of them, the client discovers the rest
 * @param timeout how long a command may wait for its answer (default 2s)
 * @param connectTimeout how long connecting may take (default 2s)
 * @param username for the cluster nodes (a standalone {@code url} carries its own)
 * @param password for the cluster nodes
 * @param lettuce how the cluster client follows topology changes
 */
@ConfigurationProperties("spring.data.redis")
public record RedisProperties(
    @Nullable String url,
    @DefaultValue Cluster cluster,
    @DefaultValue("2s") Duration timeout,
    @DefaultValue("2s") Duration connectTimeout,
    @Nullable String username,
    @Nullable String password,
    @DefaultValue Lettuce lettuce) {

  /** The one server the gateway uses when no cluster is configured. */
  public static final String DEFAULT_URL = "redis://127.0.0.1:6379";

  public RedisProperties {
    requirePositive("spring.data.redis.timeout", timeout);
    requirePositive("spring.data.redis.connect-timeout", connectTimeout);
  }

  /** Whether {@code spring.data.redis.cluster.nodes} selects Redis Cluster. */
  public boolean isCluster() {
    return !cluster.nodes().isEmpty();
  }

  /** {@link #url()}, or {@link #DEFAULT_URL} when it is not set. */
  public String standaloneUrl() {
    return url == null || url.isBlank() ? DEFAULT_URL : url;
  }

  /**
   * @param nodes {@code host:port} of some of the cluster's nodes
   * @param maxRedirects how many {@code MOVED}/{@code ASK} redirections a command may follow
   *     (default 5)
   */
  public record Cluster(@Nullable List<String> nodes, @DefaultValue("5") int maxRedirects) {

    public Cluster {
      nodes = nodes == null ? List.of() : List.copyOf(nodes);
      for (String node : nodes) {
        int colon = node.lastIndexOf(':');
        if (colon <= 0 || colon == node.length() - 1 || !isPort(node.substring(colon + 1))) {
          throw new IllegalArgumentException(
              "spring.data.redis.cluster.nodes: '" + node + "' (expected: host:port)");
        }
      }
      if (maxRedirects < 0) {
        throw new IllegalArgumentException(
            "spring.data.redis.cluster.max-redirects: " + maxRedirects + " (expected: >= 0)");
      }
    }

    private static boolean isPort(String text) {
      return text.chars().allMatch(Character::isDigit)
          && text.length() <= 5
          && Integer.parseInt(text) <= 65535;
    }
  }

  /** {@code spring.data.redis.lettuce.*}. */
  public record Lettuce(@DefaultValue LettuceCluster cluster) {}

  /** {@code spring.data.redis.lettuce.cluster.*}. */
  public record LettuceCluster(@DefaultValue Refresh refresh) {}

  /**
   * {@code spring.data.redis.lettuce.cluster.refresh.*}: the cluster client re-reads the topology
   * every {@code period}, and at once when a command meets {@code MOVED}, {@code ASK}, an unknown
   * node or repeated reconnects ({@code adaptive}), so that failovers and reshards are followed.
   *
   * @param period default 30s
   * @param adaptive default true
   */
  public record Refresh(
      @DefaultValue("30s") Duration period, @DefaultValue("true") boolean adaptive) {

    public Refresh {
      requirePositive("spring.data.redis.lettuce.cluster.refresh.period", period);
    }
  }

  private static void requirePositive(String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
    }
  }
}

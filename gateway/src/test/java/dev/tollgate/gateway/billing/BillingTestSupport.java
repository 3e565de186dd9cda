package dev.tollgate.gateway.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.redis.AccountState;
import dev.tollgate.billing.redis.BillingKeys;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.support.RedisTopology;
import dev.tollgate.gateway.support.TestServices;
import io.lettuce.core.api.sync.RedisStreamCommands;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * What the billing tests share: the running gateway (dev key {@link #KEY} paying from the class's
 * own demo account), and views of that account in Redis and in PostgreSQL.
 */
public abstract class BillingTestSupport {

  public static final String KEY = "sk-gw-billing-test-0123456789";

  /** Mock models priced at 1.00 input and 2.00 output per million tokens. */
  public static final String[] PRICED_MOCKS = {
    "gateway.dev-keys[0]=" + KEY,
    "gateway.providers.local.type=mock",
    "gateway.models[0].id=paid",
    "gateway.models[0].provider=local",
    "gateway.models[0].mock.tokens=10",
    "gateway.models[0].mock.ttft-ms=20",
    "gateway.models[0].mock.inter-token-ms=5",
    "gateway.models[0].price.input=1.00",
    "gateway.models[0].price.output=2.00",
    "gateway.models[1].id=paid-long",
    "gateway.models[1].provider=local",
    "gateway.models[1].mock.tokens=400",
    "gateway.models[1].mock.inter-token-ms=10",
    "gateway.models[1].price.input=1.00",
    "gateway.models[1].price.output=2.00",
    "gateway.billing.default-output-reserve=10",
    "gateway.billing.reaper-interval=1h",
    "gateway.billing.flusher.poll-interval=20ms",
    "logging.level.dev.tollgate.usage=WARN"
  };

  /** The prompt {@code [{"role":"user","content":"hi"}]} counts 8 tokens (3 + 3 + user + hi). */
  public static final long PROMPT_TOKENS = 8;

  /** Nano-units: input 1.00 per million tokens is 1 000 nano-units a token, output 2 000. */
  public static long cost(long prompt, long completion) {
    return prompt * 1_000 + completion * 2_000;
  }

  /**
   * The properties every billing test context shares: the priced mock models, the local Redis and
   * PostgreSQL of this test JVM, and {@code account} as the demo account the key pays from.
   */
  public static void billingProperties(DynamicPropertyRegistry registry, String account) {
    billingProperties(registry, account, RedisTopology.STANDALONE, TestServices.REDIS_PREFIX);
  }

  /** As {@link #billingProperties(DynamicPropertyRegistry, String)}, on the given Redis. */
  public static void billingProperties(
      DynamicPropertyRegistry registry, String account, RedisTopology redis) {
    billingProperties(registry, account, redis, TestServices.REDIS_PREFIX);
  }

  /**
   * As {@link #billingProperties(DynamicPropertyRegistry, String)} with Redis keys under {@code
   * redisPrefix}: for a test that takes Redis or PostgreSQL away from its gateway. Its context
   * stays cached after the class, with a broken connection; with the shared prefix its outbox
   * flusher would go on taking the charges of later tests' gateways (the consumer group is shared)
   * and keep them pending, unwritten, until another flusher claims them.
   */
  public static void billingProperties(
      DynamicPropertyRegistry registry, String account, String redisPrefix) {
    billingProperties(registry, account, RedisTopology.STANDALONE, redisPrefix);
  }

  private static void billingProperties(
      DynamicPropertyRegistry registry, String account, RedisTopology redis, String redisPrefix) {
    for (String p : PRICED_MOCKS) {
      int eq = p.indexOf('=');
      registry.add(p.substring(0, eq), () -> p.substring(eq + 1));
    }
    redis.register(registry);
    registry.add("spring.r2dbc.url", TestServices::r2dbcUrl);
    registry.add("gateway.billing.redis-prefix", () -> redisPrefix);
    registry.add("gateway.billing.demo.id", () -> account);
    // The retention purge deletes across the shared test database; only RetentionJobTest runs it.
    registry.add("gateway.retention.initial-delay", () -> "24h");
    // Many tests send wrong keys from loopback on purpose; FailedKeysTest checks the slowdown.
    registry.add("gateway.auth.failed-keys.free-attempts", () -> "100000");
  }

  @LocalServerPort int port;

  @Autowired HoldStore holds;

  static HttpClient client(int port, int connections) {
    return HttpClient.create(ConnectionProvider.create("billing-test", connections))
        .baseUrl("http://127.0.0.1:" + port)
        .headers(
            h -> h.set("Authorization", "Bearer " + KEY).set("content-type", "application/json"));
  }

  record Answer(int status, String requestId, String body, String costHeader) {}

  static Mono<Answer> chat(HttpClient client, String json) {
    return client
        .post()
        .uri("/v1/chat/completions")
        .send(ByteBufMono.fromString(Mono.just(json)))
        .responseSingle(
            (response, content) ->
                content
                    .asString(StandardCharsets.UTF_8)
                    .defaultIfEmpty("")
                    .map(
                        body ->
                            new Answer(
                                response.status().code(),
                                response.responseHeaders().get("x-request-id"),
                                body,
                                response.responseHeaders().get("x-gateway-cost"))));
  }

  AccountState redisAccount(String accountId) {
    AccountState state = holds.account(accountId).block(Duration.ofSeconds(5));
    assertThat(state).as("account %s in Redis", accountId).isNotNull();
    return state;
  }

  public static long queryLong(String sql, Object... args) {
    return queryLongAt(TestServices.jdbcUrl(), sql, args);
  }

  /** As {@link #queryLong} on the PostgreSQL at {@code jdbcUrl} (user postgres, no password). */
  public static long queryLongAt(String jdbcUrl, String sql, Object... args) {
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        s.setObject(i + 1, args[i]);
      }
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  public static String queryString(String sql, Object... args) {
    try (Connection c = DriverManager.getConnection(TestServices.jdbcUrl(), "postgres", "");
        PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        s.setObject(i + 1, args[i]);
      }
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? r.getString(1) : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** Waits until PostgreSQL holds {@code count} usage events of the account. */
  public static void awaitFlushed(String accountId, long count) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    long seen = -1;
    while (System.nanoTime() < deadline) {
      seen = queryLong("SELECT count(*) FROM usage_events WHERE account_id = ?", accountId);
      if (seen >= count) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "PostgreSQL has " + seen + " usage events of " + accountId + ", expected " + count);
  }

  /**
   * Waits until the outbox of {@code accountId}'s bucket is flushed: every entry read by the
   * flushers' group (lag 0) and acknowledged (nothing pending).
   */
  public static void awaitOutboxFlushed(
      RedisStreamCommands<String, String> redis, BillingKeys keys, String accountId)
      throws InterruptedException {
    String outbox = keys.outbox(keys.bucketOf(accountId));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String seen = "";
    while (System.nanoTime() < deadline) {
      seen = "";
      boolean flushed = true;
      for (Object group : redis.xinfoGroups(outbox)) {
        List<?> fields = (List<?>) group;
        for (int i = 0; i + 1 < fields.size(); i += 2) {
          String name = String.valueOf(fields.get(i));
          if (name.equals("pending") || name.equals("lag")) {
            seen += name + "=" + fields.get(i + 1) + " ";
            flushed &= Long.valueOf(0).equals(fields.get(i + 1));
          }
        }
      }
      if (flushed && !seen.isEmpty()) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the outbox " + outbox + " is not flushed: " + seen);
  }

  public static long pgBalance(String accountId) {
    return queryLong("SELECT balance_nanos FROM accounts WHERE id = ?", accountId);
  }

  static long pgDebits(String accountId) {
    return queryLong(
        "SELECT coalesce(sum(amount_nanos), 0) FROM ledger_entries"
            + " WHERE account_id = ? AND type = 'debit'",
        accountId);
  }
}

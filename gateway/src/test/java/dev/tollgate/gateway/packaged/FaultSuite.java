package dev.tollgate.gateway.packaged;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.billing.redis.BillingKeys;
import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.FakeUpstream;
import dev.tollgate.gateway.support.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * What the fault suite's scenarios ({@code *FaultIT}, {@code ./mvnw -Pfaults verify}, issue 10)
 * share: the packaged gateway ({@code java -jar gateway.jar}) on its own Redis with AOF ({@link
 * FaultRedis}), a fake upstream, and the money invariant checked to the nano-unit after each fault:
 * credits − charged = Redis balance = PostgreSQL balance, nothing held, the ledger's debits = what
 * the usage rows charged. Each scenario class gets its own Redis and upstream.
 */
abstract class FaultSuite {

  static final String KEY = "sk-gw-fault-suite-0123456789";
  static final String PREFIX = "fault";
  static final BillingKeys KEYS = new BillingKeys(PREFIX, 64);

  static FakeUpstream upstream;
  static FaultRedis redis;
  static RedisClient redisClient;
  static StatefulRedisConnection<String, String> connection;

  /**
   * The PostgreSQL the gateways use (the machine's server, a database of this run); a scenario may
   * point it elsewhere before it starts a gateway.
   */
  static String r2dbcUrl;

  /** The same PostgreSQL as {@link #r2dbcUrl}, for the test's own queries. */
  static String jdbcUrl;

  @BeforeAll
  static void servers() throws Exception {
    upstream = new FakeUpstream();
    r2dbcUrl = TestServices.r2dbcUrl();
    jdbcUrl = TestServices.jdbcUrl();
    redis = FaultRedis.start("suite");
    redisClient = RedisClient.create(redis.url());
    connection = redisClient.connect();
  }

  @AfterAll
  static void stop() throws Exception {
    connection.close();
    redisClient.shutdown();
    redis.close();
    upstream.close();
  }

  /** {@code tokens} content events {@code gapMs} apart after a first byte of 0-300 ms; usage. */
  static FakeUpstream.Script stream(int tokens, long gapMs, SplittableRandom random) {
    List<String> events = new ArrayList<>();
    events.add(chunk("{\"role\":\"assistant\",\"content\":\"\"}", "null"));
    for (int i = 0; i < tokens; i++) {
      events.add(chunk("{\"content\":\" w\"}", "null"));
    }
    events.add(chunk("{}", "\"stop\""));
    events.add(
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":"
            + "{\"prompt_tokens\":8,\"completion_tokens\":"
            + tokens
            + ",\"total_tokens\":"
            + (8 + tokens)
            + "}}\n\n");
    events.add("data: [DONE]\n\n");
    return (response, recorder) -> {
      long firstByte;
      synchronized (random) {
        firstByte = random.nextLong(300);
      }
      return FakeUpstream.delayed(
              Duration.ofMillis(firstByte), FakeUpstream.sse(events, Duration.ofMillis(gapMs)))
          .answer(response, recorder);
    };
  }

  static String chunk(String delta, String finish) {
    return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
        + "\"delta\":"
        + delta
        + ",\"finish_reason\":"
        + finish
        + "}]}\n\n";
  }

  /**
   * Starts the packaged gateway on this suite's Redis, PostgreSQL and fake upstream; {@code more}
   * adds command-line properties (each given once: a property given twice becomes a list).
   */
  static GatewayProcess gateway(String name, String account, String balance, String... more)
      throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--spring.data.redis.url=" + redis.url(),
                "--spring.r2dbc.url=" + r2dbcUrl,
                "--spring.r2dbc.username=postgres",
                "--spring.lifecycle.timeout-per-shutdown-phase=5s",
                "--gateway.dev-keys[0]=" + KEY,
                "--gateway.billing.demo.id=" + account,
                "--gateway.billing.demo.balance=" + balance,
                "--gateway.billing.redis-prefix=" + PREFIX,
                "--gateway.billing.instance-id=" + name,
                "--gateway.billing.hold-ttl=15s",
                "--gateway.billing.reaper-interval=2s",
                "--gateway.billing.default-output-reserve=64",
                "--gateway.billing.flusher.poll-interval=20ms",
                "--gateway.providers.fake.type=openai",
                "--gateway.providers.fake.api-key=upstream-secret",
                "--gateway.providers.fake.base-url=" + upstream.baseUrl(),
                "--gateway.models[0].id=fake-model",
                "--gateway.models[0].provider=fake",
                "--gateway.models[0].price.input=1.00",
                "--gateway.models[0].price.output=2.00",
                "--gateway.retention.initial-delay=24h",
                "--gateway.auth.failed-keys.free-attempts=100000",
                "--logging.level.dev.tollgate.usage=WARN"));
    args.addAll(List.of(more));
    return GatewayProcess.start(
        name, Path.of("target").toAbsolutePath(), Map.of(), args.toArray(String[]::new));
  }

  static HttpClient client(int port, int connections) {
    return HttpClient.create(ConnectionProvider.create("fault-suite", connections))
        .baseUrl("http://127.0.0.1:" + port)
        .headers(
            h -> h.set("Authorization", "Bearer " + KEY).set("content-type", "application/json"));
  }

  static final String BODY =
      "{\"model\":\"fake-model\",\"stream\":true,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  static long held(String account) {
    String held = connection.sync().hget(KEYS.account(account), "held");
    return held == null ? 0 : Long.parseLong(held);
  }

  /**
   * The money invariant once the outbox is flushed: credits − charged = Redis balance = PostgreSQL
   * balance, the ledger's debits = charged, nothing held.
   */
  static long assertMoney(String account, long credits) throws Exception {
    BillingTestSupport.awaitOutboxFlushed(connection.sync(), KEYS, account);
    long charged =
        queryLong(
            "SELECT coalesce(sum(charged_nanos), 0) FROM usage_events WHERE account_id = ?",
            account);
    long redisBalance = Long.parseLong(connection.sync().hget(KEYS.account(account), "balance"));
    assertThat(held(account)).as("held").isZero();
    assertThat(redisBalance).as("Redis balance").isEqualTo(credits - charged);
    assertThat(queryLong("SELECT balance_nanos FROM accounts WHERE id = ?", account))
        .as("PostgreSQL balance")
        .isEqualTo(credits - charged);
    assertThat(
            queryLong(
                "SELECT coalesce(sum(amount_nanos), 0) FROM ledger_entries"
                    + " WHERE account_id = ? AND type = 'debit'",
                account))
        .as("ledger debits")
        .isEqualTo(charged);
    return charged;
  }

  /** One number from the suite's PostgreSQL ({@link #jdbcUrl}). */
  static long queryLong(String sql, Object... args) {
    return BillingTestSupport.queryLongAt(jdbcUrl, sql, args);
  }

  /** A few requests first, as a running gateway has seen: its first ones pay for class loading. */
  static void warmUp(HttpClient client, SplittableRandom random) {
    upstream.script(stream(20, 1, random));
    Flux.range(0, 8)
        .flatMap(
            i ->
                client
                    .post()
                    .uri("/v1/chat/completions")
                    .send(ByteBufMono.fromString(Mono.just(BODY)))
                    .responseContent()
                    .aggregate()
                    .asString(),
            4)
        .then()
        .block(Duration.ofSeconds(60));
  }

  static long awaitHeldZero(String account, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    long zeroSince = -1;
    while (System.nanoTime() < deadline) {
      if (held(account) != 0) {
        zeroSince = -1;
      } else if (zeroSince < 0) {
        zeroSince = System.nanoTime();
      } else if (System.nanoTime() - zeroSince > Duration.ofMillis(500).toNanos()) {
        return zeroSince;
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
    throw new AssertionError(account + " still holds " + held(account) + " after " + max);
  }

  static long count(String text, String what) {
    long n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length())) {
      n++;
    }
    return n;
  }
}

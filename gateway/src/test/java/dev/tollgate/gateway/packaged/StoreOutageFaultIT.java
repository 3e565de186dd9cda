package dev.tollgate.gateway.packaged;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.billing.BillingTestSupport;
import dev.tollgate.gateway.support.FakeUpstream;
import dev.tollgate.gateway.support.TestServices;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.client.HttpClient;

/**
 * The stores go away under load (issue 10, items 3 and 4): Redis is killed (-9) and started again
 * on its AOF data, PostgreSQL is stopped for 30 s. A client keeps streamed and non-streamed
 * requests running throughout; afterwards the money is checked to the nano-unit and every request
 * the client saw served has exactly one usage row. This class runs its own PostgreSQL ({@link
 * FaultPostgres}), which it can stop.
 */
class StoreOutageFaultIT extends FaultSuite {

  static final String MASTER_KEY = "fault-suite-master-key-0123456789";

  static final String PLAIN_BODY =
      "{\"model\":\"plain-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  static final String COMPLETION =
      "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":"
          + "{\"role\":\"assistant\",\"content\":\"hello there\"},\"finish_reason\":\"stop\"}],"
          + "\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":5,\"total_tokens\":13}}";

  static FaultPostgres postgres;

  /** Answers the non-streamed requests ({@code plain-model}); the suite's upstream streams. */
  static FakeUpstream plain;

  @BeforeAll
  static void ownPostgres() throws Exception {
    postgres = FaultPostgres.start("store");
    r2dbcUrl = postgres.r2dbcUrl();
    jdbcUrl = postgres.jdbcUrl();
    plain = new FakeUpstream();
    plain.script(FakeUpstream.delayed(Duration.ofMillis(30), FakeUpstream.json(200, COMPLETION)));
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    plain.close();
    postgres.close();
  }

  /**
   * Redis killed (-9) for 5 s under load and started again on its AOF data: requests during the
   * outage are refused at once (503 {@code billing_unavailable}, {@code Retry-After}), none hangs;
   * requests are served again within seconds of its return; no stream is cut off for a hold that
   * expired before it was used; every served request billed once.
   */
  @Test
  void redisKilledAndRestartedUnderLoad() throws Exception {
    String account = "acct-fault-redis-" + TestServices.REDIS_PREFIX;
    long credits = 100_000_000_000L;
    SplittableRandom random = new SplittableRandom(4);
    upstream.clear();
    try (GatewayProcess gateway = gateway("fault-redis", account, "100.00", plainModel())) {
      HttpClient client = client(gateway.port(), 16);
      warmUp(client, random);
      upstream.script(stream(40, 25, random)); // about 1 s a stream
      Load load = new Load(client, 8);
      TimeUnit.SECONDS.sleep(3);
      long logBefore = gateway.output().length();
      redis.kill();
      long killedAt = System.nanoTime();
      TimeUnit.MILLISECONDS.sleep(2_500);
      long probeAt = System.nanoTime();
      CompletableFuture<Long> probeEnd = new CompletableFuture<>();
      CompletableFuture<Integer> probe =
          readiness(client).doOnTerminate(() -> probeEnd.complete(System.nanoTime())).toFuture();
      TimeUnit.MILLISECONDS.sleep(2_500);
      long startAt = System.nanoTime();
      redis.start();
      long backAt = System.nanoTime();
      long readyAt = awaitReady(client);
      TimeUnit.NANOSECONDS.sleep(Math.max(0, backAt + TimeUnit.SECONDS.toNanos(5) - readyAt));
      List<Outcome> outcomes = load.stop();
      int readinessDuring = probe.get(10, TimeUnit.SECONDS);
      long probeMs = (probeEnd.get() - probeAt) / 1_000_000;
      String log = gateway.output().substring((int) logBefore);
      long logLines = log.lines().count();
      long reserveWarnings = count(log, "Reserving funds in Redis failed");

      List<Outcome> served = outcomes.stream().filter(o -> o.status() == 200).toList();
      List<Outcome> refused = outcomes.stream().filter(o -> o.status() == 503).toList();
      // Redis accepts a moment before start() sees it: a request started just before may be served
      long outageEnd = backAt - TimeUnit.MILLISECONDS.toNanos(500);
      List<Outcome> during =
          outcomes.stream()
              .filter(o -> o.startNanos() >= killedAt && o.startNanos() < outageEnd)
              .toList();
      long[] refusalMs = refused.stream().mapToLong(Outcome::millis).sorted().toArray();
      long[] baselineMs =
          served.stream()
              .filter(o -> !o.streamed() && o.endNanos() < killedAt)
              .mapToLong(Outcome::millis)
              .sorted()
              .toArray();
      Outcome firstServed =
          served.stream()
              .filter(o -> o.startNanos() >= backAt)
              .min(Comparator.comparingLong(Outcome::startNanos))
              .orElseThrow(() -> new AssertionError("nothing served after Redis came back"));
      long lastRefusedStart =
          refused.stream().mapToLong(Outcome::startNanos).max().orElse(killedAt);
      List<Outcome> streamsAtKill =
          served.stream()
              .filter(o -> o.streamed() && o.startNanos() < killedAt && o.endNanos() > killedAt)
              .toList();
      long cut =
          served.stream().filter(o -> o.body().contains("\"finish_reason\":\"length\"")).count();

      awaitHeldZero(account, Duration.ofSeconds(20));
      long charged = assertMoney(account, credits);
      Set<String> rows = requestIds(account);
      System.out.printf(
          "FAULT redis-kill-9: %d requests (%d served, %d refused); Redis down %d ms; %d requests"
              + " started during the outage, all refused: 503 billing_unavailable with Retry-After"
              + " in median %d ms, slowest %d ms (non-streamed requests served before the kill:"
              + " median %d ms); readiness %d during the outage (in %d ms), 200 again %d ms after"
              + " Redis accepted (its start took %d ms); first request served %d ms after it, last refusal started %d ms after"
              + " it; %d streams in flight at the kill, %d of them ended with [DONE]; %d streams"
              + " cut off; %d gateway log lines during the outage (%d about reserves); %d usage"
              + " rows, %d nano-units charged%n",
          outcomes.size(),
          served.size(),
          refused.size(),
          (backAt - killedAt) / 1_000_000,
          during.size(),
          percentile(refusalMs, 50),
          percentile(refusalMs, 100),
          percentile(baselineMs, 50),
          readinessDuring,
          probeMs,
          (readyAt - backAt) / 1_000_000,
          (backAt - startAt) / 1_000_000,
          (firstServed.startNanos() - backAt) / 1_000_000,
          (lastRefusedStart - backAt) / 1_000_000,
          streamsAtKill.size(),
          streamsAtKill.stream().filter(o -> o.body().endsWith("data: [DONE]\n\n")).count(),
          cut,
          logLines,
          reserveWarnings,
          rows.size(),
          charged);

      assertThat(outcomes)
          .as("every request served or refused with 503")
          .allSatisfy(o -> assertThat(o.status()).as(o.body()).isIn(200, 503));
      assertThat(refused)
          .allSatisfy(
              o -> {
                assertThat(o.body()).contains("billing_unavailable");
                assertThat(o.retryAfter()).isEqualTo("1");
              });
      assertThat(during).as("requests started during the outage").isNotEmpty();
      assertThat(during)
          .allSatisfy(o -> assertThat(o.status()).as("%s", o.requestId()).isEqualTo(503));
      // Refused at once, not held up until a command timeout (spring.data.redis.timeout, 2 s):
      // no slower than serving a request was before the kill. (A request that waited for Redis to
      // return would have been served: every one started during the outage was refused.)
      assertThat(percentile(refusalMs, 50))
          .as("median refusal, ms")
          .isLessThan(2_000)
          .isLessThanOrEqualTo(percentile(baselineMs, 50));
      assertThat(readinessDuring).as("readiness while Redis is down").isEqualTo(503);
      assertThat(Duration.ofNanos(firstServed.startNanos() - backAt))
          .isLessThan(Duration.ofSeconds(3));
      assertThat(Duration.ofNanos(lastRefusedStart - firstServed.startNanos()))
          .as("refusals after the first served request")
          .isLessThan(Duration.ofSeconds(1));
      assertThat(streamsAtKill)
          .as("streams in flight at the kill end normally")
          .allSatisfy(o -> assertThat(o.body()).endsWith("data: [DONE]\n\n"));
      assertThat(cut).as("streams cut off for a hold that expired").isZero();
      assertServedOnce(served, rows, 8);
      // one warning when reserves start failing, not a stack trace per refusal
      assertThat(reserveWarnings).as("warnings about reserves during the outage").isOne();
    }
  }

  /** The readiness probe's status, on the client's (warm) connections. */
  private static Mono<Integer> readiness(HttpClient client) {
    return client
        .get()
        .uri("/actuator/health/readiness")
        .responseSingle((response, content) -> content.then(Mono.just(response.status().code())));
  }

  /** When readiness answers 200 again, polled every 50 ms for at most 10 s. */
  private static long awaitReady(HttpClient client) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Integer.valueOf(200).equals(readiness(client).block(Duration.ofSeconds(10)))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("readiness not 200 within 10 s of Redis's return");
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
    return System.nanoTime();
  }

  /** The {@code p}-th percentile of sorted values (100: the largest); -1 when there are none. */
  private static long percentile(long[] sorted, int p) {
    return sorted.length == 0 ? -1 : sorted[Math.min(sorted.length - 1, sorted.length * p / 100)];
  }

  /**
   * PostgreSQL stopped for 30 s under load, with a key created through the admin API (stored in
   * PostgreSQL, cached for 5 s): every request is served and billed in Redis meanwhile, the outbox
   * drains once PostgreSQL is back, and no usage row is lost or doubled.
   */
  @Test
  void postgresStoppedUnderLoad() throws Exception {
    String demo = "acct-fault-pg-demo-" + TestServices.REDIS_PREFIX;
    long credits = 100_000_000_000L;
    SplittableRandom random = new SplittableRandom(5);
    upstream.clear();
    List<String> more = new ArrayList<>(List.of(plainModel()));
    more.add("--gateway.admin.master-key=" + MASTER_KEY);
    more.add("--gateway.auth.key-cache.ttl=5s");
    try (GatewayProcess gateway = gateway("fault-pg", demo, "1.00", more.toArray(String[]::new))) {
      String account =
          field(
              admin(
                  gateway, "/admin/accounts", "{\"name\":\"fault-pg\",\"owner\":\"fault-suite\"}"),
              "id");
      admin(
          gateway,
          "/admin/accounts/" + account + "/credits",
          "{\"amount\":\"100.00\",\"reference\":\"fault-pg\",\"type\":\"credit\"}");
      String key =
          field(
              admin(gateway, "/admin/accounts/" + account + "/keys", "{\"name\":\"fault\"}"),
              "key");
      HttpClient client =
          client(gateway.port(), 16).headers(h -> h.set("Authorization", "Bearer " + key));
      warmUp(client, random);
      upstream.script(stream(40, 25, random));
      Load load = new Load(client, 8);
      TimeUnit.SECONDS.sleep(3);
      postgres.stop();
      long stoppedAt = System.nanoTime();
      long balanceAtStop = redisBalance(account);
      TimeUnit.SECONDS.sleep(15);
      // a key the gateway never saw cannot be checked while PostgreSQL is away
      Outcome unknownKey =
          Load.one(
                  client.headers(
                      h -> h.set("Authorization", "Bearer sk-gw-never-issued-0123456789")),
                  false)
              .block(Duration.ofSeconds(30));
      TimeUnit.SECONDS.sleep(15);
      List<Outcome> outcomes = load.stop();
      long balanceAtReturn = redisBalance(account);
      postgres.start();
      long backAt = System.nanoTime();
      BillingTestSupport.awaitOutboxFlushed(connection.sync(), KEYS, account);
      long drainedAt = System.nanoTime();
      // and served as before once PostgreSQL is back
      List<Outcome> after = new Load(client, 2).runFor(Duration.ofSeconds(2));

      List<Outcome> during = outcomes.stream().filter(o -> o.startNanos() >= stoppedAt).toList();
      List<Outcome> served = new ArrayList<>();
      outcomes.stream().filter(o -> o.status() == 200).forEach(served::add);
      after.stream().filter(o -> o.status() == 200).forEach(served::add);
      awaitHeldZero(account, Duration.ofSeconds(10));
      long charged = assertMoney(account, credits);
      Set<String> rows = requestIds(account);
      boolean servedStale =
          gateway.output().contains("known keys are served from their last good entry");
      System.out.printf(
          "FAULT postgres-stopped: PostgreSQL down %d ms under load; %d requests started during"
              + " the outage with the stored key (cache ttl 5 s), %d served, %d refused (served"
              + " from the last good entry: %s), a key never seen %d %s; %d nano-units charged in"
              + " Redis meanwhile; the outbox drained %d ms after PostgreSQL accepted again; %d"
              + " served after; %d usage rows for %d served requests (+ 8 warm-up), %d nano-units"
              + " charged%n",
          (backAt - stoppedAt) / 1_000_000,
          during.size(),
          during.stream().filter(o -> o.status() == 200).count(),
          during.stream().filter(o -> o.status() != 200).count(),
          servedStale,
          unknownKey.status(),
          unknownKey.body().contains("auth_unavailable") ? "auth_unavailable" : unknownKey.body(),
          balanceAtStop - balanceAtReturn,
          (drainedAt - backAt) / 1_000_000,
          after.size(),
          rows.size(),
          served.size(),
          charged);

      assertThat(during).as("requests during the outage").hasSizeGreaterThan(50);
      assertThat(outcomes).allSatisfy(o -> assertThat(o.status()).as(o.body()).isEqualTo(200));
      assertThat(after).isNotEmpty().allSatisfy(o -> assertThat(o.status()).isEqualTo(200));
      assertThat(servedStale).as("the key's cache entry expired during the outage").isTrue();
      assertThat(unknownKey.status()).isEqualTo(503);
      assertThat(unknownKey.body()).contains("auth_unavailable");
      assertThat(balanceAtStop - balanceAtReturn).as("billed in Redis meanwhile").isPositive();
      assertThat(Duration.ofNanos(drainedAt - backAt)).isLessThan(Duration.ofSeconds(10));
      assertServedOnce(served, rows, 8);
    }
  }

  /** Every request the client saw served has its usage row, and no other row is there. */
  private static void assertServedOnce(List<Outcome> served, Set<String> rows, int warmUps) {
    Set<String> ids = new HashSet<>();
    served.forEach(o -> ids.add(o.requestId()));
    assertThat(ids).as("request ids").hasSize(served.size());
    assertThat(rows).as("usage rows").containsAll(ids).hasSize(ids.size() + warmUps);
  }

  private static String[] plainModel() {
    return new String[] {
      "--gateway.providers.plain.type=openai",
      "--gateway.providers.plain.api-key=upstream-secret",
      "--gateway.providers.plain.base-url=" + plain.baseUrl(),
      "--gateway.models[1].id=plain-model",
      "--gateway.models[1].provider=plain",
      "--gateway.models[1].price.input=1.00",
      "--gateway.models[1].price.output=2.00"
    };
  }

  private static String admin(GatewayProcess gateway, String path, String json) throws Exception {
    HttpResponse<String> response = gateway.post(path, MASTER_KEY, json);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return response.body();
  }

  private static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]+)\"").matcher(json);
    assertThat(m.find()).as("%s in %s", name, json).isTrue();
    return m.group(1);
  }

  private static long redisBalance(String account) {
    return Long.parseLong(connection.sync().hget(KEYS.account(account), "balance"));
  }

  private static Set<String> requestIds(String account) throws Exception {
    Set<String> ids = new HashSet<>();
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        PreparedStatement s =
            c.prepareStatement("SELECT request_id FROM usage_events WHERE account_id = ?")) {
      s.setString(1, account);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          ids.add(r.getString(1));
        }
      }
    }
    return ids;
  }

  /** One request of the load, as its client saw it. */
  record Outcome(
      long startNanos,
      long endNanos,
      boolean streamed,
      int status,
      @Nullable String retryAfter,
      @Nullable String requestId,
      String body) {

    long millis() {
      return (endNanos - startNanos) / 1_000_000;
    }
  }

  /**
   * Requests back to back on {@code lanes} connections, streamed and non-streamed in turn, until
   * stopped; after a refusal a lane waits 100 ms (a client retrying sooner than {@code Retry-After}
   * asks). A request without an answer within 30 s counts as status 0.
   */
  static final class Load {

    private final List<Outcome> outcomes = new ArrayList<>();
    private final ConcurrentLinkedQueue<Outcome> seen = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong next = new AtomicLong();
    private final CompletableFuture<Void> done;

    Load(HttpClient client, int lanes) {
      done =
          Flux.range(0, lanes)
              .flatMap(
                  lane ->
                      Mono.defer(() -> one(client, next.getAndIncrement() % 2 == 0))
                          .doOnNext(seen::add)
                          .flatMap(
                              o ->
                                  o.status() == 200
                                      ? Mono.just(o)
                                      : Mono.delay(Duration.ofMillis(100)).thenReturn(o))
                          .repeat(running::get),
                  lanes)
              .then()
              .toFuture();
    }

    /** Stops sending and returns every outcome once the requests in flight have ended. */
    List<Outcome> stop() throws Exception {
      running.set(false);
      done.get(60, TimeUnit.SECONDS);
      outcomes.addAll(seen);
      return outcomes;
    }

    List<Outcome> runFor(Duration duration) throws Exception {
      TimeUnit.NANOSECONDS.sleep(duration.toNanos());
      return stop();
    }

    /** One request, streamed or not; never fails: an error or no answer is status 0. */
    static Mono<Outcome> one(HttpClient client, boolean streamed) {
      long start = System.nanoTime();
      return client
          .post()
          .uri("/v1/chat/completions")
          .send(ByteBufMono.fromString(Mono.just(streamed ? BODY : PLAIN_BODY)))
          .responseSingle(
              (response, content) ->
                  content
                      .asString(StandardCharsets.UTF_8)
                      .defaultIfEmpty("")
                      .map(
                          body ->
                              new Outcome(
                                  start,
                                  System.nanoTime(),
                                  streamed,
                                  response.status().code(),
                                  response.responseHeaders().get("Retry-After"),
                                  response.responseHeaders().get("x-request-id"),
                                  body)))
          .timeout(Duration.ofSeconds(30))
          .onErrorResume(
              e ->
                  Mono.just(
                      new Outcome(
                          start, System.nanoTime(), streamed, 0, null, null, e.toString())));
    }
  }
}

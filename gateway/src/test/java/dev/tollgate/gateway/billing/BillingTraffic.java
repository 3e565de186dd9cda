package dev.tollgate.gateway.billing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.redis.AccountState;
import dev.tollgate.billing.redis.BillingKeys;
import dev.tollgate.gateway.redis.RedisConnections;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.springframework.test.context.DynamicPropertyRegistry;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;

/**
 * Billing traffic that runs while a test changes the Redis Cluster under the gateway: {@code
 * workers} clients each sending one short priced stream after the other until {@link #stop()},
 * every answer kept with its start and end time. For measuring how long requests fail and for
 * checking the money afterwards: each answer 200 is one charge of {@link
 * BillingConcurrencyTest#PER_REQUEST}.
 */
final class BillingTraffic {

  static final String STREAM =
      "{\"model\":\"paid\",\"stream\":true,\"max_tokens\":10,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  /**
   * One request: when it was sent and answered ({@link System#nanoTime()}), its status (0: no HTTP
   * answer), the error code of a non-200 (or the exception), and whether a 200 stream ended with
   * {@code [DONE]}.
   */
  record Outcome(long sentNanos, long answeredNanos, int status, String code, boolean done) {

    boolean ok() {
      return status == 200 && done;
    }
  }

  private final List<Outcome> outcomes = new ArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Sinks.Empty<Void> finished = Sinks.empty();
  private final Disposable subscription;

  private BillingTraffic(int port, int workers) {
    HttpClient client = BillingTestSupport.client(port, workers);
    subscription =
        Flux.range(0, workers)
            .flatMap(w -> Mono.defer(() -> send(client)).repeat(running::get), workers)
            .doOnNext(this::record)
            .doFinally(s -> finished.tryEmitEmpty())
            .subscribe();
  }

  static BillingTraffic start(int port, int workers) {
    return new BillingTraffic(port, workers);
  }

  private static Mono<Outcome> send(HttpClient client) {
    long sent = System.nanoTime();
    return BillingTestSupport.chat(client, STREAM)
        .map(a -> new Outcome(sent, System.nanoTime(), a.status(), code(a), done(a)))
        .onErrorResume(
            e ->
                Mono.just(
                    new Outcome(sent, System.nanoTime(), 0, e.getClass().getSimpleName(), false)));
  }

  private static String code(BillingTestSupport.Answer answer) {
    if (answer.status() == 200) {
      return "";
    }
    try {
      return Json.MAPPER.readTree(answer.body()).path("error").path("code").asString();
    } catch (RuntimeException e) {
      return "unparsable: " + answer.body();
    }
  }

  private static boolean done(BillingTestSupport.Answer answer) {
    return answer.status() == 200 && answer.body().endsWith("data: [DONE]\n\n");
  }

  private synchronized void record(Outcome outcome) {
    outcomes.add(outcome);
  }

  /** The answers so far. */
  synchronized List<Outcome> outcomes() {
    return List.copyOf(outcomes);
  }

  /**
   * Waits until {@code count} answers match {@code which}; fails after {@code timeout} with what
   * was seen.
   */
  void awaitAnswers(Predicate<Outcome> which, int count, Duration timeout, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long seen = 0;
    while (System.nanoTime() < deadline) {
      seen = outcomes().stream().filter(which).count();
      if (seen >= count) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError(
        "waited " + timeout + " for " + count + " answers " + what + ", saw " + seen);
  }

  /** Lets every worker finish its request in flight, then returns all answers. */
  List<Outcome> stop() {
    running.set(false);
    try {
      finished.asMono().block(Duration.ofSeconds(60));
    } finally {
      subscription.dispose();
    }
    return outcomes();
  }

  /**
   * Hold settings for a test whose Redis changes under traffic. A command whose answer is lost (the
   * master died after running it, or the answer came after {@code spring.data.redis.timeout} on a
   * busy machine) may have run: a reserve answered 503 can leave its hold, which only the reaper
   * ends, after the hold's TTL. A short TTL (still longer than the settle's retries, about 9 s,
   * plus a failover) lets the test see it ended.
   */
  static final Duration HOLD_TTL = Duration.ofSeconds(20);

  static void holdProperties(DynamicPropertyRegistry registry) {
    registry.add("gateway.billing.hold-ttl", HOLD_TTL::toString);
    registry.add("gateway.billing.reaper-interval", () -> "1s");
  }

  /**
   * The money after the traffic: each answer 200 charged once ({@link
   * BillingConcurrencyTest#PER_REQUEST}) in Redis and in PostgreSQL, every refused request not at
   * all, no hold left (streams whose settle met the change settle on its retries; a hold left by a
   * reserve whose answer was lost is ended by the reaper, charging nothing) and the outbox drained.
   * Returns how many holds the reaper ended.
   */
  static long assertEachOkChargedOnce(
      BillingTestSupport gateway,
      RedisConnections redis,
      BillingKeys keys,
      String account,
      long initial,
      long ok)
      throws InterruptedException {
    long deadline = System.nanoTime() + HOLD_TTL.plusSeconds(15).toNanos();
    AccountState state = gateway.redisAccount(account);
    while (state.held() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
      state = gateway.redisAccount(account);
    }
    assertThat(state.held()).as("held").isZero();
    BillingTestSupport.awaitFlushed(account, ok);
    BillingTestSupport.awaitOutboxFlushed(redis.sync(), keys, account);
    long charged = ok * BillingConcurrencyTest.PER_REQUEST;
    assertThat(gateway.redisAccount(account).balance()).isEqualTo(initial - charged);
    assertThat(
            BillingTestSupport.queryLong(
                "SELECT count(*) FROM usage_events WHERE account_id = ? AND status = 'completed'"
                    + " AND charged_nanos = ?",
                account,
                BillingConcurrencyTest.PER_REQUEST))
        .isEqualTo(ok);
    long others =
        BillingTestSupport.queryLong(
            "SELECT count(*) FROM usage_events WHERE account_id = ? AND status <> 'completed'",
            account);
    assertThat(
            BillingTestSupport.queryLong(
                "SELECT count(*) FROM usage_events WHERE account_id = ?", account))
        .isEqualTo(ok + others);
    assertThat(
            BillingTestSupport.queryLong(
                "SELECT coalesce(sum(charged_nanos), 0) FROM usage_events WHERE account_id = ?",
                account))
        .isEqualTo(charged);
    assertThat(BillingTestSupport.pgBalance(account)).isEqualTo(initial - charged);
    assertThat(BillingTestSupport.pgDebits(account)).isEqualTo(charged);
    return others;
  }
}

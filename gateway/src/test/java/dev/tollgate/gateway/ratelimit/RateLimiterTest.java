package dev.tollgate.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.support.RedisTopology;
import dev.tollgate.gateway.support.TestServices;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Against the local Redis, as two gateway instances would use it: two clients, two limiters, one
 * key prefix for this JVM. Calls start on Reactor's non-blocking threads, so BlockHound sees them.
 *
 * <p>Both limiters read one clock that moves only when a test moves it: with the wall clock, a
 * bucket of 1,000 tokens a minute refills 17 tokens a second while a slow (loaded) run goes from
 * one check to the next, and no exact figure could be asserted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RateLimiterTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private RedisTopology.Client clientA;
  private RedisTopology.Client clientB;
  private RateLimiter limiterA;
  private RateLimiter limiterB;
  private final ManualClock clock = new ManualClock();

  /** Where both instances' Redis is; {@link RateLimiterOnClusterTest} runs these on a cluster. */
  RedisTopology topology() {
    return RedisTopology.STANDALONE;
  }

  @BeforeAll
  void connect() {
    clientA = topology().connect();
    clientB = topology().connect();
    limiterA = new RateLimiter(clientA.connections().binary(), TestServices.REDIS_PREFIX, clock);
    limiterB = new RateLimiter(clientB.connections().binary(), TestServices.REDIS_PREFIX, clock);
  }

  @AfterAll
  void close() {
    clientA.close();
    clientB.close();
  }

  @Test
  void sixthRequestInAMinuteIsRefusedWithASaneRetryAfter() {
    String key = newKey();
    StepVerifier.create(
            Flux.range(0, 6).concatMap(i -> onEventLoop(limiterA.request(key, 5))).collectList())
        .assertNext(
            decisions -> {
              for (int i = 0; i < 5; i++) {
                Decision d = decisions.get(i);
                assertThat(d.allowed()).as("request %d", i + 1).isTrue();
                assertThat(d.limit()).isEqualTo(5);
                assertThat(d.remaining()).isEqualTo(4 - i);
                assertThat(d.retryAfter()).isZero();
              }
              Decision sixth = decisions.get(5);
              assertThat(sixth.allowed()).isFalse();
              assertThat(sixth.remaining()).isZero();
              // one request comes back every 12 s; the clock did not move, so all five are due
              assertThat(sixth.retryAfter()).isEqualTo(Duration.ofSeconds(12));
              assertThat(sixth.resetAfter()).isEqualTo(Duration.ofMinutes(1));
            })
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void tokensAreTakenUntilTheyRunOutAndSettledAfterwards() {
    String key = newKey();
    StepVerifier.create(onEventLoop(limiterA.tokens(key, 1000, 600)))
        .assertNext(
            d -> {
              assertThat(d.allowed()).isTrue();
              assertThat(d.limit()).isEqualTo(1000);
              assertThat(d.remaining()).isEqualTo(400);
            })
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(onEventLoop(limiterB.tokens(key, 1000, 500)))
        .assertNext(
            d -> {
              assertThat(d.allowed()).isFalse();
              assertThat(d.remaining()).isEqualTo(400);
              // 100 missing tokens at 1000 a minute
              assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(6));
            })
        .expectComplete()
        .verify(TIMEOUT);
    // the request used 900 tokens more than its estimate: taken, though only 400 were left
    StepVerifier.create(onEventLoop(limiterB.addTokens(key, 1000, 900)))
        .expectComplete()
        .verify(TIMEOUT);
    StepVerifier.create(onEventLoop(limiterA.tokens(key, 1000, 1)))
        .assertNext(
            d -> {
              assertThat(d.allowed()).isFalse();
              assertThat(d.remaining()).isZero();
              // a debt of 500 tokens to pay back, and then the one asked for: 501 tokens
              assertThat(d.retryAfter()).isEqualTo(Duration.ofMillis(30_060));
            })
        .expectComplete()
        .verify(TIMEOUT);
    clock.advance(Duration.ofMillis(30_059));
    StepVerifier.create(onEventLoop(limiterA.tokens(key, 1000, 1)))
        .assertNext(d -> assertThat(d.allowed()).as("a millisecond early").isFalse())
        .expectComplete()
        .verify(TIMEOUT);
    clock.advance(Duration.ofMillis(1));
    StepVerifier.create(onEventLoop(limiterA.tokens(key, 1000, 1)))
        .assertNext(
            d -> {
              assertThat(d.allowed()).isTrue();
              assertThat(d.remaining()).isZero();
            })
        .expectComplete()
        .verify(TIMEOUT);
    // an estimate that was too high gives the difference back
    StepVerifier.create(
            onEventLoop(limiterA.addTokens(key, 1000, -800).then(limiterA.tokens(key, 1000, 250))))
        .assertNext(
            d -> {
              assertThat(d.allowed()).isTrue();
              assertThat(d.remaining()).isEqualTo(550);
            })
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void moreTokensThanTheWholeLimitAreRefusedForAWindow() {
    StepVerifier.create(onEventLoop(limiterA.tokens(newKey(), 1000, 1001)))
        .assertNext(
            d -> {
              assertThat(d.allowed()).isFalse();
              assertThat(d.remaining()).isEqualTo(1000);
              assertThat(d.retryAfter()).isEqualTo(Duration.ofMinutes(1));
            })
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void twoInstancesShareOneLimit() {
    String key = newKey();
    Flux<Decision> attempts =
        Flux.range(0, 30)
            .flatMap(i -> onEventLoop((i % 2 == 0 ? limiterA : limiterB).request(key, 10)), 30);
    StepVerifier.create(attempts.filter(Decision::allowed).count())
        .expectNext(10L)
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void idleBucketsExpire() {
    String key = newKey();
    StepVerifier.create(
            onEventLoop(limiterA.request(key, 60))
                .then(
                    clientA
                        .connections()
                        .reactive()
                        .pttl(limiterA.bucketKey(key, LimitKind.REQUESTS))))
        // refilled (one request back) after 1 s, kept 10 s more
        .assertNext(ttl -> assertThat(ttl).isBetween(1L, 11_000L))
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void aChangedLimitAppliesFromTheNextCheck() {
    String key = newKey();
    StepVerifier.create(
            Flux.concat(
                    onEventLoop(limiterA.request(key, 2)),
                    onEventLoop(limiterA.request(key, 4)),
                    onEventLoop(limiterB.request(key, 4)))
                .map(Decision::limit))
        .expectNext(2L, 2L, 4L)
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void badLimitsAreErrorSignals() {
    StepVerifier.create(limiterA.request(newKey(), 0))
        .expectErrorMessage("rpm: 0 (expected: > 0)")
        .verify(TIMEOUT);
    StepVerifier.create(limiterA.tokens(newKey(), 10, -1))
        .expectErrorMessage("tokens: -1 (expected: >= 0)")
        .verify(TIMEOUT);
  }

  @Test
  void bucketKeysCarryThePrefixAndOneSlotPerKey() {
    assertThat(limiterA.bucketKey("k1", LimitKind.REQUESTS))
        .isEqualTo(TestServices.REDIS_PREFIX + ":rl:{k1}:rpm");
    assertThat(limiterA.bucketKey("k1", LimitKind.TOKENS))
        .isEqualTo(TestServices.REDIS_PREFIX + ":rl:{k1}:tpm");
  }

  private static <T> Mono<T> onEventLoop(Mono<T> call) {
    return call.subscribeOn(Schedulers.parallel());
  }

  private static String newKey() {
    return "key-" + UUID.randomUUID();
  }

  /**
   * Bucket4j's clock for both limiters: the wall clock when the test class started, moved only by
   * {@link #advance}. Wall-clock based, as the default clock of a shared bucket is.
   */
  private static final class ManualClock implements TimeMeter {
    private final AtomicLong nanos = new AtomicLong(System.currentTimeMillis() * 1_000_000L);

    @Override
    public long currentTimeNanos() {
      return nanos.get();
    }

    @Override
    public boolean isWallClockBased() {
      return true;
    }

    void advance(Duration by) {
      nanos.addAndGet(by.toNanos());
    }
  }
}

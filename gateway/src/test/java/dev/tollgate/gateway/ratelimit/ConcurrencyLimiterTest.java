package dev.tollgate.gateway.ratelimit;

import dev.tollgate.gateway.support.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** Two gateway instances (two clients) sharing stream slots in the local Redis. */
class ConcurrencyLimiterTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private static RedisClient clientA;
  private static RedisClient clientB;
  private static StatefulRedisConnection<String, String> connectionA;
  private static StatefulRedisConnection<String, String> connectionB;
  private static ConcurrencyLimiter limiterA;
  private static ConcurrencyLimiter limiterB;

  @BeforeAll
  static void connect() {
    clientA = RedisClient.create(TestServices.REDIS_URL);
    clientB = RedisClient.create(TestServices.REDIS_URL);
    connectionA = clientA.connect();
    connectionB = clientB.connect();
    limiterA =
        new ConcurrencyLimiter(connectionA, TestServices.REDIS_PREFIX, Duration.ofMinutes(5));
    limiterB =
        new ConcurrencyLimiter(connectionB, TestServices.REDIS_PREFIX, Duration.ofMinutes(5));
  }

  @AfterAll
  static void close() {
    connectionA.close();
    connectionB.close();
    clientA.shutdown();
    clientB.shutdown();
  }

  @Test
  void threeStreamsAcrossTwoInstancesThenTheFourthWaitsForARelease() {
    String key = newKey();
    StepVerifier.create(
            Flux.concat(
                onEventLoop(limiterA.acquire(key, "r1", 3)),
                onEventLoop(limiterB.acquire(key, "r2", 3)),
                onEventLoop(limiterA.acquire(key, "r3", 3)),
                onEventLoop(limiterB.acquire(key, "r4", 3)),
                // r2 ends; its slot is free for r4, through the other instance
                onEventLoop(limiterA.release(key, "r2").then(limiterB.acquire(key, "r4", 3))),
                onEventLoop(limiterA.acquire(key, "r5", 3))))
        .expectNext(true, true, true, false, true, false)
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void acquiringAgainRenewsTheLeaseAndTakesNoSecondSlot() {
    String key = newKey();
    StepVerifier.create(
            Flux.concat(
                onEventLoop(limiterA.acquire(key, "r1", 2)),
                onEventLoop(limiterB.acquire(key, "r1", 2)),
                onEventLoop(limiterB.acquire(key, "r2", 2)),
                onEventLoop(limiterA.acquire(key, "r3", 2))))
        .expectNext(true, true, true, false)
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void aLeaseWhoseHolderVanishedExpires() {
    String key = newKey();
    // the "crashed" instance: short leases, never released
    ConcurrencyLimiter crashed =
        new ConcurrencyLimiter(connectionA, TestServices.REDIS_PREFIX, Duration.ofMillis(300));
    StepVerifier.create(
            Flux.concat(
                onEventLoop(crashed.acquire(key, "r1", 3)),
                onEventLoop(crashed.acquire(key, "r2", 3)),
                onEventLoop(crashed.acquire(key, "r3", 3)),
                onEventLoop(limiterB.acquire(key, "r4", 3)),
                Mono.delay(Duration.ofMillis(400))
                    .then(onEventLoop(limiterB.acquire(key, "r4", 3)))))
        .expectNext(true, true, true, false, true)
        .expectComplete()
        .verify(TIMEOUT);
  }

  @Test
  void releasingWhatIsNotHeldDoesNothing() {
    StepVerifier.create(onEventLoop(limiterA.release(newKey(), "nobody")))
        .expectComplete()
        .verify(TIMEOUT);
  }

  private static <T> Mono<T> onEventLoop(Mono<T> call) {
    return call.subscribeOn(Schedulers.parallel());
  }

  private static String newKey() {
    return "key-" + UUID.randomUUID();
  }
}

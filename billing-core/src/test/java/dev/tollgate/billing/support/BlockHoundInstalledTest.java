package dev.tollgate.billing.support;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Proves that BlockHound is active in this test JVM, so the other tests' silence means something.
 */
class BlockHoundInstalledTest {

  @Test
  void aBlockingCallOnANonBlockingThreadFails() {
    Mono<Integer> sleeper =
        Mono.fromCallable(
                () -> {
                  Thread.sleep(1);
                  return 1;
                })
            .subscribeOn(Schedulers.parallel());

    StepVerifier.create(sleeper)
        .expectError(BlockingOperationError.class)
        .verify(Duration.ofSeconds(5));
  }
}

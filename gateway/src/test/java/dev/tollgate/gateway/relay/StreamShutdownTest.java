package dev.tollgate.gateway.relay;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * Regression: Spring's test framework stops the contexts it caches while they are unused and starts
 * them again (context pausing). The shutdown signal of a stopped context stayed fired, so every
 * stream of a context used again ended at once with "the gateway is shutting down".
 */
class StreamShutdownTest {

  @Test
  void aStopSignalsTheRunningStreamsOnceTheCutIsDue() {
    StreamShutdown shutdown = new StreamShutdown(Duration.ZERO);
    shutdown.start();

    shutdown.stop();

    StepVerifier.create(shutdown.signal()).expectComplete().verify(Duration.ofSeconds(5));
  }

  @Test
  void aContextStartedAgainAfterAStopDoesNotCutItsNewStreams() {
    StreamShutdown shutdown = new StreamShutdown(Duration.ZERO);
    shutdown.start();
    shutdown.stop();
    StepVerifier.create(shutdown.signal()).expectComplete().verify(Duration.ofSeconds(5));

    shutdown.start();

    StepVerifier.create(shutdown.signal())
        .expectSubscription()
        .expectNoEvent(Duration.ofMillis(300))
        .thenCancel()
        .verify(Duration.ofSeconds(5));
  }

  @Test
  void aStartBeforeTheCutWasDueCancelsThatCut() {
    // a 1 s phase: the cut would come 0.5 s after the stop
    StreamShutdown shutdown = new StreamShutdown(Duration.ofSeconds(1));
    shutdown.start();
    shutdown.stop();

    shutdown.start();

    StepVerifier.create(shutdown.signal())
        .expectSubscription()
        .expectNoEvent(Duration.ofMillis(900))
        .thenCancel()
        .verify(Duration.ofSeconds(5));
  }
}

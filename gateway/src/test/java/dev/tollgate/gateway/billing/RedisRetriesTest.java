package dev.tollgate.gateway.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** Which Redis failures a billing script is sent again after (issue 11: TRYAGAIN in a reshard). */
class RedisRetriesTest {

  /** As Redis Cluster words them; Lettuce surfaces each as the message of the exception. */
  static final String TRYAGAIN = "TRYAGAIN Multiple keys request during rehashing of slot";

  static final String MOVED = "MOVED 3999 127.0.0.1:6381";
  static final String ASK = "ASK 3999 127.0.0.1:6381";
  static final String CLUSTERDOWN = "CLUSTERDOWN The cluster is down";

  @Test
  void clusterRefusalsAreKnownNotToHaveRunAndAreTransient() {
    for (String refusal : new String[] {TRYAGAIN, MOVED, ASK, CLUSTERDOWN}) {
      RedisCommandExecutionException e = new RedisCommandExecutionException(refusal);
      assertThat(RedisRetries.refusedByCluster(e)).as(refusal).isTrue();
      assertThat(RedisRetries.transientFailure(e)).as(refusal).isTrue();
      assertThat(RedisRetries.unanswered(e)).as(refusal).isFalse();
    }
  }

  @Test
  void noAnswerIsTransientButNotKnownNotToHaveRun() {
    for (RedisException e :
        new RedisException[] {
          new RedisCommandTimeoutException("Command timed out after 2 second(s)"),
          new RedisConnectionException("Connection closed"),
          new RedisException("Currently not connected. Commands are rejected.")
        }) {
      assertThat(RedisRetries.unanswered(e)).as(e.getMessage()).isTrue();
      assertThat(RedisRetries.transientFailure(e)).as(e.getMessage()).isTrue();
      assertThat(RedisRetries.refusedByCluster(e)).as(e.getMessage()).isFalse();
    }
  }

  @Test
  void errorsOfTheScriptOrOfTheServerAreFinal() {
    for (Exception e :
        new Exception[] {
          new RedisCommandExecutionException("ERR user_script:12: Script attempted to access"),
          new RedisCommandExecutionException("BUSY Redis is busy running a script"),
          new RedisCommandExecutionException("ASKING is not a reply"),
          new RedisNoScriptException("NOSCRIPT No matching script"),
          new IllegalStateException("script reserve returned an empty reply")
        }) {
      assertThat(RedisRetries.transientFailure(e)).as(e.getMessage()).isFalse();
      assertThat(RedisRetries.refusedByCluster(e)).as(e.getMessage()).isFalse();
    }
  }

  @Test
  void aReserveThatMeetsTryAgainIsSentAgainWithinTheRequest() {
    AtomicInteger calls = new AtomicInteger();
    Mono<String> reserve =
        Mono.defer(
            () ->
                calls.incrementAndGet() < 3
                    ? Mono.error(new RedisCommandExecutionException(TRYAGAIN))
                    : Mono.just("granted"));

    StepVerifier.create(reserve.retryWhen(RedisRetries.IN_REQUEST))
        .expectNext("granted")
        .expectComplete()
        .verify(Duration.ofSeconds(5));
    assertThat(calls).hasValue(3);
  }

  @Test
  void aReserveThatTimedOutIsNotSentAgainWithinTheRequest() {
    AtomicInteger calls = new AtomicInteger();
    Mono<String> reserve =
        Mono.defer(
            () -> {
              calls.incrementAndGet();
              return Mono.error(new RedisCommandTimeoutException("timed out"));
            });

    StepVerifier.create(reserve.retryWhen(RedisRetries.IN_REQUEST))
        .expectError(RedisCommandTimeoutException.class)
        .verify(Duration.ofSeconds(5));
    assertThat(calls).hasValue(1);
  }

  @Test
  void aReserveRefusedThroughoutGivesUpWithinTheRequestWithTheRefusal() {
    AtomicInteger calls = new AtomicInteger();
    Mono<String> reserve =
        Mono.defer(
            () -> {
              calls.incrementAndGet();
              return Mono.error(new RedisCommandExecutionException(TRYAGAIN));
            });
    long started = System.nanoTime();

    StepVerifier.create(reserve.retryWhen(RedisRetries.IN_REQUEST))
        .expectErrorMatches(RedisRetries::refusedByCluster)
        .verify(Duration.ofSeconds(5));
    assertThat(calls).hasValue(7);
    // The back-off waits at most 37.5 + 75 + 150 + 300 + 400 + 400 ms (jitter stays under the
    // maximum)
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void aSettleThatMeetsTryAgainIsSentAgainInTheBackground() {
    AtomicInteger calls = new AtomicInteger();
    Mono<String> settle =
        Mono.defer(
            () ->
                calls.incrementAndGet() < 3
                    ? Mono.error(new RedisCommandExecutionException(TRYAGAIN))
                    : Mono.just("settled"));

    StepVerifier.create(settle.retryWhen(RedisRetries.BACKGROUND))
        .expectNext("settled")
        .expectComplete()
        .verify(Duration.ofSeconds(5));
    assertThat(calls).hasValue(3);
  }
}

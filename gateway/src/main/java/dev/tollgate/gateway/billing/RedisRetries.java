package dev.tollgate.gateway.billing;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.util.retry.Retry;

/**
 * Which failures of a billing script are worth sending it again, and how often.
 *
 * <p>Two kinds. Redis did not answer ({@link #unanswered}: not connected, timed out): the script
 * may or may not have run. And Redis Cluster refused to run it ({@link #refusedByCluster}: {@code
 * TRYAGAIN} for a script whose keys are split by a slot migration, {@code MOVED}/{@code ASK} once
 * Lettuce's redirections ran out, {@code CLUSTERDOWN}): it did not run, so even a script that is
 * not idempotent can be sent again. An error the script itself raised, or any other, is final.
 */
final class RedisRetries {

  /** Error prefixes of a command that Redis Cluster refused before running it. */
  private static final List<String> NOT_RUN = List.of("TRYAGAIN", "MOVED ", "ASK ", "CLUSTERDOWN");

  /**
   * For what runs after the request (settle, the release of a reserve whose answer was lost): about
   * 9 s in all, on any transient failure. A Redis outage longer than that leaves the hold to the
   * reaper.
   */
  static final Retry BACKGROUND =
      Retry.backoff(8, Duration.ofMillis(100))
          .maxBackoff(Duration.ofSeconds(2))
          .filter(RedisRetries::transientFailure)
          .onRetryExhaustedThrow((spec, signal) -> signal.failure());

  /**
   * For what a request waits on (reserve, extend): only a refusal by the cluster, waiting at most
   * 1.4 s in all (jitter included), about as long as a reshard keeps a slot's keys split between
   * two masters while it moves them ten at a time (with at most 0.36 s, 1 of 36 reserves during
   * such a move still met TRYAGAIN). Not a timeout: it already took the command timeout, and the
   * request is answered 503 instead.
   */
  static final Retry IN_REQUEST =
      Retry.backoff(6, Duration.ofMillis(25))
          .maxBackoff(Duration.ofMillis(400))
          .filter(RedisRetries::refusedByCluster)
          .onRetryExhaustedThrow((spec, signal) -> signal.failure());

  private RedisRetries() {}

  /** Redis did not answer, or refused to run the command for now. */
  static boolean transientFailure(Throwable e) {
    return unanswered(e) || refusedByCluster(e);
  }

  /** Redis did not answer (not connected, timed out), as opposed to answering with an error. */
  static boolean unanswered(Throwable e) {
    return e instanceof RedisException && !(e instanceof RedisCommandExecutionException);
  }

  /** Redis Cluster answered that the command did not run here and now; sending it again is safe. */
  static boolean refusedByCluster(Throwable e) {
    if (!(e instanceof RedisCommandExecutionException)) {
      return false;
    }
    @Nullable String message = e.getMessage();
    return message != null && NOT_RUN.stream().anyMatch(message::startsWith);
  }
}

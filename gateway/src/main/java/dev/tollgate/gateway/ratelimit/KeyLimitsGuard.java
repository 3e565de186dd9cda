package dev.tollgate.gateway.ratelimit;

import dev.tollgate.billing.accounts.KeyLimits;
import dev.tollgate.gateway.auth.ApiKey;
import dev.tollgate.gateway.error.GatewayException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Enforces a key's limits before its request costs anything, in this order: allowed models (403),
 * requests per minute, tokens per minute (the prompt estimate plus the most the request may
 * generate), concurrent requests (429s). The {@code x-ratelimit-*} headers go on the response
 * whatever the answer, so that they also survive an error. A key without limits costs no Redis
 * call; with billing off (no Redis) only the allowed models are enforced.
 *
 * <p>An admitted request holds an {@link Admission} that must be {@linkplain Admission#finish
 * finished} on every ending: it gives back the concurrency slot and corrects the tokens bucket by
 * the difference between the estimate and the real usage.
 */
@Component
public class KeyLimitsGuard {

  private static final Logger log = LoggerFactory.getLogger(KeyLimitsGuard.class);

  private final @Nullable RateLimiter rates;
  private final @Nullable ConcurrencyLimiter streams;

  public KeyLimitsGuard(
      ObjectProvider<RateLimiter> rates, ObjectProvider<ConcurrencyLimiter> streams) {
    this.rates = rates.getIfAvailable();
    this.streams = streams.getIfAvailable();
  }

  /** 403 {@code model_not_allowed} unless the key may use {@code model} (any, when none listed). */
  public static void checkModel(ApiKey key, String model) {
    var allowed = key.limits().allowedModels();
    if (!allowed.isEmpty() && !allowed.contains(model)) {
      throw new GatewayException(
          403,
          "permission_error",
          "model_not_allowed",
          "model",
          "This API key may not use the model '" + model + "'.");
    }
  }

  /**
   * Checks the per-minute limits and takes a concurrency slot, writing the rate-limit headers into
   * {@code responseHeaders}.
   *
   * @param tokenEstimate what the request may use at most: taken from the tokens bucket now
   * @return the admission, or an error {@link GatewayException} 429 (nothing held then)
   */
  public Mono<Admission> admit(
      ApiKey key, String requestId, long tokenEstimate, HttpHeaders responseHeaders) {
    KeyLimits limits = key.limits();
    Integer rpm = limits.rpm();
    Integer tpm = limits.tpm();
    Integer max = limits.maxConcurrent();
    RateLimiter rates = this.rates;
    ConcurrencyLimiter streams = this.streams;
    boolean limitsRate = rates != null && (rpm != null || tpm != null);
    boolean limitsStreams = streams != null && max != null;
    if (!limitsRate && !limitsStreams) {
      return Mono.just(Admission.NONE);
    }
    Mono<Decision> requests =
        rates != null && rpm != null ? rates.request(key.id(), rpm) : Mono.empty();
    return requests
        .map(Optional::of)
        .defaultIfEmpty(Optional.empty())
        .flatMap(
            r -> {
              Decision rd = r.orElse(null);
              if (rd != null && !rd.allowed()) {
                putHeaders(responseHeaders, rd, null);
                return Mono.error(RateLimitErrors.exceeded(LimitKind.REQUESTS, rd));
              }
              Mono<Decision> tokens =
                  rates != null && tpm != null
                      ? rates.tokens(key.id(), tpm, tokenEstimate)
                      : Mono.empty();
              return tokens
                  .map(Optional::of)
                  .defaultIfEmpty(Optional.empty())
                  .flatMap(
                      t -> {
                        Decision td = t.orElse(null);
                        putHeaders(responseHeaders, rd, td);
                        if (td != null && !td.allowed()) {
                          return Mono.error(RateLimitErrors.exceeded(LimitKind.TOKENS, td));
                        }
                        long taken = td != null ? tokenEstimate : 0;
                        Admission admission =
                            new Admission(key.id(), requestId, tpm, taken, rates, streams);
                        if (streams == null || max == null) {
                          return Mono.just(admission);
                        }
                        return streams
                            .acquire(key.id(), requestId, max)
                            .flatMap(
                                acquired -> {
                                  if (acquired) {
                                    admission.holdSlot(streams.lease(), max);
                                    return Mono.just(admission);
                                  }
                                  // Used nothing: the estimate is back in the bucket before the
                                  // 429 is, so the client's next request finds it there.
                                  return admission
                                      .giveBack(0)
                                      .then(Mono.error(RateLimitErrors.tooManyStreams(max)));
                                });
                      });
            });
  }

  private static void putHeaders(
      HttpHeaders headers, @Nullable Decision requests, @Nullable Decision tokens) {
    for (Map.Entry<String, String> h : RateLimitHeaders.of(requests, tokens).entrySet()) {
      headers.set(h.getKey(), h.getValue());
    }
  }

  /**
   * What an admitted request holds: a concurrency slot (renewed every half lease while it runs) and
   * the tokens taken for its estimate. {@link #finish} once, on every ending; later calls do
   * nothing.
   */
  public static final class Admission {

    /** Nothing held: a key without limits. */
    public static final Admission NONE = new Admission("", "", null, 0, null, null);

    private final String keyId;
    private final String requestId;
    private final @Nullable Integer tpm;
    private final long tokensTaken;
    private final @Nullable RateLimiter rates;
    private final @Nullable ConcurrencyLimiter streams;
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile @Nullable Disposable renewal;

    private Admission(
        String keyId,
        String requestId,
        @Nullable Integer tpm,
        long tokensTaken,
        @Nullable RateLimiter rates,
        @Nullable ConcurrencyLimiter streams) {
      this.keyId = keyId;
      this.requestId = requestId;
      this.tpm = tpm;
      this.tokensTaken = tokensTaken;
      this.rates = rates;
      this.streams = streams;
    }

    private void holdSlot(Duration lease, int max) {
      ConcurrencyLimiter limiter = Objects.requireNonNull(streams, "streams");
      Duration every = lease.dividedBy(2);
      renewal =
          Flux.interval(every, every)
              .onBackpressureDrop()
              .concatMap(
                  tick ->
                      limiter
                          .acquire(keyId, requestId, max)
                          .onErrorResume(
                              e -> {
                                log.warn("Renewing the stream lease of {} failed", requestId, e);
                                return Mono.empty();
                              }))
              .subscribe();
      if (finished.get()) {
        stopRenewal();
      }
    }

    /**
     * The request ended having used {@code realTokens} (prompt plus completion; zero if nothing was
     * served): gives the slot back and settles the tokens bucket. Never throws, never blocks.
     */
    public void finish(long realTokens) {
      giveBack(realTokens).subscribe();
    }

    /**
     * As {@link #finish}, completing once the slot is back and the tokens bucket is corrected
     * (failures are logged, never signalled); empty when finished before.
     */
    Mono<Void> giveBack(long realTokens) {
      if (!finished.compareAndSet(false, true)) {
        return Mono.empty();
      }
      stopRenewal();
      Mono<Void> slot = Mono.empty();
      ConcurrencyLimiter limiter = streams;
      if (limiter != null) {
        slot =
            limiter
                .release(keyId, requestId)
                .then()
                .onErrorResume(
                    e -> {
                      log.warn("Releasing the stream slot of {} failed", requestId, e);
                      return Mono.empty();
                    });
      }
      Mono<Void> bucket = Mono.empty();
      RateLimiter limiterOfRates = rates;
      Integer perMinute = tpm;
      if (limiterOfRates != null && perMinute != null && tokensTaken > 0) {
        bucket =
            limiterOfRates
                .addTokens(keyId, perMinute, realTokens - tokensTaken)
                .then()
                .onErrorResume(
                    e -> {
                      log.warn("Correcting the tokens bucket of {} failed", requestId, e);
                      return Mono.empty();
                    });
      }
      return Mono.when(slot, bucket);
    }

    private void stopRenewal() {
      Disposable r = renewal;
      if (r != null) {
        r.dispose();
      }
    }
  }
}

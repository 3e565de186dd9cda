package dev.tollgate.gateway.relay;

import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.adapter.tokens.TokenEstimator;
import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.metering.UsageSink;
import dev.tollgate.billing.metering.UsageSource;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.SignalType;
import tools.jackson.databind.JsonNode;

/**
 * Meters one request as it runs and hands exactly one {@link UsageRecord} to the sink when it ends,
 * however it ends. Upstream-reported usage wins; otherwise the generated text seen so far is
 * counted locally ({@code estimated} when the response finished, {@code partial} when it was cut
 * short). An upstream failure before anything reached the client is recorded with zero tokens: it
 * costs nothing.
 *
 * <p>Events arrive one at a time (Reactor serializes them); {@link #finish} may come from another
 * thread on cancel, hence the volatile fields and the once-only guard.
 */
public final class RequestMeter {

  private static final Logger log = LoggerFactory.getLogger(RequestMeter.class);

  private final Context context;
  private final TokenEstimator estimator;
  private final UsageSink sink;
  private final AtomicBoolean finished = new AtomicBoolean();

  private volatile long firstEventNanos = -1;
  private volatile long firstTokenNanos = -1;
  private volatile long completionEstimate;
  private volatile long reasoningEstimate;
  private volatile @Nullable TokenUsage reported;
  private volatile @Nullable Throwable error;

  /**
   * What a meter knows from the start.
   *
   * @param request the client's request, for counting the prompt locally when needed
   */
  public record Context(
      String requestId,
      String keyId,
      String model,
      String provider,
      JsonNode request,
      boolean streamed,
      Instant startedAt,
      long startNanos) {}

  public RequestMeter(Context context, TokenEstimator estimator, UsageSink sink) {
    this.context = context;
    this.estimator = estimator;
    this.sink = sink;
  }

  /** An upstream event, before it is relayed. */
  public void onEvent(UpstreamEvent event) {
    TokenUsage usage = event.usage();
    if (usage != null) {
      reported = usage;
    }
    String text = event.text();
    String reasoning = event.reasoning();
    if (text != null) {
      completionEstimate += estimator.count(text);
    }
    if (reasoning != null) {
      reasoningEstimate += estimator.count(reasoning);
    }
    if (firstTokenNanos < 0 && (text != null || reasoning != null)) {
      firstTokenNanos = System.nanoTime();
    }
  }

  /** An event went to the client: from here on, failures are reported inside the stream. */
  public void onDelivered() {
    if (firstEventNanos < 0) {
      firstEventNanos = System.nanoTime();
    }
  }

  public boolean delivered() {
    return firstEventNanos >= 0;
  }

  /** A whole non-streamed response arrived. */
  public void onResponse(UpstreamResponse response) {
    reported = response.usage();
    if (response.usage() == null) {
      completionEstimate = estimator.count(response.text());
      reasoningEstimate = estimator.count(response.reasoning());
    }
    firstEventNanos = firstTokenNanos = System.nanoTime();
  }

  public void onError(Throwable failure) {
    if (error != null) {
      return;
    }
    error = failure;
    // Status and codes only: an upstream's message may quote the request.
    if (failure instanceof UpstreamException u) {
      log.debug(
          "request={} upstream failure status={} type={} code={}",
          context.requestId(),
          u.status(),
          u.type(),
          u.code());
    } else {
      log.warn("request={} failed unexpectedly", context.requestId(), failure);
    }
  }

  /** The request ended with this signal; the first call records, later ones do nothing. */
  public void finish(SignalType signal) {
    if (!finished.compareAndSet(false, true)) {
      return;
    }
    try {
      sink.accept(record(signal));
    } catch (RuntimeException e) {
      log.error("Usage sink failed for request {}", context.requestId(), e);
    }
  }

  private UsageRecord record(SignalType signal) {
    long end = System.nanoTime();
    Throwable failure = error;
    RequestStatus status;
    if (failure != null) {
      status =
          failure instanceof UpstreamException u && u.isTimeout()
              ? RequestStatus.TIMEOUT
              : RequestStatus.UPSTREAM_ERROR;
    } else if (signal == SignalType.ON_COMPLETE) {
      status = RequestStatus.COMPLETED;
    } else if (signal == SignalType.CANCEL) {
      status = RequestStatus.CANCELLED;
    } else {
      status = RequestStatus.UPSTREAM_ERROR;
    }

    TokenUsage usage = reported;
    UsageSource source;
    if (usage != null) {
      source = UsageSource.REPORTED;
    } else {
      boolean nothingServed = !delivered() && status != RequestStatus.CANCELLED;
      source = status == RequestStatus.COMPLETED ? UsageSource.ESTIMATED : UsageSource.PARTIAL;
      if (nothingServed && status != RequestStatus.COMPLETED) {
        usage = TokenUsage.ZERO;
      } else {
        long reasoning = reasoningEstimate;
        usage =
            new TokenUsage(
                estimator.countPrompt(context.request()),
                completionEstimate + reasoning,
                0,
                reasoning);
      }
    }
    long firstToken = firstTokenNanos >= 0 ? firstTokenNanos : firstEventNanos;
    return new UsageRecord(
        context.requestId(),
        context.keyId(),
        context.model(),
        context.provider(),
        usage.promptTokens(),
        usage.completionTokens(),
        usage.cachedPromptTokens(),
        usage.reasoningTokens(),
        source,
        status,
        context.startedAt(),
        firstToken >= 0 ? Duration.ofNanos(firstToken - context.startNanos()) : null,
        Duration.ofNanos(end - context.startNanos()),
        context.streamed());
  }
}

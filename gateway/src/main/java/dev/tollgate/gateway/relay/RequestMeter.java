package dev.tollgate.gateway.relay;

import dev.tollgate.adapter.EmbeddingsResponse;
import dev.tollgate.adapter.TokenUsage;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.UpstreamResponse;
import dev.tollgate.adapter.tokens.TokenEstimator;
import dev.tollgate.billing.metering.RequestStatus;
import dev.tollgate.billing.metering.UsageRecord;
import dev.tollgate.billing.metering.UsageSink;
import dev.tollgate.billing.metering.UsageSource;
import dev.tollgate.gateway.billing.Tab;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.SignalType;

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
  private final Tab tab;
  private final UsageSink sink;
  private final AtomicBoolean finished = new AtomicBoolean();

  private volatile long firstEventNanos = -1;
  private volatile long firstTokenNanos = -1;
  private volatile long completionEstimate;
  private volatile long reasoningEstimate;
  private volatile @Nullable TokenUsage reported;
  private volatile @Nullable Throwable error;
  private volatile boolean cutOff;
  private volatile boolean upstreamCompleted;
  private volatile @Nullable String servedModel;
  private volatile @Nullable String servedProvider;

  /**
   * What a meter knows from the start.
   *
   * @param promptEstimate the prompt counted locally, used when the upstream reports no usage
   */
  public record Context(
      String requestId,
      String keyId,
      String model,
      String provider,
      long promptEstimate,
      boolean streamed,
      Instant startedAt,
      long startNanos) {}

  /**
   * @param tab the request's billing: told of progress, and settled with the record
   * @param sink also receives the record (logging, metrics)
   */
  public RequestMeter(Context context, TokenEstimator estimator, Tab tab, UsageSink sink) {
    this.context = context;
    this.estimator = estimator;
    this.tab = tab;
    this.sink = sink;
  }

  /**
   * An upstream event, before it is relayed: its tokens are counted if the tab admits them.
   *
   * @return false when the account cannot pay for this event: it must not be delivered
   */
  public boolean onEvent(UpstreamEvent event) {
    String text = event.text();
    String reasoning = event.reasoning();
    if (text != null || reasoning != null) {
      long completion = completionEstimate + (text == null ? 0 : estimator.count(text));
      long thinking = reasoningEstimate + (reasoning == null ? 0 : estimator.count(reasoning));
      if (!tab.admit(context.promptEstimate(), completion + thinking, thinking)) {
        return false;
      }
      completionEstimate = completion;
      reasoningEstimate = thinking;
      if (firstTokenNanos < 0) {
        firstTokenNanos = System.nanoTime();
      }
    }
    TokenUsage usage = event.usage();
    if (usage != null) {
      reported = usage;
    }
    return true;
  }

  /**
   * The upstream's response ended normally (for a stream: its last event was relayed). Decides the
   * status even if a cancel signal follows: writers may cancel after completing.
   */
  public void onUpstreamComplete() {
    upstreamCompleted = true;
  }

  /**
   * The model and provider that serve the request, when routing chose other ones than the context
   * names (another deployment, a fallback model): the record names them.
   */
  public void servedBy(String model, String provider) {
    servedModel = model;
    servedProvider = provider;
  }

  /** The gateway ended the stream because the account's funds ran out. */
  public void onCutOff() {
    cutOff = true;
  }

  public boolean cutOff() {
    return cutOff;
  }

  /** The usage so far: what the upstream reported, or else the local counts. */
  public TokenUsage usageSoFar() {
    TokenUsage usage = reported;
    if (usage != null) {
      return usage;
    }
    long reasoning = reasoningEstimate;
    return new TokenUsage(context.promptEstimate(), completionEstimate + reasoning, 0, reasoning);
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
    upstreamCompleted = true;
  }

  /**
   * A whole embeddings response arrived: its reported usage counts (input only); without one, the
   * locally counted input does.
   */
  public void onEmbeddings(EmbeddingsResponse response) {
    TokenUsage usage = response.usage();
    // Only input is billed: whatever else an upstream reports is not part of an embedding's price.
    reported = usage == null ? null : new TokenUsage(usage.promptTokens(), 0, 0, 0);
    firstEventNanos = firstTokenNanos = System.nanoTime();
    upstreamCompleted = true;
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
    UsageRecord record = record(signal);
    try {
      tab.settle(record);
    } catch (RuntimeException e) {
      log.error("Settling request {} failed", context.requestId(), e);
    }
    try {
      sink.accept(record);
    } catch (RuntimeException e) {
      log.error("Usage sink failed for request {}", context.requestId(), e);
    }
  }

  private UsageRecord record(SignalType signal) {
    long end = System.nanoTime();
    Throwable failure = error;
    RequestStatus status;
    if (cutOff) {
      status = RequestStatus.CUT_OFF;
    } else if (failure != null) {
      status =
          failure instanceof UpstreamException u && u.isTimeout()
              ? RequestStatus.TIMEOUT
              : RequestStatus.UPSTREAM_ERROR;
    } else if (upstreamCompleted || signal == SignalType.ON_COMPLETE) {
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
            new TokenUsage(context.promptEstimate(), completionEstimate + reasoning, 0, reasoning);
      }
    }
    long firstToken = firstTokenNanos >= 0 ? firstTokenNanos : firstEventNanos;
    String model = servedModel;
    String provider = servedProvider;
    return new UsageRecord(
        context.requestId(),
        context.keyId(),
        model != null ? model : context.model(),
        provider != null ? provider : context.provider(),
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

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
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Sinks;

/**
 * Meters one request as it runs and hands exactly one {@link UsageRecord} to the sink when it ends,
 * however it ends. Upstream-reported usage wins; otherwise the generated text seen so far is
 * counted locally ({@code estimated} when the response finished, {@code partial} when it was cut
 * short). An upstream failure before anything reached the client is recorded with zero tokens: it
 * costs nothing. The local count of the completion never exceeds the request's {@code max_tokens}:
 * the upstream cannot have generated more, whatever the local tokenizer counts.
 *
 * <p>Each event that carries generated text is admitted by the {@link Tab} before it is relayed
 * ({@link #onEvent}); an event that would cost more than the hold waits for the hold's extension,
 * and one the account cannot pay for is never delivered.
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

  /** {@link #IDLE} until the call starts ({@link #start}) or the request is abandoned first. */
  private final AtomicInteger stage = new AtomicInteger(IDLE);

  private final Sinks.Empty<Void> clientGone = Sinks.empty();

  private static final int IDLE = 0;
  private static final int STARTED = 1;
  private static final int ABANDONED = 2;

  private volatile long firstEventNanos = -1;
  private volatile long firstTokenNanos = -1;
  private volatile long completionEstimate;
  private volatile long reasoningEstimate;
  private volatile @Nullable TokenUsage reported;
  private volatile @Nullable Throwable error;
  private volatile boolean cutOff;
  private volatile boolean shutDown;
  private volatile boolean upstreamCompleted;
  private volatile boolean upstreamAnswered;
  private volatile @Nullable String servedModel;
  private volatile @Nullable String servedProvider;

  /**
   * What a meter knows from the start.
   *
   * @param promptEstimate the prompt counted locally, used when the upstream reports no usage
   * @param maxOutputTokens the request's {@code max_tokens} (or {@code max_completion_tokens}),
   *     which caps the local count of the completion; 0 when the request set none
   */
  public record Context(
      String requestId,
      String keyId,
      String model,
      String provider,
      long promptEstimate,
      boolean streamed,
      Instant startedAt,
      long startNanos,
      long maxOutputTokens) {

    /** A context for a request without an output limit. */
    public Context(
        String requestId,
        String keyId,
        String model,
        String provider,
        long promptEstimate,
        boolean streamed,
        Instant startedAt,
        long startNanos) {
      this(requestId, keyId, model, provider, promptEstimate, streamed, startedAt, startNanos, 0);
    }
  }

  /** {@link #onEvent}'s answer for an event the account cannot pay for: it is not delivered. */
  public static final UpstreamEvent REFUSED =
      UpstreamEvent.of(new byte[0], UpstreamEvent.Kind.COMMENT);

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

  /** The request's tab. */
  public Tab tab() {
    return tab;
  }

  /**
   * The call begins (the relay was subscribed): from here on its own ending records the request.
   *
   * @return false when the request was abandoned before: the call must not be made
   */
  public boolean start() {
    return stage.compareAndSet(IDLE, STARTED) || stage.get() == STARTED;
  }

  /**
   * The request ended before its call began (the client left while the reservation was on its way,
   * or before the response body was subscribed): it is recorded as cancelled, which releases the
   * hold. Does nothing once the call has begun: its own ending records it.
   */
  public void abandonIfIdle() {
    if (stage.compareAndSet(IDLE, ABANDONED)) {
      finish(SignalType.CANCEL);
    }
  }

  /**
   * The client's connection ended, whatever the response's state: a request whose call had not
   * begun is recorded as cancelled ({@link #abandonIfIdle}); a running stream is cancelled through
   * {@link #clientGone}.
   */
  public void onClientGone() {
    abandonIfIdle();
    clientGone.tryEmitEmpty();
  }

  /** Emits once the client's connection has ended. */
  public Mono<Boolean> clientGone() {
    return clientGone.asMono().thenReturn(true);
  }

  /**
   * An upstream event, before it is relayed: its tokens are counted once the tab admits them. Most
   * events are decided at once; one that would cost more than the hold is decided when the hold's
   * extension answers (back-pressure: nothing after it is relayed meanwhile).
   *
   * @return the event, to deliver; or {@link #REFUSED} when the account cannot pay for it: it must
   *     not be delivered, and the stream ends
   */
  public Mono<UpstreamEvent> onEvent(UpstreamEvent event) {
    upstreamAnswered = true;
    String text = event.text();
    String reasoning = event.reasoning();
    if (text == null && reasoning == null) {
      keepUsage(event);
      return Mono.just(event);
    }
    long completion = completionEstimate + (text == null ? 0 : estimator.count(text));
    long thinking = reasoningEstimate + (reasoning == null ? 0 : estimator.count(reasoning));
    return admit(event, completion, thinking);
  }

  private Mono<UpstreamEvent> admit(UpstreamEvent event, long completion, long thinking) {
    TokenUsage billed = estimate(completion, thinking);
    return switch (tab.admit(
        billed.promptTokens(), billed.completionTokens(), billed.reasoningTokens())) {
      case ADMIT -> {
        completionEstimate = completion;
        reasoningEstimate = thinking;
        if (firstTokenNanos < 0) {
          firstTokenNanos = System.nanoTime();
        }
        keepUsage(event);
        yield Mono.just(event);
      }
      case REFUSE -> Mono.just(REFUSED);
      case WAIT ->
          tab.extensionAnswered().then(Mono.defer(() -> admit(event, completion, thinking)));
    };
  }

  private void keepUsage(UpstreamEvent event) {
    TokenUsage usage = event.usage();
    if (usage != null) {
      reported = usage;
    }
  }

  /**
   * The local count as billed: the prompt estimate, and the completion (reasoning included) capped
   * at the request's {@code max_tokens}, reasoning first.
   */
  private TokenUsage estimate(long completion, long reasoning) {
    long total = completion + reasoning;
    long max = context.maxOutputTokens();
    if (max > 0 && total > max) {
      total = max;
    }
    return new TokenUsage(context.promptEstimate(), total, 0, Math.min(reasoning, total));
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
    upstreamAnswered = true;
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

  /**
   * The gateway ended the stream because it is shutting down: recorded as cancelled (the prompt and
   * what was delivered).
   */
  public void onShutdown() {
    shutDown = true;
  }

  public boolean shutDown() {
    return shutDown;
  }

  /** The usage so far: what the upstream reported, or else the local counts (capped). */
  public TokenUsage usageSoFar() {
    TokenUsage usage = reported;
    return usage != null ? usage : estimate(completionEstimate, reasoningEstimate);
  }

  /**
   * What the request is charged if it ends now with this status: the usage its record will carry
   * (for a stream's last usage chunk, written before the record is made), and that usage's cost, or
   * nothing when nothing was served.
   */
  public Billed billed(RequestStatus status) {
    TokenUsage usage = usageFor(status);
    boolean served =
        usage.promptTokens() + usage.completionTokens() > 0 || status == RequestStatus.COMPLETED;
    return new Billed(usage, served ? tab.cost(usage) : 0);
  }

  /** What {@link #billed} says: the usage and its cost in nano-units. */
  public record Billed(TokenUsage usage, long cost) {}

  /** The status the request ends with if it ends now, short of a cancel. */
  public RequestStatus statusNow() {
    Throwable failure = error;
    if (cutOff) {
      return RequestStatus.CUT_OFF;
    }
    if (shutDown) {
      return RequestStatus.CANCELLED;
    }
    if (failure != null) {
      return failure instanceof UpstreamException u && u.isTimeout()
          ? RequestStatus.TIMEOUT
          : RequestStatus.UPSTREAM_ERROR;
    }
    return RequestStatus.COMPLETED;
  }

  /** The usage a record of this status carries. */
  private TokenUsage usageFor(RequestStatus status) {
    TokenUsage usage = reported;
    if (usage != null) {
      return usage;
    }
    // A cancelled request pays its prompt once the upstream began answering it; one cancelled
    // before (before the upstream was even called, or while it had not answered) costs nothing.
    boolean free =
        status == RequestStatus.CANCELLED
            ? !upstreamAnswered
            : !delivered() && status != RequestStatus.COMPLETED;
    if (free) {
      return TokenUsage.ZERO;
    }
    return estimate(completionEstimate, reasoningEstimate);
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
      completionEstimate = estimator.count(response.text()); // capped in estimate()
      reasoningEstimate = estimator.count(response.reasoning());
    }
    firstEventNanos = firstTokenNanos = System.nanoTime();
    upstreamCompleted = true;
    upstreamAnswered = true;
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
    upstreamAnswered = true;
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
    RequestStatus status = statusNow();
    if (status == RequestStatus.COMPLETED
        && !upstreamCompleted
        && signal != SignalType.ON_COMPLETE) {
      status = signal == SignalType.CANCEL ? RequestStatus.CANCELLED : RequestStatus.UPSTREAM_ERROR;
    }
    TokenUsage usage = usageFor(status);
    UsageSource source =
        reported != null
            ? UsageSource.REPORTED
            : status == RequestStatus.COMPLETED ? UsageSource.ESTIMATED : UsageSource.PARTIAL;
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
        usage.cacheWriteTokens(),
        usage.cacheWrite1hTokens(),
        source,
        status,
        context.startedAt(),
        firstToken >= 0 ? Duration.ofNanos(firstToken - context.startNanos()) : null,
        Duration.ofNanos(end - context.startNanos()),
        context.streamed());
  }
}

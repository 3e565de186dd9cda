package dev.tollgate.gateway.relay;

import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Ends the streams that outlast the shutdown's drain the way a cut-off ends them, before the web
 * server closes their connections. It stops with the web server's graceful shutdown (same phase)
 * and, {@link #cutAfter} later, signals every running stream ({@link #signal}): each then ends with
 * a last chunk carrying a note that the gateway is shutting down, its usage chunk if asked for, and
 * {@code [DONE]}, and is settled at what it delivered, before billing stops and flushes.
 */
@Component
public final class StreamShutdown implements SmartLifecycle {

  /** The web server's graceful shutdown phase (Spring Boot's {@code DEFAULT_PHASE - 1024}). */
  static final int PHASE = DEFAULT_PHASE - 1024;

  private final Duration cutAfter;
  // A new signal for every start: Spring's test framework stops the contexts it keeps in its cache
  // while they are unused and starts them again (context pausing), and a context stopped once must
  // not cut the streams it serves after it was started again.
  private volatile Sinks.Empty<Void> stop = Sinks.empty();
  private volatile Disposable pendingCut = Disposables.disposed();
  private volatile boolean running;

  StreamShutdown(
      @Value("${spring.lifecycle.timeout-per-shutdown-phase:30s}") Duration phaseTimeout) {
    this.cutAfter = cutAfter(phaseTimeout);
  }

  /**
   * When running streams are cut after the drain began: 90 % into the shutdown phase, and at least
   * half a second before its end (at once for a phase shorter than that), so that their last events
   * are written and their charges settled while the connections are still open.
   */
  static Duration cutAfter(Duration phaseTimeout) {
    Duration margin = phaseTimeout.dividedBy(10);
    if (margin.compareTo(Duration.ofMillis(500)) < 0) {
      margin = Duration.ofMillis(500);
    }
    Duration cut = phaseTimeout.minus(margin);
    return cut.isNegative() ? Duration.ZERO : cut;
  }

  /** Completes when running streams must end; never fails. */
  public Mono<Void> signal() {
    return Mono.defer(() -> stop.asMono());
  }

  /** How long after the drain began running streams are cut. */
  public Duration cutAfter() {
    return cutAfter;
  }

  @Override
  public void start() {
    pendingCut.dispose();
    stop = Sinks.empty();
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    Sinks.Empty<Void> current = stop;
    pendingCut = Mono.delay(cutAfter).subscribe(tick -> current.tryEmitEmpty());
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  @Override
  public boolean isRunning() {
    return running;
  }
}

package dev.tollgate.gateway.payments;

import dev.tollgate.billing.accounts.PaymentRepository;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Re-applies payments committed in PostgreSQL that never reached Redis (the gateway died, or Redis
 * failed, between the commit and the credit), every {@code gateway.payments.reconcile-interval}.
 * Several instances may run it at once: the credit script applies each payment once.
 */
public final class PaymentReconciler implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(PaymentReconciler.class);

  private final PaymentRepository payments;
  private final PaymentApplier applier;
  private final Duration interval;
  private final int batch;
  private volatile @Nullable Disposable loop;

  public PaymentReconciler(
      PaymentRepository payments, PaymentApplier applier, Duration interval, int batch) {
    this.payments = Objects.requireNonNull(payments, "payments");
    this.applier = Objects.requireNonNull(applier, "applier");
    this.interval = Objects.requireNonNull(interval, "interval");
    this.batch = batch;
  }

  /**
   * One pass: applies up to one batch of unapplied payments, oldest first.
   *
   * @return how many payments this pass marked applied
   */
  public Mono<Integer> reconcileOnce() {
    return payments
        .unapplied(batch)
        .concatMap(applier::apply)
        .filter(Boolean::booleanValue)
        .count()
        .map(Long::intValue)
        .doOnNext(
            n -> {
              if (n > 0) {
                log.warn("Applied {} payments to Redis that had not reached it", n);
              }
            });
  }

  @Override
  public void start() {
    loop =
        Flux.interval(interval)
            .onBackpressureDrop()
            .concatMap(
                tick ->
                    reconcileOnce()
                        .onErrorResume(
                            e -> {
                              log.warn("Reconciling payments failed; will try again", e);
                              return Mono.just(0);
                            }))
            .subscribe();
  }

  @Override
  public void stop() {
    Disposable l = loop;
    if (l != null) {
      l.dispose();
      loop = null;
    }
  }

  @Override
  public boolean isRunning() {
    return loop != null;
  }
}

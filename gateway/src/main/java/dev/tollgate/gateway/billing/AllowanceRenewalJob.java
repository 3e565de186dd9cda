package dev.tollgate.gateway.billing;

import dev.tollgate.billing.allowance.AllowanceRenewer;
import dev.tollgate.gateway.config.BillingProperties;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Renews subscription allowances whose period has ended ({@link AllowanceRenewer}) every {@code
 * gateway.billing.allowance-renewal-interval}, first {@code allowance-renewal-initial-delay} after
 * start-up. Every instance runs it: a renewal is guarded by the period it renews, so two instances
 * renew an account once. A failed run is logged and tried again at the next tick; renewals that
 * reached PostgreSQL but not Redis are retried first thing in every run.
 */
public final class AllowanceRenewalJob implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(AllowanceRenewalJob.class);

  private final AllowanceRenewer renewer;
  private final BillingProperties properties;
  private volatile @Nullable Disposable schedule;

  public AllowanceRenewalJob(AllowanceRenewer renewer, BillingProperties properties) {
    this.renewer = Objects.requireNonNull(renewer, "renewer");
    this.properties = Objects.requireNonNull(properties, "properties");
  }

  /** One run now: what it renewed, in PostgreSQL and in Redis. Never fails. */
  public Mono<AllowanceRenewer.Report> renewOnce() {
    return renewer
        .renewOnce()
        .doOnNext(
            report -> {
              if (report.renewed() > 0 || report.failed() > 0) {
                log.info(
                    "Allowance renewal: {} renewed, {} brought to Redis, {} failed",
                    report.renewed(),
                    report.redisApplied(),
                    report.failed());
              }
            })
        .onErrorResume(
            e -> {
              log.warn(
                  "Renewing allowances failed; will try again in {}",
                  properties.allowanceRenewalInterval(),
                  e);
              return Mono.just(new AllowanceRenewer.Report(0, 0, 0));
            });
  }

  @Override
  public void start() {
    schedule =
        Flux.interval(
                properties.allowanceRenewalInitialDelay(), properties.allowanceRenewalInterval())
            .onBackpressureDrop()
            .concatMap(tick -> renewOnce())
            .subscribe();
  }

  @Override
  public void stop() {
    Disposable s = schedule;
    if (s != null) {
      s.dispose();
      schedule = null;
    }
  }

  @Override
  public boolean isRunning() {
    return schedule != null;
  }
}

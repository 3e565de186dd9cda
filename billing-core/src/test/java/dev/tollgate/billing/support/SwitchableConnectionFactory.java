package dev.tollgate.billing.support;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/** A connection factory whose target can be swapped while in use: PostgreSQL "goes down". */
public final class SwitchableConnectionFactory implements ConnectionFactory {

  private final AtomicReference<ConnectionFactory> target;

  public SwitchableConnectionFactory(ConnectionFactory initial) {
    this.target = new AtomicReference<>(initial);
  }

  public void switchTo(ConnectionFactory next) {
    target.set(next);
  }

  /**
   * Deferred: r2dbc-pool calls {@code create()} once, at construction, and re-subscribes to that
   * publisher for every new connection; the target must be looked up per subscription.
   */
  @Override
  public Publisher<? extends Connection> create() {
    return Mono.defer(() -> Mono.from(target.get().create()));
  }

  @Override
  public ConnectionFactoryMetadata getMetadata() {
    return target.get().getMetadata();
  }
}

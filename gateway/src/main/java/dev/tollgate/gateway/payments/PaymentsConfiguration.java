package dev.tollgate.gateway.payments;

import static org.springframework.web.reactive.function.server.RequestPredicates.POST;

import dev.tollgate.billing.accounts.PaymentRepository;
import dev.tollgate.billing.redis.HoldStore;
import dev.tollgate.gateway.admin.AuditTrail;
import dev.tollgate.gateway.billing.TopUpBonuses;
import dev.tollgate.gateway.config.BillingProperties;
import dev.tollgate.gateway.config.InvalidConfigurationException;
import io.r2dbc.pool.ConnectionPool;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Top-ups' wiring: the webhook route, the payments repository and the reconciler. Needs billing's
 * Redis and PostgreSQL, so it exists only with {@code gateway.billing.enabled} (the default).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(
    name = "gateway.billing.enabled",
    havingValue = "true",
    matchIfMissing = true)
public class PaymentsConfiguration {

  @Bean
  PaymentRepository paymentRepository(ConnectionPool connections, BillingProperties billing) {
    try {
      return new PaymentRepository(connections, billing.currency());
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigurationException(
          "gateway.billing.currency: '"
              + billing.currency()
              + "' (expected: an ISO 4217 code like USD)",
          e);
    }
  }

  @Bean
  PaymentApplier paymentApplier(HoldStore holds, PaymentRepository payments) {
    return new PaymentApplier(holds, payments);
  }

  @Bean
  PaymentReconciler paymentReconciler(
      PaymentRepository payments, PaymentApplier applier, PaymentsProperties properties) {
    return new PaymentReconciler(
        payments, applier, properties.reconcileInterval(), properties.reconcileBatch());
  }

  @Bean
  RouterFunction<ServerResponse> paymentWebhookRouter(
      PaymentRepository payments,
      PaymentApplier applier,
      PaymentsProperties properties,
      AuditTrail audit,
      TopUpBonuses bonuses) {
    // The Mac is created here, at start-up: its first use may read provider configuration.
    WebhookSignature signature =
        properties.webhookEnabled()
            ? new WebhookSignature(properties.webhookSecret(), Clock.systemUTC())
            : null;
    PaymentWebhookHandler handler =
        new PaymentWebhookHandler(signature, payments, applier, audit, bonuses);
    return RouterFunctions.route(POST("/webhooks/payments"), handler::handle);
  }
}

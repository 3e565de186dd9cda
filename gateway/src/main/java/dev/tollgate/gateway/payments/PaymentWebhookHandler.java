package dev.tollgate.gateway.payments;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.accounts.AuditEntry;
import dev.tollgate.billing.accounts.PaymentRepository;
import dev.tollgate.billing.accounts.PaymentResult;
import dev.tollgate.billing.accounts.PaymentRow;
import dev.tollgate.billing.pricing.Nanos;
import dev.tollgate.gateway.admin.AuditTrail;
import dev.tollgate.gateway.billing.TopUpBonuses;
import dev.tollgate.gateway.error.GatewayException;
import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.R2dbcException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /webhooks/payments}: reads the raw body, checks its signature before parsing it,
 * records the payment in PostgreSQL (durable first, once per transaction id), then applies it to
 * the cached balance in Redis. A Redis failure after the commit still answers 200: the payment is
 * recorded, and the {@link PaymentReconciler} applies it.
 *
 * <p>A notice in another currency than the accounts' is recorded as refused and answered 422 {@code
 * currency_mismatch}, the first time and on every repeat; nothing is credited. An amount that would
 * take the balance past what a {@code bigint} holds is a 400 and records nothing.
 */
public final class PaymentWebhookHandler {

  /** The largest notice accepted. */
  public static final int MAX_BODY_BYTES = 64 * 1024;

  private static final Logger log = LoggerFactory.getLogger(PaymentWebhookHandler.class);
  private static final String FOREIGN_KEY_VIOLATION = "23503";
  private static final String NUMERIC_VALUE_OUT_OF_RANGE = "22003";

  private final @Nullable WebhookSignature signature;
  private final PaymentRepository payments;
  private final PaymentApplier applier;
  private final AuditTrail audit;
  private final TopUpBonuses bonuses;

  /**
   * @param signature null when no secret is configured: the endpoint then answers 404
   */
  public PaymentWebhookHandler(
      @Nullable WebhookSignature signature,
      PaymentRepository payments,
      PaymentApplier applier,
      AuditTrail audit,
      TopUpBonuses bonuses) {
    this.signature = signature;
    this.payments = Objects.requireNonNull(payments, "payments");
    this.applier = Objects.requireNonNull(applier, "applier");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.bonuses = Objects.requireNonNull(bonuses, "bonuses");
  }

  public Mono<ServerResponse> handle(ServerRequest request) {
    WebhookSignature sig = signature;
    if (sig == null) {
      return Mono.error(new ResponseStatusException(HttpStatus.NOT_FOUND));
    }
    if (request.headers().contentLength().orElse(-1) > MAX_BODY_BYTES) {
      return Mono.error(GatewayException.tooLarge(MAX_BODY_BYTES));
    }
    String header = request.headers().firstHeader(WebhookSignature.HEADER);
    return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), MAX_BODY_BYTES)
        .onErrorMap(DataBufferLimitException.class, e -> GatewayException.tooLarge(MAX_BODY_BYTES))
        .map(PaymentWebhookHandler::bytes)
        .defaultIfEmpty(new byte[0])
        .flatMap(
            body -> {
              if (!sig.verify(header, body)) {
                return Mono.error(invalidSignature());
              }
              return record(PaymentNotice.parse(body), AuditTrail.webhook(request));
            });
  }

  private Mono<ServerResponse> record(PaymentNotice notice, AuditEntry.Context by) {
    return Mono.defer(
            () ->
                payments.record(
                    notice.transactionId(),
                    notice.accountId(),
                    notice.amountNanos(),
                    notice.currency(),
                    notice.status()))
        .onErrorMap(
            R2dbcDataIntegrityViolationException.class,
            e ->
                FOREIGN_KEY_VIOLATION.equals(e.getSqlState())
                    ? unknownAccount(notice.accountId())
                    : e)
        .onErrorMap(
            e ->
                e instanceof R2dbcException r2dbc
                    && NUMERIC_VALUE_OUT_OF_RANGE.equals(r2dbc.getSqlState()),
            e -> balanceOutOfRange(notice))
        .onErrorMap(
            PaymentWebhookHandler::isConflictingRepeat, e -> conflict(notice.transactionId()))
        .flatMap(result -> result.repeated() ? Mono.just(result) : audited(result, by))
        .flatMap(
            result ->
                result.payment().refused()
                    ? Mono.error(refused(result.payment(), payments.accountCurrency()))
                    : applyToRedis(result).then(bonus(result, by)).thenReturn(result))
        .flatMap(PaymentWebhookHandler::answer);
  }

  /** Records a payment recorded now (not a repeat) in the audit trail; never the signature. */
  private Mono<PaymentResult> audited(PaymentResult result, AuditEntry.Context by) {
    PaymentRow payment = result.payment();
    Map<String, @Nullable Object> after = new LinkedHashMap<>();
    after.put("transaction_id", payment.providerTransactionId());
    after.put("status", payment.status());
    after.put("amount_nanos", payment.amountNanos());
    after.put("currency", payment.currency());
    after.put("refused", payment.refused());
    return audit
        .record(by.entry("payment.record", payment.accountId(), Map.of(), after))
        .thenReturn(result);
  }

  /**
   * The top-up's bonus, also on a repeat (a delivery that failed before its bonus is completed by
   * the provider's retry; the bonus's reference keeps it to one). A refund takes no bonus back.
   */
  private Mono<Void> bonus(PaymentResult result, AuditEntry.Context by) {
    PaymentRow payment = result.payment();
    if (!payment.status().equals("succeeded")) {
      return Mono.empty();
    }
    return bonuses
        .credit(
            payment.accountId(),
            payment.amountNanos(),
            "payment:" + payment.providerTransactionId(),
            by)
        .then();
  }

  /** A repeat whose first delivery never reached Redis is applied now; applying is idempotent. */
  private Mono<Void> applyToRedis(PaymentResult result) {
    if (result.payment().appliedToRedis()) {
      return Mono.empty();
    }
    return applier
        .apply(result.payment())
        .onErrorResume(
            e -> {
              log.warn(
                  "Payment {} is recorded but not applied to Redis yet; the reconciler will",
                  result.payment().providerTransactionId(),
                  e);
              return Mono.just(false);
            })
        .then();
  }

  private static Mono<ServerResponse> answer(PaymentResult result) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("received", true);
    body.put("transaction_id", result.payment().providerTransactionId());
    body.put("repeated", result.repeated());
    return ServerResponse.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(Json.MAPPER.writeValueAsBytes(body));
  }

  /** PaymentRepository's answer to a transaction id recorded before with other values. */
  private static boolean isConflictingRepeat(Throwable e) {
    return e instanceof IllegalStateException
        && e.getMessage() != null
        && e.getMessage().startsWith("payment '");
  }

  private static byte[] bytes(DataBuffer buffer) {
    byte[] bytes = new byte[buffer.readableByteCount()];
    buffer.read(bytes);
    DataBufferUtils.release(buffer);
    return bytes;
  }

  private static GatewayException invalidSignature() {
    return new GatewayException(
        401,
        "invalid_request_error",
        "invalid_signature",
        null,
        "The '"
            + WebhookSignature.HEADER
            + "' header is missing, does not match the body, or its timestamp is more than 5"
            + " minutes from now.");
  }

  private static GatewayException unknownAccount(String accountId) {
    return new GatewayException(
        404,
        "invalid_request_error",
        "account_not_found",
        "account_id",
        "The account '" + accountId + "' does not exist.");
  }

  private static GatewayException refused(PaymentRow payment, String accountCurrency) {
    return new GatewayException(
        422,
        "invalid_request_error",
        "currency_mismatch",
        "currency",
        "currency: '"
            + payment.currency()
            + "' (expected: "
            + accountCurrency
            + ", the accounts' currency). The transaction '"
            + payment.providerTransactionId()
            + "' is recorded as refused and credited nothing; a repeat gets this same answer.");
  }

  private static GatewayException balanceOutOfRange(PaymentNotice notice) {
    return GatewayException.badRequest(
        "amount",
        "amount: "
            + Nanos.format(notice.amountNanos())
            + " would take the balance of account '"
            + notice.accountId()
            + "' past "
            + Nanos.format(Long.MAX_VALUE)
            + " (expected: a smaller amount)");
  }

  private static GatewayException conflict(String transactionId) {
    return new GatewayException(
        409,
        "invalid_request_error",
        "payment_conflict",
        "transaction_id",
        "The transaction '"
            + transactionId
            + "' was recorded before with another account, amount, currency or status.");
  }
}

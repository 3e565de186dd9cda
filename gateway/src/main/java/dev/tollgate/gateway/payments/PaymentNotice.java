package dev.tollgate.gateway.payments;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.accounts.PaymentRepository;
import dev.tollgate.billing.pricing.Nanos;
import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.json.JsonBodies;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * A payment provider's notice, as signed: {@code
 * {"transaction_id","account_id","amount","currency","status"}}. The amount is read from the
 * notice's own text (a JSON string or number) by {@link Nanos#parse}, exactly and strictly (ASCII
 * digits, no sign or exponent, at most 9 decimals); it never passes through a double.
 *
 * @param amountNanos {@code > 0}, in the account currency
 */
public record PaymentNotice(
    String transactionId, String accountId, long amountNanos, String currency, String status) {

  private static final int MAX_ID_LENGTH = JsonBodies.MAX_TEXT_LENGTH;
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

  /**
   * Parses and checks a notice's raw body.
   *
   * @throws GatewayException 400 for anything but a JSON object with every field valid
   */
  public static PaymentNotice parse(byte[] body) {
    Map<String, String> fields = new HashMap<>();
    try (JsonParser parser = Json.MAPPER.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw GatewayException.invalidJson();
      }
      String name;
      while ((name = parser.nextName()) != null) {
        JsonToken value = parser.nextToken();
        boolean scalar =
            value == JsonToken.VALUE_STRING
                || value == JsonToken.VALUE_NUMBER_INT
                || value == JsonToken.VALUE_NUMBER_FLOAT;
        if (!scalar) {
          parser.skipChildren();
          if (isField(name)) {
            throw GatewayException.badRequest(name, "'" + name + "': expected a string.");
          }
          continue;
        }
        if (value != JsonToken.VALUE_STRING && !name.equals("amount") && isField(name)) {
          throw GatewayException.badRequest(name, "'" + name + "': expected a string.");
        }
        if (fields.put(name, parser.getString()) != null) {
          throw GatewayException.badRequest(name, "'" + name + "' appears twice.");
        }
      }
      if (parser.nextToken() != null) {
        throw GatewayException.invalidJson();
      }
    } catch (JacksonException e) {
      throw GatewayException.invalidJson();
    }
    String transactionId = id(fields, "transaction_id");
    String accountId = id(fields, "account_id");
    long amount = amount(required(fields, "amount"));
    String currency = required(fields, "currency");
    if (!CURRENCY.matcher(currency).matches()) {
      throw GatewayException.badRequest(
          "currency", "'currency': '" + currency + "' (expected: an ISO 4217 code like EUR).");
    }
    String status = required(fields, "status");
    if (!PaymentRepository.STATUSES.contains(status)) {
      throw GatewayException.badRequest(
          "status", "'status': '" + status + "' (expected: succeeded, failed or refunded).");
    }
    return new PaymentNotice(transactionId, accountId, amount, currency, status);
  }

  private static boolean isField(String name) {
    return switch (name) {
      case "transaction_id", "account_id", "amount", "currency", "status" -> true;
      default -> false;
    };
  }

  private static String required(Map<String, String> fields, String name) {
    String value = fields.get(name);
    if (value == null) {
      throw GatewayException.badRequest(name, "'" + name + "' is required.");
    }
    return value;
  }

  /** An id the notice names: stored in PostgreSQL, so no NUL or other control character. */
  private static String id(Map<String, String> fields, String name) {
    String value = required(fields, name);
    if (value.isBlank()) {
      throw GatewayException.badRequest(
          name, "'" + name + "': blank (expected: 1 to " + MAX_ID_LENGTH + " characters).");
    }
    return JsonBodies.text(name, value, MAX_ID_LENGTH);
  }

  private static long amount(String text) {
    long nanos;
    try {
      nanos = Nanos.parse(text);
    } catch (IllegalArgumentException e) {
      throw GatewayException.badRequest("amount", e.getMessage());
    }
    if (nanos <= 0) {
      throw GatewayException.badRequest("amount", "amount: '" + text + "' (expected: > 0)");
    }
    return nanos;
  }
}

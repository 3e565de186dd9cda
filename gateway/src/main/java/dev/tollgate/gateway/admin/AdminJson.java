package dev.tollgate.gateway.admin;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.pricing.Nanos;
import dev.tollgate.gateway.api.GatewayException;
import dev.tollgate.gateway.relay.UsageCost;
import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reading admin and account API request fields, each refusal a 400 that names the field, and
 * writing answers. Amounts are decimals in the account currency, read from their text (the body is
 * parsed with big decimals for floats), never through a double.
 */
public final class AdminJson {

  /** Admin bodies are small. */
  public static final long MAX_BODY_BYTES = 64 * 1024;

  private AdminJson() {}

  public static String requiredText(JsonNode body, String field) {
    String value = optionalText(body, field);
    if (value == null || value.isBlank()) {
      throw GatewayException.badRequest(field, field + ": missing (expected: a non-empty string)");
    }
    return value;
  }

  public static @Nullable String optionalText(JsonNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isString()) {
      throw GatewayException.badRequest(field, field + ": " + node + " (expected: a string)");
    }
    return node.asString();
  }

  /** A decimal amount, {@code "12.50"} or {@code 12.50}, in nano-units. */
  public static long amount(JsonNode node, String field) {
    try {
      return Nanos.parse(decimalText(node, field));
    } catch (IllegalArgumentException e) {
      throw GatewayException.badRequest(field, field + ": " + e.getMessage());
    }
  }

  /** A discount as a fraction from 0 to 1 ({@code 0.15}), in parts per million. */
  public static long discountPpm(JsonNode node, String field) {
    String text = decimalText(node, field);
    try {
      BigDecimal fraction = new BigDecimal(text);
      if (fraction.signum() < 0 || fraction.compareTo(BigDecimal.ONE) > 0) {
        throw GatewayException.badRequest(field, field + ": " + text + " (expected: 0 to 1)");
      }
      return fraction.movePointRight(6).longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      throw GatewayException.badRequest(
          field, field + ": " + text + " (expected: a fraction from 0 to 1, at most 6 decimals)");
    }
  }

  /** A positive whole number, or null when absent. */
  public static @Nullable Integer optionalPositiveInt(JsonNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() <= 0) {
      throw GatewayException.badRequest(field, field + ": " + node + " (expected: an integer > 0)");
    }
    return node.intValue();
  }

  private static String decimalText(JsonNode node, String field) {
    if (node.isString()) {
      return node.asString();
    }
    if (node.isNumber()) {
      return node.decimalValue().toPlainString();
    }
    throw GatewayException.badRequest(
        field, field + ": " + node + " (expected: a decimal such as \"12.50\")");
  }

  /** Nano-units as a plain decimal of the account currency. */
  public static BigDecimal decimal(long nanos) {
    return UsageCost.decimal(nanos);
  }

  public static BigDecimal discount(long ppm) {
    return BigDecimal.valueOf(ppm, 6).stripTrailingZeros();
  }

  public static ObjectNode object() {
    return Json.MAPPER.createObjectNode();
  }

  public static Mono<ServerResponse> respond(int status, JsonNode body) {
    return ServerResponse.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue(Json.MAPPER.writeValueAsBytes(body));
  }
}

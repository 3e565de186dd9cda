package dev.tollgate.gateway.admin;

import dev.tollgate.adapter.Json;
import dev.tollgate.billing.pricing.Nanos;
import dev.tollgate.gateway.error.GatewayException;
import dev.tollgate.gateway.json.JsonBodies;
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

  /**
   * A required text field: 1 to {@link JsonBodies#MAX_TEXT_LENGTH} characters, not blank, no
   * control character.
   */
  public static String requiredText(JsonNode body, String field) {
    String value = optionalText(body, field);
    if (value == null || value.isBlank()) {
      throw GatewayException.badRequest(field, field + ": missing (expected: a non-empty string)");
    }
    return value;
  }

  /** An optional text field, checked as {@link #requiredText} when present; may be blank. */
  public static @Nullable String optionalText(JsonNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    return text(node, field);
  }

  /** A JSON string checked as {@link #requiredText}'s are. */
  public static String text(JsonNode node, String field) {
    if (!node.isString()) {
      throw GatewayException.badRequest(
          field, field + ": " + abbreviated(node) + " (expected: a string)");
    }
    return JsonBodies.text(field, node.asString(), JsonBodies.MAX_TEXT_LENGTH);
  }

  /**
   * A decimal amount, {@code "12.50"} or {@code 12.50}, in nano-units: read by {@link Nanos#parse},
   * the one strict reading of money (ASCII digits, no sign, no exponent, at most 9 decimals, within
   * {@code long}).
   */
  public static long amount(JsonNode node, String field) {
    String text = decimalText(node, field);
    try {
      return Nanos.parse(text);
    } catch (IllegalArgumentException e) {
      String message = e.getMessage();
      throw GatewayException.badRequest(
          field,
          message != null && message.startsWith("amount: ")
              ? field + message.substring("amount".length())
              : field + ": " + message);
    }
  }

  /**
   * As {@link #amount}, with one leading minus sign allowed: {@code "-2.50"} is minus 2.5 units.
   */
  public static long signedAmount(JsonNode node, String field) {
    String text = decimalText(node, field);
    boolean negative = text.startsWith("-");
    try {
      long nanos = Nanos.parse(negative ? text.substring(1) : text);
      return negative ? -nanos : nanos;
    } catch (IllegalArgumentException e) {
      throw GatewayException.badRequest(
          field,
          field
              + ": "
              + abbreviated(node)
              + " (expected: a decimal such as \"12.50\" or \"-12.50\", at most 9 decimals)");
    }
  }

  /** A discount as a fraction from 0 to 1 ({@code 0.15}), in parts per million. */
  public static long discountPpm(JsonNode node, String field) {
    String text = decimalText(node, field);
    long nanos;
    try {
      nanos = Nanos.parse(text);
    } catch (IllegalArgumentException e) {
      nanos = -1;
    }
    long nanosPerPpm = Nanos.PER_UNIT / 1_000_000;
    if (nanos < 0 || nanos > Nanos.PER_UNIT || nanos % nanosPerPpm != 0) {
      throw GatewayException.badRequest(
          field,
          field
              + ": "
              + abbreviated(node)
              + " (expected: a fraction from 0 to 1, at most 6 decimals)");
    }
    return nanos / nanosPerPpm;
  }

  /** A positive whole number, or null when absent. */
  public static @Nullable Integer optionalPositiveInt(JsonNode body, String field) {
    Long value = JsonBodies.integer(body, field, 1, Integer.MAX_VALUE);
    return value == null ? null : value.intValue();
  }

  /**
   * The digits of a decimal field as the client wrote them. A JSON number is exact here (admin
   * bodies are read with big decimals, and exponents are refused while reading, see {@link
   * JsonBodies#readExactObject}), so its plain form is its spelling.
   */
  private static String decimalText(JsonNode node, String field) {
    if (node.isString()) {
      return node.asString();
    }
    if (node.isIntegralNumber()) {
      return node.bigIntegerValue().toString();
    }
    if (node.isBigDecimal()) {
      return node.decimalValue().toPlainString();
    }
    throw GatewayException.badRequest(
        field, field + ": " + abbreviated(node) + " (expected: a decimal such as \"12.50\")");
  }

  private static String abbreviated(JsonNode node) {
    String text = node.toString();
    return text.length() <= 40 ? text : text.substring(0, 37) + "...";
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

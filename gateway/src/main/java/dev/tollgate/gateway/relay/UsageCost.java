package dev.tollgate.gateway.relay;

import dev.tollgate.adapter.Json;
import dev.tollgate.adapter.sse.SseEvent;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Adds the request's cost to the usage the client sees ({@code usage.cost}, a decimal in the
 * account currency). The one place where an upstream payload is re-serialized: only the event or
 * body that carries usage, once per request.
 */
public final class UsageCost {

  private static final BigDecimal NANOS_PER_UNIT = BigDecimal.valueOf(1_000_000_000L);

  private UsageCost() {}

  /**
   * The amount as a decimal in the account currency: {@code 10500} nano-units is {@code 0.0000105}.
   */
  public static BigDecimal decimal(long nanos) {
    return BigDecimal.valueOf(nanos).divide(NANOS_PER_UNIT).stripTrailingZeros();
  }

  /** A whole JSON body with {@code usage.cost} set; the body as it was when it has no usage. */
  public static byte[] intoBody(byte[] body, long costNanos) {
    JsonNode root = Json.MAPPER.readTree(body);
    if (!(root.get("usage") instanceof ObjectNode usage)) {
      return body;
    }
    usage.put("cost", decimal(costNanos));
    return Json.MAPPER.writeValueAsBytes(root);
  }

  /** A {@code data:} event with {@code usage.cost} set; the event as it was otherwise. */
  public static byte[] intoEvent(byte[] event, long costNanos) {
    byte[] data = SseEvent.data(event);
    if (data == null) {
      return event;
    }
    byte[] json = intoBody(data, costNanos);
    if (json == data) {
      return event;
    }
    byte[] out = new byte[json.length + 8];
    System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, out, 0, 6);
    System.arraycopy(json, 0, out, 6, json.length);
    out[out.length - 2] = '\n';
    out[out.length - 1] = '\n';
    return out;
  }
}

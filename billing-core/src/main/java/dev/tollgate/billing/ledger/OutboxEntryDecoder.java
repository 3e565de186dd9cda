package dev.tollgate.billing.ledger;

import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Reads one outbox stream entry, as the settle script wrote it, into a {@link SettledCharge}. Every
 * field is required but {@code sub_period}, which entries written before allowance periods were
 * recorded lack (as do accounts cached without one: an empty value), and the cache-write counts,
 * which entries written before they were recorded lack (0); numbers are decimal integers. A
 * malformed entry is a broken contract between the settle script and the flusher, so it fails
 * loudly instead of being guessed at.
 */
public final class OutboxEntryDecoder {

  private OutboxEntryDecoder() {}

  /**
   * @param streamId the entry's id, kept as {@link SettledCharge#streamId()}
   * @param fields the entry's field-value pairs
   * @throws IllegalArgumentException naming the entry and the first missing or malformed field
   */
  public static SettledCharge decode(String streamId, Map<String, String> fields) {
    Objects.requireNonNull(streamId, "streamId");
    Objects.requireNonNull(fields, "fields");
    Fields f = new Fields(streamId, fields);
    return new SettledCharge(
        streamId,
        f.text("request_id"),
        f.text("account_id"),
        f.text("key_id"),
        f.text("model"),
        f.text("provider"),
        f.text("status"),
        f.text("source"),
        f.number("prompt_tokens"),
        f.number("completion_tokens"),
        f.number("cached_tokens"),
        f.number("reasoning_tokens"),
        f.optionalCount("cache_write_tokens"),
        f.optionalCount("cache_write_1h_tokens"),
        f.number("cost"),
        f.number("charged"),
        f.number("from_allowance"),
        f.number("from_balance"),
        f.number("uncollected"),
        f.text("price_version"),
        f.number("markup_ppm"),
        f.number("discount_ppm"),
        f.number("started_at_ms"),
        f.number("ttft_ms"),
        f.number("duration_ms"),
        f.number("settled_at_ms"),
        f.optionalNumber("sub_period"));
  }

  private record Fields(String streamId, Map<String, String> fields) {

    String text(String name) {
      String value = fields.get(name);
      if (value == null) {
        throw new IllegalArgumentException(
            "outbox entry " + streamId + ": no field '" + name + "' (expected: present)");
      }
      return value;
    }

    @Nullable Long optionalNumber(String name) {
      String value = fields.get(name);
      return value == null || value.isEmpty() ? null : parse(name, value);
    }

    /** A count that entries written before it existed lack: 0 then. */
    long optionalCount(String name) {
      String value = fields.get(name);
      return value == null ? 0 : parse(name, value);
    }

    long number(String name) {
      return parse(name, text(name));
    }

    private long parse(String name, String value) {
      try {
        return Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "outbox entry "
                + streamId
                + ": "
                + name
                + ": '"
                + value
                + "' (expected: a decimal integer)",
            e);
      }
    }
  }
}

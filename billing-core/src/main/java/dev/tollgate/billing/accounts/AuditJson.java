package dev.tollgate.billing.accounts;

import java.util.Collection;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The flat maps of an {@link AuditEntry} as JSON text, for a {@code jsonb} column. */
final class AuditJson {

  private AuditJson() {}

  static @Nullable String of(Map<String, @Nullable Object> fields) {
    if (fields.isEmpty()) {
      return null;
    }
    StringBuilder out = new StringBuilder("{");
    fields.forEach(
        (name, value) -> {
          if (out.length() > 1) {
            out.append(',');
          }
          string(out, name);
          out.append(':');
          value(out, value);
        });
    return out.append('}').toString();
  }

  private static void value(StringBuilder out, @Nullable Object value) {
    switch (value) {
      case null -> out.append("null");
      case Boolean b -> out.append(b);
      case Long n -> out.append(n);
      case Integer n -> out.append(n);
      case Collection<?> list -> {
        out.append('[');
        boolean first = true;
        for (Object item : list) {
          if (!first) {
            out.append(',');
          }
          first = false;
          value(out, item);
        }
        out.append(']');
      }
      default -> string(out, value.toString());
    }
  }

  private static void string(StringBuilder out, String text) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}

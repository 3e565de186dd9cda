package dev.tollgate.billing.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class AuditJsonTest {

  @Test
  void flatFieldsBecomeOneJsonObjectWithTextEscaped() {
    Map<String, @Nullable Object> fields = new LinkedHashMap<>();
    fields.put("name", "a \"quoted\" \\ name\n");
    fields.put("rpm", 60);
    fields.put("spend_cap_nanos", 2_500_000_000L);
    fields.put("limit", null);
    fields.put("restarted", true);
    fields.put("models", List.of("a", "b"));
    fields.put("at", Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(AuditJson.of(fields))
        .isEqualTo(
            "{\"name\":\"a \\\"quoted\\\" \\\\ name\\u000a\",\"rpm\":60,"
                + "\"spend_cap_nanos\":2500000000,\"limit\":null,\"restarted\":true,"
                + "\"models\":[\"a\",\"b\"],\"at\":\"2026-01-01T00:00:00Z\"}");
  }

  @Test
  void noFieldsIsNoObject() {
    assertThat(AuditJson.of(Map.of())).isNull();
  }
}

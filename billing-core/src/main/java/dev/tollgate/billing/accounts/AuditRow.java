package dev.tollgate.billing.accounts;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A recorded audit entry.
 *
 * @param before the changed fields before, as JSON text; {@code null} when there were none
 * @param after the changed fields after, as JSON text; {@code null} when there were none
 */
public record AuditRow(
    long id,
    Instant at,
    String actor,
    String action,
    String target,
    @Nullable String requestId,
    @Nullable String before,
    @Nullable String after) {

  public AuditRow {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(target, "target");
  }
}

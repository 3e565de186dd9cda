package dev.tollgate.billing.accounts;

import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One write to record in the audit trail. {@code before} and {@code after} hold the changed fields
 * only (text, numbers, booleans, lists of text, null) and never a secret.
 *
 * @param actor who wrote: {@code admin:master-key}, {@code admin:<sub>}, {@code owner:<sub>},
 *     {@code webhook:payments}
 * @param action what was done, e.g. {@code account.update}
 * @param target the account or key written
 * @param requestId the gateway's id of the request that wrote, if any
 */
public record AuditEntry(
    String actor,
    String action,
    String target,
    @Nullable String requestId,
    Map<String, @Nullable Object> before,
    Map<String, @Nullable Object> after) {

  public AuditEntry {
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(before, "before");
    Objects.requireNonNull(after, "after");
  }

  /** Who writes and for which request, before the change itself is known. */
  public record Context(String actor, @Nullable String requestId) {

    public Context {
      Objects.requireNonNull(actor, "actor");
    }

    public AuditEntry entry(
        String action,
        String target,
        Map<String, @Nullable Object> before,
        Map<String, @Nullable Object> after) {
      return new AuditEntry(actor, action, target, requestId, before, after);
    }
  }
}

package dev.tollgate.billing.accounts;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One page of a keyset-paginated listing.
 *
 * @param nextCursor opaque; pass it back for the next page. {@code null} on the last page
 */
public record Page<T>(List<T> items, @Nullable String nextCursor) {

  public Page {
    items = List.copyOf(Objects.requireNonNull(items, "items"));
  }
}

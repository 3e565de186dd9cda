package dev.tollgate.billing.accounts;

import java.util.Objects;

/**
 * A freshly generated API key: the secret, shown to its owner once and never stored, with what is
 * stored in its place.
 *
 * @param secret the whole key, {@code sk-gw-...}
 * @param hash the SHA-256 of the secret, lower-case hex: what lookups use
 * @param prefix the first {@value ApiKeys#PREFIX_LENGTH} characters, shown in listings
 */
public record NewKey(String secret, String hash, String prefix) {

  public NewKey {
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(prefix, "prefix");
  }

  /** Never the secret: a key must not end up in a log through {@code toString}. */
  @Override
  public String toString() {
    return "NewKey[prefix=" + prefix + ", hash=" + hash + "]";
  }
}

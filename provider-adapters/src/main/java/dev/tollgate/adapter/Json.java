package dev.tollgate.adapter;

import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.json.JsonMapper;

/** The one JSON mapper the adapters share: thread-safe, configured once. */
public final class Json {

  /** Decimal amounts are written as plain numbers ({@code 0.0000105}, not {@code 1.05E-5}). */
  public static final JsonMapper MAPPER =
      JsonMapper.builder().enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();

  static {
    // Jackson builds and caches (de)serializers on first use under a lock; doing that here, once,
    // keeps even the first requests on the event loops from waiting on it.
    MAPPER.writeValueAsBytes(MAPPER.readTree("{\"a\":[1,\"b\",null,true,1.5],\"o\":{}}"));
    MAPPER.writeValueAsString("warm");
  }

  private Json() {}
}

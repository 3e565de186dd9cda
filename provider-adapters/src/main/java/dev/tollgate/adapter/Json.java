package dev.tollgate.adapter;

import tools.jackson.databind.json.JsonMapper;

/** The one JSON mapper the adapters share: thread-safe, configured once. */
public final class Json {

  public static final JsonMapper MAPPER = JsonMapper.builder().build();

  private Json() {}
}

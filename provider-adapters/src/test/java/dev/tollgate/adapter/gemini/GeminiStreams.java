package dev.tollgate.adapter.gemini;

import dev.tollgate.adapter.Fixtures;
import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.sse.SseEventSplitter;
import dev.tollgate.adapter.sse.SseStreams;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Test helpers: recorded Gemini streams translated by the code under test. */
final class GeminiStreams {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private GeminiStreams() {}

  /** The fixture fed in reads cut at {@code cuts} (sorted offsets), then finished. */
  static List<UpstreamEvent> translate(byte[] stream, int... cuts) {
    SseEventSplitter splitter = new SseEventSplitter(SseStreams.MAX_EVENT_BYTES);
    GeminiStreamDecoder decoder = new GeminiStreamDecoder("fallback-model");
    List<UpstreamEvent> out = new ArrayList<>();
    int from = 0;
    for (int cut : cuts) {
      for (byte[] event : splitter.feed(stream, from, cut - from)) {
        out.addAll(decoder.decode(event));
      }
      from = cut;
    }
    for (byte[] event : splitter.feed(stream, from, stream.length - from)) {
      out.addAll(decoder.decode(event));
    }
    for (byte[] event : splitter.finish()) {
      out.addAll(decoder.decode(event));
    }
    out.addAll(decoder.finish());
    return out;
  }

  static List<UpstreamEvent> translate(String fixture) {
    return translate(Fixtures.bytes(fixture));
  }

  /** An event's JSON, read without the code under test; null for {@code [DONE]}. */
  static JsonNode json(UpstreamEvent event) {
    String s = new String(event.bytes(), StandardCharsets.UTF_8);
    if (!s.startsWith("data: ") || !s.endsWith("\n\n") || s.indexOf('\n') != s.length() - 2) {
      throw new AssertionError("not one data line ending in a blank line: " + s);
    }
    String data = s.substring(6, s.length() - 2);
    return data.equals("[DONE]") ? JSON.nullNode() : JSON.readTree(data);
  }

  static String latin1(UpstreamEvent event) {
    return SseStreams.latin1(event.bytes());
  }
}

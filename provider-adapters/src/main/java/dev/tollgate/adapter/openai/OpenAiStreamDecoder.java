package dev.tollgate.adapter.openai;

import dev.tollgate.adapter.UpstreamEvent;
import dev.tollgate.adapter.UpstreamEvent.Kind;
import dev.tollgate.adapter.UpstreamException;
import dev.tollgate.adapter.openai.OpenAiPayloadScanner.Scan;
import dev.tollgate.adapter.sse.SseEvent;
import tools.jackson.core.JacksonException;

/**
 * Turns one raw OpenAI-dialect server-sent event into an {@link UpstreamEvent}: the bytes stay as
 * they are; the decoder only reads the metering facts out of them. Stateless.
 */
public final class OpenAiStreamDecoder {

  private OpenAiStreamDecoder() {}

  /**
   * @throws UpstreamException when the event is an in-stream error or its data is not JSON
   */
  public static UpstreamEvent decode(byte[] event) {
    int[] range = SseEvent.dataRange(event);
    byte[] data = event;
    int offset;
    int length;
    if (range != null) {
      offset = range[0];
      length = range[1];
    } else {
      byte[] joined = SseEvent.data(event);
      if (joined == null) {
        return UpstreamEvent.of(event, Kind.COMMENT);
      }
      data = joined;
      offset = 0;
      length = joined.length;
    }
    if (length == 0 || isBlank(data, offset, length)) {
      return UpstreamEvent.of(event, Kind.COMMENT); // an empty data line: a keep-alive
    }
    if (SseEvent.isDone(data, offset, length)) {
      return UpstreamEvent.of(event, Kind.DONE);
    }
    Scan scan;
    try {
      scan = OpenAiPayloadScanner.scan(data, offset, length);
    } catch (JacksonException | IllegalArgumentException e) {
      throw UpstreamException.protocol("upstream sent an event that is not valid JSON", e);
    }
    if (scan.hasError || "error".equals(scan.type) || "response.failed".equals(scan.type)) {
      throw OpenAiErrorMapper.inStream(scan);
    }
    Kind kind = scan.choices == 0 && scan.usage != null ? Kind.USAGE_ONLY : Kind.CHUNK;
    return new UpstreamEvent(
        event, kind, scan.text(), scan.reasoning(), scan.usage, scan.finishReason);
  }

  private static boolean isBlank(byte[] data, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      if (data[i] != ' ' && data[i] != '\t') {
        return false;
      }
    }
    return true;
  }
}

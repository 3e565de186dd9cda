package dev.tollgate.adapter.contract;

import java.util.ArrayList;
import java.util.List;

/** Reads relayed OpenAI-dialect event bytes without the code under test. */
final class OpenAiChunks {

  private OpenAiChunks() {}

  /**
   * The data of each event in {@code bytes} (one or more events, each ending with a blank line),
   * several data lines of one event joined with {@code \n}.
   */
  static List<String> payloads(String bytes) {
    List<String> payloads = new ArrayList<>();
    for (String event : bytes.split("\\r?\\n\\r?\\n")) {
      List<String> data = new ArrayList<>();
      for (String line : event.split("\\r?\\n")) {
        if (line.startsWith("data:")) {
          String value = line.substring(5);
          data.add(value.startsWith(" ") ? value.substring(1) : value);
        }
      }
      if (!data.isEmpty()) {
        payloads.add(String.join("\n", data));
      }
    }
    return payloads;
  }
}

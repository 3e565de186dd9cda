package dev.tollgate.benchmarks;

/** The one request body per mode, byte for byte the same for every target. */
final class Requests {

  private Requests() {}

  static String body(String mode) {
    return "{\"model\":\""
        + Targets.MODEL
        + "\",\"stream\":"
        + mode.equals("sse")
        + ",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":"
        + "\"Say twenty words, please.\"}]}";
  }

  /** The wrk script: the request, and a last line with the figures as JSON. */
  static String wrkScript(String mode, String authorization) {
    return """
        wrk.method = "POST"
        wrk.body = '%s'
        wrk.headers["Content-Type"] = "application/json"
        wrk.headers["Authorization"] = "%s"
        done = function(summary, latency, requests)
          io.write(string.format(
            "WRKJSON {\\"requests\\":%%d,\\"duration_us\\":%%d,\\"connect\\":%%d,\\"read\\":%%d,"
            .. "\\"write\\":%%d,\\"status\\":%%d,\\"timeout\\":%%d,\\"p50\\":%%d,\\"p99\\":%%d}\\n",
            summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
            summary.errors.write, summary.errors.status, summary.errors.timeout,
            latency:percentile(50), latency:percentile(99)))
        end
        """
        .formatted(body(mode), authorization);
  }
}

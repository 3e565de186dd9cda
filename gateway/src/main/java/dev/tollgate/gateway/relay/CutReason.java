package dev.tollgate.gateway.relay;

/**
 * Why the gateway stopped a stream before the upstream finished it: the client gets a last event
 * with a stop reason and a note ({@code error_note} for OpenAI clients) saying which.
 */
public enum CutReason {
  /** The account's funds ran out: nothing beyond the hold is delivered. */
  FUNDS("insufficient_balance", "The stream was stopped: the account's balance is used up."),
  /** The gateway is shutting down and the stream outlasted its drain. */
  SHUTDOWN(
      "gateway_shutting_down",
      "The stream was stopped: the gateway is shutting down. Send the request again.");

  private final String type;
  private final String message;

  CutReason(String type, String message) {
    this.type = type;
    this.message = message;
  }

  /** The note's {@code type}. */
  public String type() {
    return type;
  }

  /** The note's {@code message}. */
  public String message() {
    return message;
  }
}

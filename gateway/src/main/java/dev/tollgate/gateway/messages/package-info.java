/**
 * The Anthropic Messages API ({@code POST /v1/messages}) in front of every configured provider: the
 * request is translated into an OpenAI chat-completions body, served by the same pipeline as {@code
 * /v1/chat/completions} (limits, billing, metering, relay), and the OpenAI-dialect answer is
 * translated back, streamed or whole.
 */
@NullMarked
package dev.tollgate.gateway.messages;

import org.jspecify.annotations.NullMarked;

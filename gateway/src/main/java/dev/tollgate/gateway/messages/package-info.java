/**
 * The Anthropic Messages API ({@code POST /v1/messages}) in front of every configured provider: the
 * request is translated into an OpenAI chat-completions body, served by the same pipeline as {@code
 * /v1/chat/completions} (limits, billing, metering, relay), and the OpenAI-dialect answer is
 * translated back, streamed or whole. A deployment whose adapter speaks the Messages API itself
 * gets the request as it came and its answer passes through ({@link
 * dev.tollgate.gateway.messages.MessagesDialect}).
 */
@NullMarked
package dev.tollgate.gateway.messages;

import org.jspecify.annotations.NullMarked;

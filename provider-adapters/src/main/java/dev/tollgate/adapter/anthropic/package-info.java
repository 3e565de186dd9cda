/**
 * Anthropic's Messages API behind the OpenAI chat-completions dialect: requests are translated to
 * {@code POST /messages}, streamed events and whole messages back to OpenAI chunks and bodies.
 */
@NullMarked
package dev.tollgate.adapter.anthropic;

import org.jspecify.annotations.NullMarked;

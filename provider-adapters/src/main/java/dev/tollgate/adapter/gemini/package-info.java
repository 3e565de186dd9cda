/**
 * Google Gemini ({@code generateContent} / {@code streamGenerateContent}), translated to and from
 * the OpenAI chat-completions dialect the gateway speaks.
 */
@NullMarked
package dev.tollgate.adapter.gemini;

import org.jspecify.annotations.NullMarked;

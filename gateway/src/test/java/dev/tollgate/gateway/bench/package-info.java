/**
 * The load harness: the same load straight to a fake OpenAI-compatible upstream and through the
 * gateway, side by side, on loopback. Run by the Maven profile {@code load}; see
 * docs/benchmarks.md. Not tests: nothing here runs in a normal build.
 */
@NullMarked
package dev.tollgate.gateway.bench;

import org.jspecify.annotations.NullMarked;

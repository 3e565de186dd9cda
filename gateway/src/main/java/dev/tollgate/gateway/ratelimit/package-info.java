/**
 * Per-key limits that hold across gateway instances: requests and tokens per minute (Bucket4j token
 * buckets kept in Redis), concurrent streams (a Redis sorted set of leases), and the OpenAI-style
 * headers and 429 errors that report them.
 */
@NullMarked
package dev.tollgate.gateway.ratelimit;

import org.jspecify.annotations.NullMarked;

/** Running the billing Lua scripts; not public API. */
@NullMarked
package dev.tollgate.billing.redis.internal;

import org.jspecify.annotations.NullMarked;

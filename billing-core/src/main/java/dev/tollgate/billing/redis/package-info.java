@NullMarked
package dev.tollgate.billing.redis;

import org.jspecify.annotations.NullMarked;

@NullMarked
package dev.tollgate.billing.pricing;

import org.jspecify.annotations.NullMarked;

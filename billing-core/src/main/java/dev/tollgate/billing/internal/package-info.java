/** Plumbing shared by billing's packages; not public API. */
@NullMarked
package dev.tollgate.billing.internal;

import org.jspecify.annotations.NullMarked;

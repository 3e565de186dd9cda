/** Plumbing the adapters share; not part of the SPI. */
@NullMarked
package dev.tollgate.adapter.internal;

import org.jspecify.annotations.NullMarked;

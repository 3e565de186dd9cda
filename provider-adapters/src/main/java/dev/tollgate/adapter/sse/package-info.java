@NullMarked
package dev.tollgate.adapter.sse;

import org.jspecify.annotations.NullMarked;

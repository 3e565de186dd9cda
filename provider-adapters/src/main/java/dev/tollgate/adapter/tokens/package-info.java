@NullMarked
package dev.tollgate.adapter.tokens;

import org.jspecify.annotations.NullMarked;

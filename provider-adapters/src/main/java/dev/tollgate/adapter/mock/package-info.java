@NullMarked
package dev.tollgate.adapter.mock;

import org.jspecify.annotations.NullMarked;

@NullMarked
package dev.tollgate.gateway;

import org.jspecify.annotations.NullMarked;

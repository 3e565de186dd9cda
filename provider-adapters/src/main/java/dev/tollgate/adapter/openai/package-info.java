@NullMarked
package dev.tollgate.adapter.openai;

import org.jspecify.annotations.NullMarked;

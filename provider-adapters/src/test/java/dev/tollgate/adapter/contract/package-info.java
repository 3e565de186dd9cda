/** The contract every provider adapter passes, against a fake upstream replaying recordings. */
@NullMarked
package dev.tollgate.adapter.contract;

import org.jspecify.annotations.NullMarked;

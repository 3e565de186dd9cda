@NullMarked
package dev.tollgate.billing.ledger;

import org.jspecify.annotations.NullMarked;

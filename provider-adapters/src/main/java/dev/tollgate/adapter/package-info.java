/** Provider adapters: the SPI and one package per upstream dialect. */
@NullMarked
package dev.tollgate.adapter;

import org.jspecify.annotations.NullMarked;

/**
 * The gateway's connections to Redis, on one server or on Redis Cluster: the configuration picks
 * the client, the components take the commands both share.
 */
@NullMarked
package dev.tollgate.gateway.redis;

import org.jspecify.annotations.NullMarked;

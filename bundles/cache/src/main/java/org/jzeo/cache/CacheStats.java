package org.jzeo.cache;

/**
 * Counters for sizing a cache.
 *
 * @param hits        loads answered from the cache
 * @param misses      loads not answered
 * @param stores      revisions stored
 * @param evictions   revisions evicted for room
 * @param entries     revisions held now
 * @param bytesUsed   bytes of revisions held now
 * @param maxBytes    the configured size
 */
public record CacheStats(long hits, long misses, long stores, long evictions, long entries, long bytesUsed,
        long maxBytes) {
}

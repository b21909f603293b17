package org.jzeo.cache;

import org.jzeo.api.Tid;

/**
 * A cached revision: valid from {@code start} (inclusive) to {@code end} (exclusive).
 *
 * @param data  the object record
 * @param start the tid that wrote this revision
 * @param end   the tid of the next revision, or {@code null} when this is the current one
 */
public record CacheEntry(byte[] data, Tid start, Tid end) {
}

package org.jzeo.storage.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

import org.jzeo.api.Oid;

/**
 * oid → position of the object's newest data record in one data file, sorted by oid. Readers look positions up
 * concurrently; only the committing thread (holding the commit lock) adds, and only after the
 * transaction is durable (rule S4), so a position found here always names finished, forced data.
 */
public final class OidIndex {
    /** Sorted by unsigned oid, for {@link #ceiling} and {@link #maxOid}. */
    private final ConcurrentSkipListMap<Long, Long> positions;

    /** An empty index. */
    public OidIndex() {
        this.positions = new ConcurrentSkipListMap<>(Long::compareUnsigned);
    }

    /** An index holding {@code entries} (oid value → position). */
    public OidIndex(Map<Long, Long> entries) {
        this();
        positions.putAll(entries);
    }

    /** The position of the oid's newest record, or 0 when the oid is unknown. */
    public long get(Oid oid) {
        Long p = positions.get(oid.value());
        return p == null ? 0 : p;
    }

    /** Whether the oid is known. */
    public boolean contains(Oid oid) {
        return positions.containsKey(oid.value());
    }

    /** Records a new newest position. */
    public void put(Oid oid, long pos) {
        positions.put(oid.value(), pos);
    }

    /** Number of oids (including deleted ones). */
    public int size() {
        return positions.size();
    }

    /** The largest oid value, or 0 when empty. */
    public long maxOid() {
        Map.Entry<Long, Long> last = positions.lastEntry();
        return last == null ? 0 : last.getKey();
    }

    /** The smallest oid at or after {@code start}, or {@code null}. */
    public Oid ceiling(Oid start) {
        Long k = positions.ceilingKey(start.value());
        return k == null ? null : Oid.of(k);
    }

    /** A sorted copy of the entries as {oid, pos} pairs. */
    public List<long[]> sortedEntries() {
        List<long[]> list = new ArrayList<>(positions.size());
        positions.forEach((k, v) -> list.add(new long[] {k, v}));
        return list;
    }
}

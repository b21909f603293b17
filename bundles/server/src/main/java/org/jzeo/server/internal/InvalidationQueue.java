package org.jzeo.server.internal;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;

/**
 * The last N committed transactions of a storage with the oids each changed, newest first: what
 * answers {@code getInvalidations(tid)} so a reconnecting client can bring its cache up to date
 * without dropping it (wire-protocol spec §10.1). Thread-safe.
 */
final class InvalidationQueue {
    private final int capacity;
    private final Deque<Entry> entries = new ArrayDeque<>();

    /** One committed transaction. */
    record Entry(Tid tid, List<Oid> oids) {
    }

    /** The answer to getInvalidations: the newest tid and every oid changed after the client's tid. */
    record Invalidations(Tid latest, Set<Oid> oids) {
    }

    /** @param capacity how many transactions to keep (invalidation-queue-size, default 100) */
    InvalidationQueue(int capacity) {
        this.capacity = Math.max(0, capacity);
    }

    /** Records a commit; tids must be added in increasing order. */
    synchronized void add(Tid tid, Collection<Oid> oids) {
        if (capacity == 0) {
            return;
        }
        if (!entries.isEmpty() && tid.compareTo(entries.peekFirst().tid) <= 0) {
            throw new IllegalArgumentException("tid " + tid + " not after " + entries.peekFirst().tid);
        }
        entries.addFirst(new Entry(tid, List.copyOf(oids)));
        while (entries.size() > capacity) {
            entries.removeLast();
        }
    }

    /**
     * What changed after {@code clientTid}, or {@code null} when the queue does not reach back that
     * far (the client must verify its whole cache).
     */
    synchronized Invalidations since(Tid clientTid) {
        return since(clientTid, Tid.MAX);
    }

    /**
     * What changed after {@code clientTid} up to and including {@code upTo} (the last visible
     * tid: a transaction not yet visible must not be reported, or the client would take its tid
     * while loads still answer from before it), or {@code null} when the queue does not reach
     * back that far.
     */
    synchronized Invalidations since(Tid clientTid, Tid upTo) {
        if (entries.isEmpty() || entries.peekLast().tid.compareTo(clientTid) > 0) {
            return null;
        }
        Set<Oid> oids = new LinkedHashSet<>();
        Tid latest = null;
        Iterator<Entry> it = entries.descendingIterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (e.tid.compareTo(upTo) > 0) {
                break;
            }
            latest = e.tid;
            if (e.tid.compareTo(clientTid) > 0) {
                oids.addAll(e.oids);
            }
        }
        return latest == null ? null : new Invalidations(latest, oids);
    }

    /** Number of transactions held. */
    synchronized int size() {
        return entries.size();
    }
}

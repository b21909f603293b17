package org.jzeo.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.junit.jupiter.api.Test;

class InvalidationQueueTest {
    @Test
    void answersFromTheQueueOrNullWhenTooOld() {
        InvalidationQueue q = new InvalidationQueue(3);
        for (int i = 1; i <= 5; i++) {
            q.add(Tid.of(i * 10), List.of(Oid.of(i), Oid.of(100)));
        }
        assertEquals(3, q.size());
        // Oldest kept entry is tid 30: a client at 30 or later is answered, earlier is not.
        assertNull(q.since(Tid.of(29)));
        InvalidationQueue.Invalidations inv = q.since(Tid.of(30));
        assertEquals(Tid.of(50), inv.latest());
        assertEquals(Set.of(Oid.of(4), Oid.of(5), Oid.of(100)), inv.oids());
        assertEquals(Set.of(), q.since(Tid.of(50)).oids());
        assertThrows(IllegalArgumentException.class, () -> q.add(Tid.of(50), List.of()));
    }

    @Test
    void neverReportsBeyondTheVisibleTid() {
        InvalidationQueue q = new InvalidationQueue(10);
        q.add(Tid.of(10), List.of(Oid.of(1)));
        q.add(Tid.of(20), List.of(Oid.of(2)));
        q.add(Tid.of(30), List.of(Oid.of(3))); // heard, not yet visible
        InvalidationQueue.Invalidations inv = q.since(Tid.of(10), Tid.of(20));
        assertEquals(Tid.of(20), inv.latest());
        assertEquals(Set.of(Oid.of(2)), inv.oids());
    }

    @Test
    void emptyQueueNeverAnswers() {
        assertNull(new InvalidationQueue(100).since(Tid.ZERO));
        InvalidationQueue off = new InvalidationQueue(0);
        off.add(Tid.of(1), List.of(Oid.ROOT));
        assertNull(off.since(Tid.ZERO));
    }
}

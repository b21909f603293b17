package org.jzeo.protocol;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A Python tuple: an immutable sequence, kept apart from a Python list so that a pickle
 * re-encodes it as a tuple. msgpack arrays decode to tuples.
 *
 * <p>{@link #equals} compares the items with {@link List#equals}, so {@code byte[]} items compare
 * by identity; use {@link Values#deepEquals} to compare decoded values by content.
 *
 * @param items the elements (unmodifiable; may contain {@code null})
 */
public record Tuple(List<Object> items) {
    /** The empty tuple {@code ()}. */
    public static final Tuple EMPTY = new Tuple(List.of());

    /** Wraps a copy of {@code items} (which may contain {@code null}s). */
    public Tuple {
        items = items.isEmpty() ? List.of() : Collections.unmodifiableList(new ArrayList<>(items));
    }

    /** A tuple of the given elements. */
    public static Tuple of(Object... items) {
        return items.length == 0 ? EMPTY : new Tuple(Arrays.asList(items));
    }

    /** Number of elements. */
    public int size() {
        return items.size();
    }

    /** The element at {@code index}. */
    public Object get(int index) {
        return items.get(index);
    }

    /** Whether this is the empty tuple. */
    public boolean isEmpty() {
        return items.isEmpty();
    }

    @Override
    public String toString() {
        return Values.repr(this);
    }
}

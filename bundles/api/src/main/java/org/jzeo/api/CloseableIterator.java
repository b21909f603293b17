package org.jzeo.api;

import java.util.Iterator;

/**
 * An iterator over storage contents that holds resources (an open file) until closed.
 *
 * @param <T> the element type
 */
public interface CloseableIterator<T> extends Iterator<T>, AutoCloseable {
    @Override
    void close();
}

package org.jzeo.api;

/**
 * One revision of an object as a load returns it.
 *
 * @param data  the object record (two concatenated pickles, opaque to storages)
 * @param start the tid of the transaction that wrote this revision (after an undo, the undo's tid)
 * @param end   the tid of the next revision, or {@code null} when this one is current
 */
public record LoadResult(byte[] data, Tid start, Tid end) {
}

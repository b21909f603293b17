package org.jzeo.api;

/**
 * One object revision inside a transaction, as an iterator yields it.
 *
 * @param oid     the object
 * @param tid     the enclosing transaction's tid
 * @param data    the object record, or {@code null} when this revision deletes the object
 * @param dataTxn when the record's data was copied by reference (an undo back-pointer), the tid of
 *                the transaction that holds the data; otherwise {@code null}
 */
public record DataRecord(Oid oid, Tid tid, byte[] data, Tid dataTxn) {
}

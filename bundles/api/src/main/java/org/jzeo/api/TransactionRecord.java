package org.jzeo.api;

import java.util.List;

/**
 * One committed transaction, as a storage iterator yields it.
 *
 * @param tid      the transaction id
 * @param status   {@code ' '} committed, {@code 'p'} rewritten by pack
 * @param metadata user, description and extension
 * @param records  the data records, in file order
 */
public record TransactionRecord(Tid tid, char status, TransactionMetaData metadata, List<DataRecord> records) {
}

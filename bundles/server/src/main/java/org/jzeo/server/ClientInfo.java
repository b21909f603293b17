package org.jzeo.server;

import java.time.Instant;

/**
 * One registered client connection, as {@code zeo:clients} shows it.
 *
 * @param storage       the storage it registered on
 * @param address       the peer's address
 * @param label         what the client called itself ({@code set_client_label}), or null
 * @param readOnly      whether it registered read-only
 * @param connected     when the connection was accepted
 * @param inTransaction whether it has a transaction between tpc_begin and finish/abort
 */
public record ClientInfo(String storage, String address, String label, boolean readOnly, Instant connected,
        boolean inTransaction) {
}

package org.jzeo.protocol;

/**
 * User event fired by a server-side {@link HandshakeHandler} when the client answered the
 * handshake with {@code ruok} instead of a protocol string (the status probe of
 * wire-protocol.md §3). No codec is installed; the server should write one {@code ByteBuf}
 * frame with the JSON status and close the connection.
 */
public final class RuokProbeEvent {
    /** The only instance. */
    public static final RuokProbeEvent INSTANCE = new RuokProbeEvent();

    private RuokProbeEvent() {
    }

    @Override
    public String toString() {
        return "RuokProbeEvent";
    }
}

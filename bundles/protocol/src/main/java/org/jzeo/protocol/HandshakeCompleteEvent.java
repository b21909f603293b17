package org.jzeo.protocol;

/**
 * User event fired by {@link HandshakeHandler} once the protocol is agreed and the
 * {@link MessageCodecHandler} is installed; from then on the pipeline carries {@link Message}s.
 *
 * @param protocol the protocol string in use, {@code "M5"} or {@code "Z5"}
 * @param codec    its codec
 */
public record HandshakeCompleteEvent(String protocol, MessageCodec codec) {
}

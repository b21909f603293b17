/**
 * The ZEO 5 wire protocol: length-prefixed framing, the {@code M5}/{@code Z5} handshake, and the
 * two message encodings (msgpack and pickle protocol 3), for jzeo's server and client.
 *
 * <h2>Value model</h2>
 * Decoded messages use plain Java values that keep what Python distinguishes:
 * <ul>
 *   <li>{@code None} → {@code null}; {@code bool} → {@link java.lang.Boolean};</li>
 *   <li>{@code int} → {@link java.lang.Long}, or {@link java.math.BigInteger} only when the
 *       value does not fit a signed 64-bit long (e.g. a uint64 above 2<sup>63</sup>−1);</li>
 *   <li>{@code float} → {@link java.lang.Double};</li>
 *   <li>{@code str} (msgpack str, pickle unicode) → {@link java.lang.String};</li>
 *   <li>{@code bytes} (msgpack bin, pickle bytes) → {@code byte[]}; Python 2 pickle
 *       {@code str} opcodes (STRING/BINSTRING/SHORT_BINSTRING) also decode to {@code byte[]}
 *       on the wire (they carry oids from old clients);</li>
 *   <li>{@code tuple} → {@link org.jzeo.protocol.Tuple}; {@code list} → an unmodifiable
 *       {@link java.util.List}; <b>msgpack arrays always decode to {@code Tuple}</b> (as Python's
 *       {@code use_list=False} does), pickle keeps tuple and list apart;</li>
 *   <li>{@code dict} → an unmodifiable, insertion-ordered {@link java.util.Map} (wire order).</li>
 * </ul>
 * Encoders accept the same types plus {@code Integer}/{@code Short}/{@code Byte},
 * {@code Float}, any {@code List}/{@code Map}, and {@link org.jzeo.api.Oid}/{@link org.jzeo.api.Tid}
 * (written as 8 bytes). Both {@code Tuple} and {@code List} become msgpack arrays; in pickle a
 * {@code Tuple} is a tuple and a {@code List} a list. See {@link org.jzeo.protocol.Values}.
 *
 * <h2>Pipeline</h2>
 * {@link org.jzeo.protocol.ZeoPipeline} installs {@link org.jzeo.protocol.FrameDecoder},
 * {@link org.jzeo.protocol.FrameEncoder} and a {@link org.jzeo.protocol.HandshakeHandler}; once
 * the handshake is done the latter replaces itself by a {@link org.jzeo.protocol.MessageCodecHandler}
 * and fires a {@link org.jzeo.protocol.HandshakeCompleteEvent}; from then on the application
 * handler reads and writes {@link org.jzeo.protocol.Message}s.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.jzeo.protocol;

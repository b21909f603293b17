package org.jzeo.jca.internal;

import jakarta.resource.ResourceException;
import jakarta.resource.spi.CommException;
import jakarta.resource.spi.ConnectionManager;
import jakarta.resource.spi.ConnectionRequestInfo;
import jakarta.resource.spi.InvalidPropertyException;
import jakarta.resource.spi.ManagedConnection;
import jakarta.resource.spi.ManagedConnectionFactory;
import jakarta.resource.spi.ResourceAdapter;
import jakarta.resource.spi.ResourceAdapterAssociation;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.security.auth.Subject;
import org.jzeo.client.ClientConfig;
import org.jzeo.client.ClientDisconnected;

/**
 * The connection factory's configuration, as JavaBean properties (the names to use in
 * {@code @ConnectionFactoryDefinition(properties = ...)} and in ra.xml):
 * <ul>
 *   <li>{@code serverAddresses}: ZEO server addresses, separated by commas or spaces
 *       ({@code host:port}, {@code [ipv6]:port}, {@code port} or a Unix socket path); required</li>
 *   <li>{@code storage}: the storage name on the server (default {@code 1})</li>
 *   <li>{@code cacheSize}: the shared client cache in bytes (default 20 MB)</li>
 *   <li>{@code clientName}, {@code varDirectory}: a persistent cache named {@code clientName} in
 *       {@code varDirectory} (unset: a transient cache)</li>
 *   <li>{@code readOnly}, {@code readOnlyFallback}: as ClientStorage's {@code read-only} and
 *       {@code read-only-fallback}</li>
 *   <li>{@code username}, {@code password}, {@code realm}; {@code tlsCertificate}, {@code tlsKey},
 *       {@code tlsPasswordFunction}, {@code tlsAuthenticate}, {@code tlsCheckHostname},
 *       {@code tlsServerHostname}: credentials and TLS, passed to the client configuration</li>
 *   <li>{@code commitSessions}: how many extra server sessions commit concurrently (default 4;
 *       0: every commit through the shared connection)</li>
 *   <li>{@code waitTimeout}: seconds to wait for a server connection, for a free commit session,
 *       and for the shared cache to see a commit (default 30)</li>
 *   <li>{@code minDisconnectPoll}, {@code maxDisconnectPoll}: reconnection delays in seconds
 *       (defaults 5 and 300)</li>
 *   <li>{@code heartbeatInterval}: seconds a server connection may send nothing before it sends a
 *       heartbeat (default 60, as Python's client; lower it when a firewall drops quieter
 *       connections)</li>
 * </ul>
 * String values may contain {@code ${name}} or {@code ${name:default}}, resolved from system
 * properties, then environment variables, when a connection is first made (so a deployment can take
 * the server address from the server's JVM options).
 *
 * <p>Factories with equal properties are equal and share one backend (shared storage and commit
 * sessions) within their resource adapter.
 */
public class ZeoManagedConnectionFactory implements ManagedConnectionFactory, ResourceAdapterAssociation {
    private static final long serialVersionUID = 1L;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}:]+)(?::([^}]*))?}");

    private String serverAddresses;
    private String storage = "1";
    private Long cacheSize = ClientConfig.DEFAULT_CACHE_SIZE;
    private String clientName;
    private String varDirectory;
    private Boolean readOnly = Boolean.FALSE;
    private Boolean readOnlyFallback = Boolean.FALSE;
    private String username;
    private String password;
    private String realm;
    private String tlsCertificate;
    private String tlsKey;
    private String tlsPasswordFunction;
    private String tlsAuthenticate;
    private Boolean tlsCheckHostname = Boolean.TRUE;
    private String tlsServerHostname;
    private Integer commitSessions = 4;
    private Double waitTimeout = 30.0;
    private Double minDisconnectPoll = 5.0;
    private Double maxDisconnectPoll = 300.0;
    private Double heartbeatInterval = 60.0;

    private transient ResourceAdapter resourceAdapter;
    private transient PrintWriter logWriter;

    // ------------------------------------------------------------------ ManagedConnectionFactory

    @Override
    public Object createConnectionFactory(ConnectionManager cm) {
        return new ZeoConnectionFactoryImpl(this, cm);
    }

    /** Non-managed mode: connections straight from this factory, no pool, no container transactions. */
    @Override
    public Object createConnectionFactory() {
        return new ZeoConnectionFactoryImpl(this, new NonManagedConnectionManager());
    }

    @Override
    public ManagedConnection createManagedConnection(Subject subject, ConnectionRequestInfo info)
            throws ResourceException {
        return new ZeoManagedConnection(this, backend());
    }

    /** The backend of this configuration (opened on first use, connecting within the wait timeout). */
    ZeoBackend backend() throws ResourceException {
        ZeoBackend.Key key = new ZeoBackend.Key(toClientConfig(), intValue(commitSessions, "commitSessions"));
        BackendRegistry registry = resourceAdapter instanceof ZeoResourceAdapter ra ? ra.registry()
                : BackendRegistry.FALLBACK;
        try {
            return registry.get(key);
        } catch (ClientDisconnected e) {
            throw new CommException("cannot connect to the ZEO server at " + key.config().servers() + ": "
                    + e.getMessage(), e);
        } catch (IllegalStateException e) {
            throw new jakarta.resource.spi.IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public ManagedConnection matchManagedConnections(@SuppressWarnings("rawtypes") Set connections, Subject subject,
            ConnectionRequestInfo info) {
        for (Iterator<?> it = connections.iterator(); it.hasNext(); ) {
            Object o = it.next();
            if (o instanceof ZeoManagedConnection mc && mc.factory().equals(this) && mc.isUsable()) {
                return mc;
            }
        }
        return null;
    }

    /** The client configuration these properties describe. */
    ClientConfig toClientConfig() throws ResourceException {
        String servers = resolve(serverAddresses);
        if (servers == null || servers.isBlank()) {
            throw new InvalidPropertyException("serverAddresses is required (host:port, separated by commas)");
        }
        try {
            ClientConfig.Builder b = ClientConfig.builder();
            for (String s : servers.trim().split("[\\s,]+")) {
                b.server(s);
            }
            b.storage(resolve(storage)).cacheSize(cacheSize == null ? ClientConfig.DEFAULT_CACHE_SIZE : cacheSize)
                    .readOnly(Boolean.TRUE.equals(readOnly)).readOnlyFallback(Boolean.TRUE.equals(readOnlyFallback))
                    .waitTimeout(seconds(waitTimeout, "waitTimeout"))
                    .minDisconnectPoll(seconds(minDisconnectPoll, "minDisconnectPoll"))
                    .maxDisconnectPoll(seconds(maxDisconnectPoll, "maxDisconnectPoll"))
                    .heartbeatInterval(seconds(heartbeatInterval, "heartbeatInterval"))
                    .clientLabel("jzeo-jca");
            String client = resolve(clientName);
            if (client != null && !client.isBlank()) {
                b.client(client);
                String var = resolve(varDirectory);
                if (var != null && !var.isBlank()) {
                    b.var(Path.of(var));
                }
            }
            b.username(resolve(username)).password(resolve(password)).realm(resolve(realm));
            String cert = resolve(tlsCertificate);
            String auth = resolve(tlsAuthenticate);
            if (cert != null || auth != null || tlsServerHostname != null) {
                b.tls(new ClientConfig.Tls(path(cert), path(resolve(tlsKey)), resolve(tlsPasswordFunction), path(auth),
                        !Boolean.FALSE.equals(tlsCheckHostname), resolve(tlsServerHostname)));
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            InvalidPropertyException x = new InvalidPropertyException("invalid jzeo connection factory property: "
                    + e.getMessage(), e);
            throw x;
        }
    }

    private static Path path(String s) {
        return s == null || s.isBlank() ? null : Path.of(s);
    }

    private static Duration seconds(Double v, String name) throws InvalidPropertyException {
        if (v == null) {
            return null;
        }
        if (!(v > 0) || v.isInfinite()) {
            throw new InvalidPropertyException(name + " must be a positive number of seconds, not " + v);
        }
        return Duration.ofNanos(Math.round(v * 1e9));
    }

    private static int intValue(Integer v, String name) throws InvalidPropertyException {
        if (v == null) {
            return 0;
        }
        if (v < 0) {
            throw new InvalidPropertyException(name + " must not be negative");
        }
        return v;
    }

    /** Replaces {@code ${name}} / {@code ${name:default}} with system properties or environment variables. */
    static String resolve(String value) throws InvalidPropertyException {
        if (value == null || value.indexOf("${") < 0) {
            return value;
        }
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1).trim();
            String v = System.getProperty(name);
            if (v == null) {
                v = System.getenv(name);
            }
            if (v == null) {
                v = m.group(2);
            }
            if (v == null) {
                throw new InvalidPropertyException("placeholder ${" + name + "} is neither a system property nor an"
                        + " environment variable, and has no default");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        logWriter = out;
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    @Override
    public ResourceAdapter getResourceAdapter() {
        return resourceAdapter;
    }

    @Override
    public void setResourceAdapter(ResourceAdapter ra) {
        this.resourceAdapter = ra;
    }

    private List<Object> properties() {
        return Arrays.asList(serverAddresses, storage, cacheSize, clientName, varDirectory, readOnly, readOnlyFallback,
                username, password, realm, tlsCertificate, tlsKey, tlsPasswordFunction, tlsAuthenticate,
                tlsCheckHostname, tlsServerHostname, commitSessions, waitTimeout, minDisconnectPoll,
                maxDisconnectPoll, heartbeatInterval);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ZeoManagedConnectionFactory f && f.getClass() == getClass()
                && f.properties().equals(properties()) && Objects.equals(f.resourceAdapter, resourceAdapter);
    }

    @Override
    public int hashCode() {
        return properties().hashCode();
    }

    @Override
    public String toString() {
        return "ZeoManagedConnectionFactory[" + serverAddresses + ", storage " + storage + "]";
    }

    // ------------------------------------------------------------------ JavaBean properties

    /** @return the server addresses */
    public String getServerAddresses() {
        return serverAddresses;
    }

    /** @param v server addresses, separated by commas or spaces */
    public void setServerAddresses(String v) {
        serverAddresses = v;
    }

    /** @return the storage name */
    public String getStorage() {
        return storage;
    }

    /** @param v the storage name on the server */
    public void setStorage(String v) {
        storage = v;
    }

    /** @return the cache size in bytes */
    public Long getCacheSize() {
        return cacheSize;
    }

    /** @param v the shared cache size in bytes */
    public void setCacheSize(Long v) {
        cacheSize = v;
    }

    /** @return the persistent cache name */
    public String getClientName() {
        return clientName;
    }

    /** @param v the persistent cache name (unset: transient cache) */
    public void setClientName(String v) {
        clientName = v;
    }

    /** @return the persistent cache directory */
    public String getVarDirectory() {
        return varDirectory;
    }

    /** @param v the persistent cache directory */
    public void setVarDirectory(String v) {
        varDirectory = v;
    }

    /** @return whether the client is read-only */
    public Boolean getReadOnly() {
        return readOnly;
    }

    /** @param v read-only client */
    public void setReadOnly(Boolean v) {
        readOnly = v;
    }

    /** @return whether a read-only server is accepted when no writable one answers */
    public Boolean getReadOnlyFallback() {
        return readOnlyFallback;
    }

    /** @param v accept a read-only server when no writable one answers */
    public void setReadOnlyFallback(Boolean v) {
        readOnlyFallback = v;
    }

    /** @return the user name */
    public String getUsername() {
        return username;
    }

    /** @param v the user name for server authentication */
    public void setUsername(String v) {
        username = v;
    }

    /** @return the password */
    public String getPassword() {
        return password;
    }

    /** @param v the password for server authentication */
    public void setPassword(String v) {
        password = v;
    }

    /** @return the authentication realm */
    public String getRealm() {
        return realm;
    }

    /** @param v the authentication realm */
    public void setRealm(String v) {
        realm = v;
    }

    /** @return the client certificate path */
    public String getTlsCertificate() {
        return tlsCertificate;
    }

    /** @param v the client certificate (PEM) path; setting it or tlsAuthenticate enables TLS */
    public void setTlsCertificate(String v) {
        tlsCertificate = v;
    }

    /** @return the private key path */
    public String getTlsKey() {
        return tlsKey;
    }

    /** @param v the client private key path */
    public void setTlsKey(String v) {
        tlsKey = v;
    }

    /** @return how the key password is obtained */
    public String getTlsPasswordFunction() {
        return tlsPasswordFunction;
    }

    /** @param v how the key password is obtained */
    public void setTlsPasswordFunction(String v) {
        tlsPasswordFunction = v;
    }

    /** @return the CA file or directory */
    public String getTlsAuthenticate() {
        return tlsAuthenticate;
    }

    /** @param v CA file or directory for the server certificate */
    public void setTlsAuthenticate(String v) {
        tlsAuthenticate = v;
    }

    /** @return whether the server host name is checked */
    public Boolean getTlsCheckHostname() {
        return tlsCheckHostname;
    }

    /** @param v whether the server host name is checked (default true) */
    public void setTlsCheckHostname(Boolean v) {
        tlsCheckHostname = v;
    }

    /** @return the host name to check */
    public String getTlsServerHostname() {
        return tlsServerHostname;
    }

    /** @param v the host name to check (unset: the address's host) */
    public void setTlsServerHostname(String v) {
        tlsServerHostname = v;
    }

    /** @return the commit session bound */
    public Integer getCommitSessions() {
        return commitSessions;
    }

    /** @param v how many server sessions commit concurrently (0: all through the shared one) */
    public void setCommitSessions(Integer v) {
        commitSessions = v;
    }

    /** @return the wait timeout in seconds */
    public Double getWaitTimeout() {
        return waitTimeout;
    }

    /** @param v seconds to wait for a connection, a commit session, or a commit's visibility */
    public void setWaitTimeout(Double v) {
        waitTimeout = v;
    }

    /** @return the first reconnection delay in seconds */
    public Double getMinDisconnectPoll() {
        return minDisconnectPoll;
    }

    /** @param v the first reconnection delay in seconds */
    public void setMinDisconnectPoll(Double v) {
        minDisconnectPoll = v;
    }

    /** @return the largest reconnection delay in seconds */
    public Double getMaxDisconnectPoll() {
        return maxDisconnectPoll;
    }

    /** @param v the largest reconnection delay in seconds */
    public void setMaxDisconnectPoll(Double v) {
        maxDisconnectPoll = v;
    }

    /** @return seconds a connection may send nothing before it sends a heartbeat */
    public Double getHeartbeatInterval() {
        return heartbeatInterval;
    }

    /** @param v seconds a connection may send nothing before it sends a heartbeat */
    public void setHeartbeatInterval(Double v) {
        heartbeatInterval = v;
    }
}

package org.jzeo.jca.internal;

import jakarta.resource.NotSupportedException;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.ActivationSpec;
import jakarta.resource.spi.BootstrapContext;
import jakarta.resource.spi.ResourceAdapter;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;
import java.io.Serializable;
import javax.transaction.xa.XAResource;
import org.jzeo.client.ClientStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jzeo resource adapter: owns the shared client storages and commit sessions of its connection
 * factories (one set per configuration) from {@link #start} to {@link #stop}. Outbound only.
 *
 * <p>{@link #getXAResources} returns none: the adapter keeps no durable record of prepared branches,
 * and a ZEO server rolls back every voted transaction whose connection closes, so after a restart
 * nothing is in doubt on the server (see {@link ZeoXAResource#recover}).
 */
public class ZeoResourceAdapter implements ResourceAdapter, Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ZeoResourceAdapter.class);

    private transient volatile BackendRegistry registry;

    @Override
    public void start(BootstrapContext ctx) {
        registry = new BackendRegistry(ClientStorage::open);
        LOG.info("jzeo resource adapter started");
    }

    @Override
    public void stop() {
        BackendRegistry r = registry;
        registry = null;
        if (r != null) {
            r.close();
        }
        LOG.info("jzeo resource adapter stopped");
    }

    /** The registry of a started adapter. */
    BackendRegistry registry() throws ResourceException {
        BackendRegistry r = registry;
        if (r == null) {
            throw new jakarta.resource.spi.IllegalStateException("the jzeo resource adapter is not started");
        }
        return r;
    }

    @Override
    public void endpointActivation(MessageEndpointFactory endpointFactory, ActivationSpec spec)
            throws ResourceException {
        throw new NotSupportedException("the jzeo resource adapter has no inbound side");
    }

    @Override
    public void endpointDeactivation(MessageEndpointFactory endpointFactory, ActivationSpec spec) {
    }

    @Override
    public XAResource[] getXAResources(ActivationSpec[] specs) {
        return new XAResource[0];
    }

    /** The adapter has no configuration properties: all instances are equal. */
    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass();
    }

    @Override
    public int hashCode() {
        return ZeoResourceAdapter.class.hashCode();
    }
}

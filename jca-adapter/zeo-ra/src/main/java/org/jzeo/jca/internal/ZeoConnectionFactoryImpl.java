package org.jzeo.jca.internal;

import jakarta.resource.ResourceException;
import jakarta.resource.spi.ConnectionManager;
import javax.naming.Reference;
import org.jzeo.jca.ZeoConnection;
import org.jzeo.jca.ZeoConnectionFactory;

/** The factory applications get from JNDI: asks the connection manager (the container's pool) for handles. */
final class ZeoConnectionFactoryImpl implements ZeoConnectionFactory {
    private static final long serialVersionUID = 1L;

    private final ZeoManagedConnectionFactory mcf;
    private final ConnectionManager cm;
    private Reference reference;

    ZeoConnectionFactoryImpl(ZeoManagedConnectionFactory mcf, ConnectionManager cm) {
        this.mcf = mcf;
        this.cm = cm;
    }

    @Override
    public ZeoConnection getConnection() throws ResourceException {
        return (ZeoConnection) cm.allocateConnection(mcf, null);
    }

    @Override
    public void setReference(Reference reference) {
        this.reference = reference;
    }

    @Override
    public Reference getReference() {
        return reference;
    }

    @Override
    public String toString() {
        return "ZeoConnectionFactory[" + mcf + "]";
    }
}

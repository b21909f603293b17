package org.jzeo.jca.it;

import jakarta.annotation.Resource;
import jakarta.resource.ConnectionFactoryDefinition;
import jakarta.resource.ConnectionFactoryDefinitions;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.TransactionSupport.TransactionSupportLevel;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.transaction.UserTransaction;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.jzeo.api.LoadResult;
import org.jzeo.api.Oid;
import org.jzeo.api.Tid;
import org.jzeo.jca.ZeoConnection;
import org.jzeo.jca.ZeoConnectionFactory;
import org.jzeo.jca.ZeoObjectNotFoundException;

/**
 * The test application: {@code GET /zeo?op=new|store|load&cf=1|2[&oid=HEX&data=TEXT&outcome=commit|rollback]}.
 * Two connection factories with different configurations (so separate shared caches and server
 * connections); the server address comes from the JVM's {@code zeo.it.server} system property.
 */
@ConnectionFactoryDefinitions({
    @ConnectionFactoryDefinition(name = "java:app/eis/zeo", interfaceName = "org.jzeo.jca.ZeoConnectionFactory",
            resourceAdapter = "zeo-rar", transactionSupport = TransactionSupportLevel.XATransaction,
            properties = {"serverAddresses=${zeo.it.server}", "cacheSize=5000000", "commitSessions=2"}),
    @ConnectionFactoryDefinition(name = "java:app/eis/zeo2", interfaceName = "org.jzeo.jca.ZeoConnectionFactory",
            resourceAdapter = "zeo-rar", transactionSupport = TransactionSupportLevel.XATransaction,
            properties = {"serverAddresses=${zeo.it.server}", "cacheSize=6000000", "commitSessions=2"})
})
@WebServlet("/zeo")
public class ZeoServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Resource(lookup = "java:app/eis/zeo")
    private ZeoConnectionFactory factory1;

    @Resource(lookup = "java:app/eis/zeo2")
    private ZeoConnectionFactory factory2;

    @Resource
    private UserTransaction tx;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain;charset=UTF-8");
        ZeoConnectionFactory cf = "2".equals(req.getParameter("cf")) ? factory2 : factory1;
        try {
            String out = switch (String.valueOf(req.getParameter("op"))) {
                case "new" -> {
                    try (ZeoConnection c = cf.getConnection()) {
                        yield c.newOid().toHex();
                    }
                }
                case "load" -> load(cf, Oid.fromHex(req.getParameter("oid")));
                case "store" -> store(cf, Oid.fromHex(req.getParameter("oid")), req.getParameter("data"),
                        "rollback".equals(req.getParameter("outcome")));
                default -> throw new IllegalArgumentException("op must be new, store or load");
            };
            resp.getWriter().print(out);
        } catch (Exception e) {
            resp.setStatus(500);
            resp.getWriter().print(e);
            Throwable c = e.getCause();
            while (c != null) {
                resp.getWriter().print("\ncaused by " + c);
                c = c.getCause();
            }
        }
    }

    private static String load(ZeoConnectionFactory cf, Oid oid) throws ResourceException {
        try (ZeoConnection c = cf.getConnection()) {
            LoadResult r = c.load(oid);
            return new String(r.data(), StandardCharsets.UTF_8) + " " + r.start().toHex();
        } catch (ZeoObjectNotFoundException e) {
            return "missing";
        }
    }

    /** Stores in a JTA transaction (the container enlists the connection), then commits or rolls back. */
    private String store(ZeoConnectionFactory cf, Oid oid, String data, boolean rollback) throws Exception {
        tx.begin();
        try {
            try (ZeoConnection c = cf.getConnection()) {
                Tid serial;
                try {
                    serial = c.load(oid).start();
                } catch (ZeoObjectNotFoundException e) {
                    serial = Tid.ZERO;
                }
                c.setTransactionNote("it", "store " + data);
                c.store(oid, serial, data.getBytes(StandardCharsets.UTF_8));
            }
        } catch (Exception e) {
            tx.rollback();
            throw e;
        }
        if (rollback) {
            tx.rollback();
            return "rolled back";
        }
        tx.commit();
        return "committed " + load(cf, oid);
    }
}

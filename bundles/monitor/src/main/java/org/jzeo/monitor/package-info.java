/**
 * Monitoring of a {@link org.jzeo.server.StorageServer}: the HOWTO's monitor server, which
 * writes a text report to whoever connects ({@link org.jzeo.monitor.MonitorServer},
 * {@link org.jzeo.monitor.MonitorReport}), and the same counters as JMX MBeans
 * ({@link org.jzeo.monitor.JmxStatistics}). Both read
 * {@link org.jzeo.server.StorageServer#stats(String)}, the counters {@code server_status} and
 * {@code ruok} report too.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.jzeo.monitor;

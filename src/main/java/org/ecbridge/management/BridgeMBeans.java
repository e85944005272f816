package org.ecbridge.management;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.ManagementAgent;
import org.apache.camel.support.service.ServiceSupport;
import org.ecbridge.staging.DeadLetterReplayer;
import org.ecbridge.staging.DiskUsageMonitor;
import org.ecbridge.staging.StagingArea;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the bridge's MBeans, {@code org.ecbridge:type=DiskUsage,context=<name>} and
 * {@code org.ecbridge:type=DeadLetters,context=<name>}, in the MBean server Camel's JMX agent uses, while the
 * Camel context runs. Does nothing when JMX is turned off ({@code camel.main.jmxEnabled=false}).
 */
public final class BridgeMBeans extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(BridgeMBeans.class);

    private final CamelContext context;
    private final DiskUsageMonitor disk;
    private final StagingArea staging;
    private final DeadLetterReplayer replayer;
    private final List<ObjectName> registered = new ArrayList<>();
    private MBeanServer server;

    public BridgeMBeans(CamelContext context, DiskUsageMonitor disk, StagingArea staging,
            DeadLetterReplayer replayer) {
        this.context = context;
        this.disk = disk;
        this.staging = staging;
        this.replayer = replayer;
    }

    @Override
    protected void doStart() throws JMException {
        ManagementAgent agent = context.getManagementStrategy().getManagementAgent();
        if (agent == null || agent.getMBeanServer() == null) {
            LOG.debug("JMX is turned off, so the org.ecbridge MBeans are not registered");
            return;
        }

        server = agent.getMBeanServer();
        register("DiskUsage", new StandardMBean(new DiskUsage(), DiskUsageMBean.class));
        register("DeadLetters", new StandardMBean(new DeadLetters(), DeadLettersMBean.class));
    }

    @Override
    protected void doStop() throws JMException {
        for (ObjectName name : registered) {
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
        }
        registered.clear();
    }

    private void register(String type, StandardMBean bean) throws JMException {
        ObjectName name = new ObjectName("org.ecbridge:type=" + type + ",context="
                + ObjectName.quote(context.getName()));
        server.registerMBean(bean, name);
        registered.add(name);
        LOG.info("Registered MBean {}", name);
    }

    private static int countJson(Path dir) {
        int count = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path ignored : files) {
                count++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
        return count;
    }

    private final class DiskUsage implements DiskUsageMBean {

        @Override
        public long getSpoolBytes() {
            return disk.spoolBytes();
        }

        @Override
        public long getSpoolQuotaBytes() {
            return disk.spoolQuotaBytes();
        }

        @Override
        public long getStagingBytes() {
            return disk.stagingBytes();
        }

        @Override
        public long getStagingQuotaBytes() {
            return disk.stagingQuotaBytes();
        }

        @Override
        public long getFreeBytes() {
            return disk.freeBytes();
        }

        @Override
        public long getMinFreeBytes() {
            return disk.minFreeBytes();
        }

        @Override
        public long getWebhookBytesInFlight() {
            return disk.reservedBytes();
        }

        @Override
        public int getInboxCount() {
            return countJson(staging.inbox());
        }

        @Override
        public void refresh() {
            disk.refresh();
        }
    }

    private final class DeadLetters implements DeadLettersMBean {

        @Override
        public int getCount() {
            return countJson(staging.dead());
        }

        @Override
        public List<String> getItemIds() throws IOException {
            return replayer.itemIds();
        }

        @Override
        public String replay(String itemId) throws IOException {
            return replayer.replay(itemId) ? "dead letter " + itemId + " moved back to the staging inbox"
                    : "no dead letter " + itemId + " in " + staging.dead();
        }

        @Override
        public int replayAll() throws IOException {
            return replayer.replayAll();
        }
    }
}

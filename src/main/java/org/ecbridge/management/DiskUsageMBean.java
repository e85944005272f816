package org.ecbridge.management;

/** JMX view of the spool and staging folders ({@code org.ecbridge:type=DiskUsage}). */
public interface DiskUsageMBean {

    long getSpoolBytes();

    long getSpoolQuotaBytes();

    long getStagingBytes();

    long getStagingQuotaBytes();

    long getFreeBytes();

    long getMinFreeBytes();

    /** Bytes announced by webhooks being received right now. */
    long getWebhookBytesInFlight();

    /** Records waiting in the staging inbox. */
    int getInboxCount();

    /** Measures the folders now instead of waiting for the next scheduled measurement. */
    void refresh();
}
